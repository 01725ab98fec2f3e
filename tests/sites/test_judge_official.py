"""`palaestra judge` on WebArena's official tasks: an episode on a user-hosted GitLab (the loopback
stand-in of `test_official`, with GitLab's sign-in rule; real Chromium, real HTTP, WebArena-Verified's
evaluator) keeps its network events as a redacted HAR file, and is judged again offline, with no
site: the same verdicts, new ones when the saved answer or a network entry changes, and what it
could not judge (a column needing the live sites, a trace its evidence lacks) said.

Task 44 ("Open my todos page"): `RightTodosAgent` goes to /dashboard/todos (all three columns pass),
`TodosAgent` to /dashboard/todos2 (WebArena's substring test passes it, the corrected test and
Verified do not).
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from palaestra.cli import main
from palaestra.runs.evidence import RECORD
from palaestra.runs.har import NETWORK
from palaestra.runs.judge import judge_run
from palaestra.runs.results import load_rows
from palaestra.tasks.webarena.official import SITES_ENV, benchmark_configs
from palaestra.testing.loopback import serve

from .judged_runs import play
from .test_judge import evidence_of
from .test_official import GitLabSignIn

HERE = Path(__file__).parent


class JudgedGitLab(GitLabSignIn):
    """`test_official`'s GitLab, with its own list of log-ins (that test counts its own)."""

    logins: ClassVar[list[str]] = []


@pytest.fixture(scope="module")
def official_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """webarena-verified.44 (Verified's column reported) by the right agent, webarena.44 (the
    paper's column reported) by the one that goes to /dashboard/todos2, on the user's "GitLab"."""
    with serve(JudgedGitLab) as gitlab, pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(HERE))
        patch.setenv(SITES_ENV, json.dumps({"gitlab": gitlab.url}))
        run = tmp_path_factory.mktemp("official") / "run"
        play(run, ("webarena-verified.44",), agent="webarena_agents:RightTodosAgent")
        yield play(run, ("webarena.44",), agent="webarena_agents:TodosAgent")


@pytest.fixture
def run(official_run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(official_run, tmp_path / "run"))


def test_official_episodes_keep_a_redacted_trace_and_are_judged_again_offline_alike(
    official_run: Path,
) -> None:
    rows = {r["task"]: r for r in load_rows(official_run)}
    assert json.loads(rows["webarena-verified.44"]["extra"])["columns"] == {
        "paper": 1.0, "corrected": 1.0, "verified": 1.0,
    }  # fmt: skip
    assert json.loads(rows["webarena.44"]["extra"])["columns"] == {
        "paper": 1.0,
        "corrected": 0.0,
        "verified": 0.0,
    }
    folder = evidence_of(official_run, "webarena-verified.44")
    record = json.loads((folder / RECORD).read_text())
    assert record["state"] is None and "cookies" not in record and record["network"]["dropped"] == 0
    har = json.loads((folder / NETWORK).read_text())["log"]
    assert har["version"] == "1.2" and len(har["entries"]) == record["network"]["entries"] > 0
    assert any(e["request"]["url"].endswith("/dashboard/todos") for e in har["entries"])
    # The log-in cookie went with every request to the stand-in; its value is in no file.
    sent = [
        h["value"] for e in har["entries"] for h in e["request"]["headers"] if h["name"].lower() == "cookie"
    ]
    assert sent and all(re.fullmatch(r"([^=;]+=\[redacted\](; )?)+", v) for v in sent), sent
    # Verified's own loader reads the file.
    from webarena_verified.types.tracing import NetworkTrace

    assert len(NetworkTrace.from_har(folder / NETWORK).events) == len(har["entries"])

    results = {r.task: r for r in judge_run(official_run)}
    verified, paper = results["webarena-verified.44"], results["webarena.44"]
    assert (verified.column, verified.new_reward, verified.changed) == ("verified", 1.0, False)
    assert verified.details["columns"] == {"paper": 1.0, "corrected": 1.0, "verified": 1.0}
    assert (paper.column, paper.new_reward, paper.changed) == ("paper", 1.0, False)
    assert paper.details["columns"] == {"paper": 1.0, "corrected": 0.0, "verified": 0.0}
    assert not verified.lacking and not paper.lacking


def test_a_changed_answer_or_network_entry_or_mode_changes_the_verdict(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = evidence_of(run, "webarena-verified.44")
    har = (folder / NETWORK).read_text()
    (folder / NETWORK).write_text(har.replace('/dashboard/todos"', '/dashboard/todos2"'))
    [result] = judge_run(run, tasks=["webarena-verified.*"])
    assert (result.new_reward, result.changed) == (0.0, True)
    assert (
        result.details["columns"]["paper"] == 1.0
    )  # the final URL is the same: only Verified read the trace

    (folder / NETWORK).write_text(har)
    record = json.loads((folder / RECORD).read_text())
    answer = json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS", "retrieved_data": ["todos"]})
    (folder / RECORD).write_text(json.dumps({**record, "answer": answer}))
    [result] = judge_run(run, tasks=["webarena-verified.*"])
    assert (result.new_reward, result.details["verified"]["status"]) == (0.0, "failure")

    # webarena.44 reports the paper's column; --mode corrected judges it with the corrected one.
    assert main(["judge", str(run), "--tasks", "webarena.44", "--mode", "corrected", "--write"]) == 0
    out = capsys.readouterr().out
    assert "Judged again (corrected): 1 episode(s), 1 changed" in out
    row = next(r for r in load_rows(run) if r["task"] == "webarena.44")
    extra = json.loads(row["extra"])
    assert (row["reward"], extra["judged"][0]["mode"]) == (0.0, "corrected")
    assert extra["judged"][0]["replaced"]["columns"]["paper"] == 1.0


def test_official_evidence_without_its_network_trace_still_judges_what_it_can(
    run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for task in ("webarena-verified.44", "webarena.44"):
        path = evidence_of(run, task) / RECORD
        record = json.loads(path.read_text())
        path.write_text(json.dumps({k: v for k, v in record.items() if k != "network"}))
        (path.parent / NETWORK).unlink()
    assert main(["judge", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Judged again (paper): 1 episode(s), 0 changed" in out
    assert (
        "Judged in part (1):\n  webarena_agents:TodosAgent webarena.44 seed 0: its verified column cannot "
        "be judged: its evidence keeps no network trace (network.har)" in out
    )
    assert (
        "webarena-verified.44 seed 0: not re-judgeable: its verified column cannot be judged: its "
        "evidence keeps no network trace" in out
    )


def test_a_column_with_page_checks_is_said_to_need_the_live_sites_unless_an_offline_check_fails(
    run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Task 44 given a program_html check too: the paper's column (url_match passes /todos2) waits
    for the live sites; the corrected one is decided offline, as its url_match fails."""
    configs = benchmark_configs("webarena")
    spec = dataclasses.replace(
        configs["44"].eval, eval_types=("url_match", "program_html"),
        program_html=({"url": "last", "locator": "", "required_contents": {"must_include": ["To-Do"]}},),
    )  # fmt: skip
    monkeypatch.setitem(configs, "44", dataclasses.replace(configs["44"], eval=spec))
    [paper] = judge_run(run, tasks=["webarena.44"])
    assert paper.new_reward is None and paper.why_not == (
        "its paper column needs the live sites for program_html (offline checks pass: url_match 1.00)"
    )
    [corrected] = judge_run(run, tasks=["webarena.44"], mode="corrected")
    assert (corrected.new_reward, corrected.changed) == (0.0, True)
    assert corrected.details["corrected"]["url_match"] == 0.0 and not corrected.lacking.startswith(
        "its corrected"
    )
