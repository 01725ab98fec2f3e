"""`palaestra judge`: a site run keeps each episode's evidence, and judging it again restores the
saved databases on the real site processes, reloads the final page in a real Chromium and runs the
tasks' current evaluators: the same verdicts when nothing changed, new ones (reported, and with
--write stored beside the old) when the reference, the saved answer or the saved state changed.

Three shop tasks, one per kind of evidence: an answer (string_match), the final URL (url_match),
the database and a page fetched logged in (db_state and program_html).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.evidence import EVIDENCE_DIR, RECORD, STATE
from palaestra.runs.judge import judge_run
from palaestra.runs.results import load_rows
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena import suite_configs

from .judged_runs import TASKS, play


@pytest.fixture
def run(shop_run: Path, tmp_path: Path) -> Path:
    """A copy of the shop run (the folder's session fixture, shared with `test_judge_served`), to change."""
    return Path(shutil.copytree(shop_run, tmp_path / "run"))


@pytest.fixture
def changed_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """The price task's reference changed after the run: its saved answer no longer passes."""
    config = suite_configs("shop")["product-price-0"]
    assert config.eval.reference_answers is not None
    monkeypatch.setitem(config.eval.reference_answers, "must_include", ["$99.99"])


def evidence_of(run: Path, task: str) -> Path:
    row = next(r for r in load_rows(run) if r["task"] == task)
    return run / row["artifacts"] / EVIDENCE_DIR


def test_a_site_run_keeps_evidence_and_judging_it_again_gives_the_same_verdicts(shop_run: Path) -> None:
    rows = load_rows(shop_run)
    assert [(r["task"], r["success"]) for r in rows] == [(t, 1) for t in TASKS]
    for row in rows:
        folder = evidence_of(shop_run, row["task"])
        record = json.loads((folder / RECORD).read_text())
        assert record["state"] == STATE and (folder / STATE).stat().st_size > 1000
        assert record["final_url"].startswith(record["origins"]["shop"])
        size = sum(p.stat().st_size for p in folder.iterdir())
        assert json.loads(row["extra"])["evidence"]["bytes"] == size
    results = judge_run(shop_run)
    assert [(r.task, r.old_reward, r.new_reward, r.changed) for r in results] == [
        (t, 1.0, 1.0, False) for t in TASKS
    ]
    # The profile page, fetched with the saved cookies from the restored database, shows the new name.
    assert results[0].details["program_html"] == 1.0 and results[0].details["db_state"] == 1.0


def test_a_changed_reference_is_reported_and_written_with_the_old_verdict_kept(
    run: Path, changed_reference: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["judge", str(run), "--tasks", "product-*"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "shop.product-price-0" in line)
    assert line.split()[-3:] == ["1.00", "0.00", "yes"], out
    assert "successes 1/1 -> 0/1" in out and "Nothing written" in out
    assert all(r["success"] for r in load_rows(run))  # not written

    assert main(["judge", str(run), "--write"]) == 0
    assert "written into the run" in capsys.readouterr().out
    rows = {r["task"]: r for r in load_rows(run)}
    changed = rows["shop.product-price-0"]
    assert (changed["reward"], changed["success"], changed["outcome"]) == (0.0, 0, "failure")
    [history] = json.loads(changed["extra"])["judged"]
    assert history["replaced"] == {"reward": 1.0, "success": True, "outcome": "success"}
    assert history["mode"] == "corrected" and history["details"]["string_match"] == 0.0
    assert "evidence" in json.loads(changed["extra"])  # the rest of the record is kept
    assert all(rows[t]["success"] and "judged" not in json.loads(rows[t]["extra"]) for t in TASKS[:2])
    again = judge_run(run, tasks=["shop.product-price-0"])
    assert [(r.old_reward, r.new_reward, r.changed) for r in again] == [(0.0, 0.0, False)]


def test_a_failing_verdict_names_each_failed_part_with_what_it_wanted_and_read(
    run: Path, changed_reference: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not only the score: the part that failed, its reference and the agent's answer, as text and JSON."""
    answer = json.loads((evidence_of(run, "shop.product-price-0") / RECORD).read_text())["answer"]
    assert main(["judge", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Why the failing verdicts fail (1):" in out, out
    line = next(line for line in out.splitlines() if line.startswith("  oracle shop.product-price-0 seed 0"))
    wanted = '{"must_include": ["$99.99"]}'
    said = f'string_match 0 (wanted {wanted}, read "{answer}")'
    assert line == f"  oracle shop.product-price-0 seed 0 (corrected): {said}"

    assert main(["judge", str(run), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    by_task = {e["task"]: e for e in result["episodes"]}
    failed = by_task["shop.product-price-0"]
    assert (failed["old_reward"], failed["new_reward"], failed["changed"]) == (1.0, 0.0, True)
    assert failed["failed_parts"] == [
        {"part": "string_match", "score": 0.0, "wanted": wanted, "read": answer}
    ]
    assert all(by_task[t]["failed_parts"] == [] for t in TASKS[:2])  # passing verdicts have none
    assert (result["judged"], result["changed"], result["successes_after"], result["written"]) == (
        3,
        1,
        2,
        False,
    )


def test_an_answer_listing_the_templates_prices_is_refused_by_name_and_paid_by_the_paper_column(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every price of the template's tasks said at once holds the reference: WebArena's column pays
    it, the corrected one (the site task's reward) names the rule that refuses it."""
    config = suite_configs("shop")["product-price-0"]
    answers = config.eval.reference_answers or {}
    listing = ", ".join([*answers["must_include"], *config.eval.template_references])
    saved = evidence_of(run, "shop.product-price-0") / RECORD
    record = json.loads(saved.read_text())
    saved.write_text(json.dumps({**record, "answer": listing}))

    assert [r.new_reward for r in judge_run(run, mode="paper", tasks=["product-*"])] == [1.0]
    assert main(["judge", str(run), "--tasks", "product-*"]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("  oracle shop.product-price-0 seed 0"))
    other = config.eval.template_references[0]
    assert line.endswith(
        f'read "{listing}"; lists candidates: it also names {other!r}, the reference of another task '
        "of this intent template)"
    ), line
    assert main(["judge", str(run), "--tasks", "product-*", "--json"]) == 0
    [episode] = json.loads(capsys.readouterr().out)["episodes"]
    assert (episode["old_reward"], episode["new_reward"]) == (1.0, 0.0)
    assert episode["failed_parts"][0]["why_refused"].startswith("lists candidates: it also names")


def test_an_edited_final_url_or_saved_database_changes_the_verdict(run: Path) -> None:
    nav = evidence_of(run, "shop.nav-search-0") / RECORD
    record = json.loads(nav.read_text())
    record["final_url"] = record["final_url"].replace("/search/", "/searches/")
    nav.write_text(json.dumps(record))
    # WebArena's own url_match tests host and path as a substring (its PR #77), but strips only the
    # whole URL's trailing slash: before a query the reference keeps ".../search/", not in "/searches/"
    # (tests/tasks/test_webarena_against_webarena.py checks this rule against WebArena's code).
    assert [r.new_reward for r in judge_run(run, mode="paper", tasks=["nav-*"])] == [0.0]

    archive = evidence_of(run, "shop.change-last-name-0") / STATE
    unpacked = run / "unpacked"
    with tarfile.open(archive) as tar:
        tar.extractall(unpacked, filter="data")
    with sqlite3.connect(unpacked / "shop.sqlite3") as db:
        db.execute("UPDATE auth_user SET last_name = 'Smith' WHERE username = 'emma.lopez'")
    db.close()
    with tarfile.open(archive, "w:xz") as tar:
        tar.add(unpacked, arcname=".")

    results = {r.task: r for r in judge_run(run)}
    assert results["shop.nav-search-0"].changed and results["shop.nav-search-0"].new_reward == 0.0
    name = results["shop.change-last-name-0"]
    assert name.changed and name.details["db_state"] == 0.0 and name.details["program_html"] == 0.0
    assert not results["shop.product-price-0"].changed


def test_episodes_without_evidence_are_listed_not_rejudgeable(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.rmtree(evidence_of(run, "shop.nav-search-0"))  # as a run made before evidence was kept
    assert main(["judge", str(run)]) == 0
    out = capsys.readouterr().out
    assert "shop.nav-search-0 seed 0: not re-judgeable: no evidence saved" in out
    assert "Judged again (corrected): 2 episode(s), 0 changed" in out

    miniwob = play(tmp_path / "miniwob", ("miniwob.click-test",))
    assert main(["judge", str(miniwob)]) == 0
    out = capsys.readouterr().out
    assert "miniwob.click-test seed 0: not re-judgeable: not a site task" in out
    assert not (miniwob / load_rows(miniwob)[0]["artifacts"] / EVIDENCE_DIR).exists()

    assert main(["judge", str(tmp_path / "nowhere")]) == 2
    assert "is not a run directory" in capsys.readouterr().err
    assert main(["judge", str(run), "--tasks", "no-such-*"]) == 2
    assert "its tasks: shop.change-last-name-0" in capsys.readouterr().err


def test_every_tab_is_restored_in_order_with_the_active_one_in_front(
    tmp_path: Path, runtime: SiteRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent searched in its first tab, opened a second on the catalogue and went back to the
    first: the judge opens both again, in order, and judges the first (url_match on its search)."""
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    run = play(tmp_path / "tabs", ("shop.nav-search-0",), agent="webarena_agents:TwoTabsAgent")
    [row] = load_rows(run)
    record = json.loads((evidence_of(run, "shop.nav-search-0") / RECORD).read_text())
    shop = record["origins"]["shop"]
    assert row["success"] and record["version"] == 2 and record["active"] == 0
    assert record["tabs"] == [f"{shop}/search/?q=headlamp", f"{shop}/catalogue/"]
    [result] = judge_run(run)
    assert (result.new_reward, result.changed) == (1.0, False)
    now = runtime.origin("shop")
    assert (
        result.details["tabs"] == [f"{now}/search/?q=headlamp", f"{now}/catalogue/"]
        and result.details["active"] == 0
    )

    # The same evidence with the catalogue active, as if the agent had stayed on the second tab.
    path = evidence_of(run, "shop.nav-search-0") / RECORD
    path.write_text(json.dumps({**record, "active": 1, "final_url": f"{shop}/catalogue/"}))
    [result] = judge_run(run)
    assert (result.new_reward, result.details["active"], result.details["url"]) == (
        0.0,
        1,
        f"{now}/catalogue/",
    )


def test_evidence_of_version_1_is_still_judged_beside_version_2(run: Path) -> None:
    """A run resumed with a newer Palaestra mixes evidence versions: the older (no active tab's
    place) is judged with its active tab taken from its final URL."""
    path = evidence_of(run, "shop.nav-search-0") / RECORD
    record = json.loads(path.read_text())
    del record["active"]
    path.write_text(json.dumps({**record, "version": 1}))
    results = {r.task: r for r in judge_run(run)}
    assert [(r.new_reward, r.changed) for r in results.values()] == [(1.0, False)] * 3
    assert results["shop.nav-search-0"].details["active"] == 0

    path.write_text(json.dumps({**record, "version": 3}))
    [result] = judge_run(run, tasks=["nav-*"])
    assert result.why_not.startswith("its evidence has version 3; this Palaestra reads versions 1, 2")
