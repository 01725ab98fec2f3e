"""The command line as a WebArena user meets it: tasks found by site and intent template, runs that
cannot work stopped before their first episode with the fix, one episode per task by default, and
sites named by WebArena's names. (The episodes themselves: tests/sites/test_official.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.tasks import registry
from palaestra.tasks.webarena import suite_configs
from palaestra.tasks.webarena.official import benchmark_configs, webarena_json_tasks


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_tasks_are_listed_by_site_with_their_template_and_intent_in_numeric_order(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["list", "tasks", "--suite", "webarena", "--site", "gitlab", "--long"], capsys)
    assert code == 0
    configs = benchmark_configs("webarena")
    expected = [f"webarena.{i}" for i, c in configs.items() if "gitlab" in c.sites]
    lines = out.splitlines()
    names = [line.split()[0] for line in lines]
    assert sorted(names) == sorted(expected) and len(names) > 180
    assert names.index("webarena.44") < names.index("webarena.102")  # numbers by value
    first = lines[names.index("webarena.44")].split(None, 3)
    assert first[1:] == ["gitlab", str(configs["44"].intent_template_id), configs["44"].intent]


def test_a_webarena_site_name_also_finds_the_tasks_of_its_stand_in(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(["list", "tasks", "--site", "gitlab"], capsys)
    names = set(out.split())
    assert code == 0 and {f"code.{n}" for n in suite_configs("code")} <= names
    assert "cross.cross-review-ticket-0" in names and "webarena.44" in names
    assert not any(n.startswith(("miniwob.", "shop.", "forum.")) for n in names)
    _, ours, _ = run(["list", "tasks", "--site", "code", "--suite", "code"], capsys)
    assert set(ours.split()) == {f"code.{n}" for n in suite_configs("code")}


def test_tasks_of_one_intent_template_and_the_templates_of_a_site(capsys: pytest.CaptureFixture[str]) -> None:
    configs = benchmark_configs("webarena")
    code, out, _ = run(["list", "tasks", "--suite", "webarena", "--template", "300"], capsys)
    assert code == 0
    assert out.split() == [f"webarena.{i}" for i, c in configs.items() if c.intent_template_id == 300]
    _, ours, _ = run(["list", "tasks", "--template", "nav-ticket"], capsys)
    assert ours.split() == ["code.nav-ticket-0", "code.nav-ticket-1", "code.nav-ticket-2"]
    code, out, _ = run(["list", "templates", "--suite", "webarena", "--site", "reddit"], capsys)
    reddit = {c.intent_template_id for c in configs.values() if "reddit" in c.sites}
    assert code == 0 and len(out.splitlines()) == len(reddit)
    counts = {int(line.split()[1]): int(line.split()[2]) for line in out.splitlines()}
    assert counts == {t: sum(c.intent_template_id == t for c in configs.values()) for t in reddit}


def test_an_unknown_site_gets_did_you_mean_and_the_names_of_all(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["list", "tasks", "--site", "gitlb"], capsys)
    assert code == 2 and "Did you mean: `gitlab`?" in err and "reddit (forum)" in err
    code, _, err = run(["list", "tasks", "click-*", "--site", "gitlab"], capsys)
    assert code == 2 and "No WebArena-format task matches `click-*` with site gitlab" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--agent", "random", "--suite", "webarena-json", "--tasks", "9100,9101"],
         "1 task(s) need WebArena's homepage site (webarena-json.9100), which Palaestra does not stand in "
         "for. Give your instance (--site homepage=http://HOST:PORT), or leave those tasks out with "
         "--exclude-site homepage"),
        (["--agent", "oracle", "--tasks", "44"], "--agent oracle cannot play webarena.44: WebArena"),
        (["--agent", "random", "--tasks", "44", "--site", "code=http://127.0.0.1:9"],
         "`code` is Palaestra's stand-in for WebArena's `gitlab`; name your instance by WebArena's name: "
         "--site gitlab=http://127.0.0.1:9"),
        (["--agent", "random", "--suite", "shop", "--tasks", "product-price-0", "--site",
          "shopping=http://127.0.0.1:9"], "these tasks run on Palaestra's sites only"),
    ],
)  # fmt: skip
def test_a_run_that_cannot_work_stops_before_its_first_episode_with_the_fix(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Of WebArena's sites only the homepage has no stand-in (no official task needs it): a user's own.
    monkeypatch.setenv("PALAESTRA_WEBARENA_TASKS", str(own_tasks(tmp_path / "tasks", "homepage", "map")))
    for spec in webarena_json_tasks():
        monkeypatch.setitem(registry._registry, spec.name, spec)
    suite = [] if "--suite" in argv else ["--suite", "webarena"]
    for dry in ([], ["--dry-run"]):
        code, _, err = run(["eval", *suite, *argv, "--out", str(tmp_path / "run"), *dry], capsys)
        assert code == 2 and message in err, err
    assert not (tmp_path / "run").exists()  # nothing was run or written


def own_tasks(folder: Path, *sites: str) -> Path:
    """One task file of a user's own per site (ids 9100, 9101...), each opening the site's home page."""
    folder.mkdir(parents=True)
    for index, site in enumerate(sites):
        task = {
            "sites": [site], "task_id": 9100 + index, "require_login": False, "storage_state": None,
            "start_url": f"__{site.upper()}__/", "geolocation": None, "intent_template": "Open the site.",
            "instantiation_dict": {}, "intent": "Open the site.", "require_reset": False,
            "intent_template_id": 9100,
            "eval": {"eval_types": ["url_match"], "reference_answers": None,
                     "reference_url": f"__{site.upper()}__/", "url_note": "GOLD in PRED", "program_html": []},
        }  # fmt: skip
        (folder / f"{9100 + index}.json").write_text(json.dumps(task))
    return folder


def test_a_dry_run_says_where_each_site_is_served_and_runs_each_task_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PALAESTRA_WEBARENA_SITES", raising=False)
    argv = ["eval", "--agent", "random", "--suite", "webarena", "--tasks", "0,7,27,44", "--dry-run",
            "--site", "gitlab=http://127.0.0.1:8023", "--out", str(tmp_path / "run")]  # fmt: skip
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "Would run 4 of 4 episodes" in out and "x seeds 0," in out
    assert "  map: stand-in map for 1 task(s)" in out  # WebArena's map: OpenStreetMap's Helsinki, ours
    assert "  gitlab: http://127.0.0.1:8023 (yours) for 1 task(s)" in out
    assert "  reddit: stand-in forum for 1 task(s)" in out
    assert "  shopping_admin: stand-in shop-admin for 1 task(s)" in out
    _, out, _ = run(["eval", "--agent", "random", "--suite", "shop", "--tasks", "product-price-*",
                     "--dry-run", "--out", str(tmp_path / "shop")], capsys)  # fmt: skip
    assert "Would run 4 of 4 episodes" in out  # seedless tasks: seed 0 only, unless asked
    _, out, _ = run(["eval", "--agent", "random", "--suite", "shop", "--tasks", "product-price-0",
                     "--seeds", "0-2", "--dry-run", "--out", str(tmp_path / "shop")], capsys)  # fmt: skip
    assert "Would run 3 of 3 episodes" in out
    _, out, _ = run(["eval", "--agent", "random", "--tasks", "click-test", "--dry-run",
                     "--out", str(tmp_path / "mw")], capsys)  # fmt: skip
    assert "Would run 5 of 5 episodes" in out  # MiniWoB++'s seeds are problems: 0-4 as before


def test_sites_are_served_and_built_by_webarena_names_too(capsys: pytest.CaptureFixture[str]) -> None:
    from palaestra.sites.registry import dataset_named, site_named

    assert [site_named(n) for n in ("reddit", "gitlab", "shopping_admin", "wiki")] == [
        "forum",
        "code",
        "shop-admin",
        "wiki",
    ]
    assert [dataset_named(n) for n in ("shopping_admin", "shop-admin", "reddit", "code")] == [
        "shop",
        "shop",
        "forum",
        "code",
    ]
    code, _, err = run(["sites", "serve", "shpo"], capsys)
    assert code == 2 and "Did you mean: `shop`?" in err
    code, _, err = run(["sites", "build", "redit"], capsys)
    assert code == 2 and "Unknown site `redit`. Did you mean: `reddit`" in err


def test_exclude_site_leaves_out_the_tasks_of_a_site_one_does_not_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["eval", "--agent", "random", "--suite", "webarena", "--tasks", "7,44,98", "--dry-run",
            "--exclude-site", "map", "--out", str(tmp_path / "run")]  # fmt: skip
    code, out, err = run(argv, capsys)
    maps = [t for t in ("7", "44", "98") if "map" in benchmark_configs("webarena")[t].sites]
    assert code == 0, err
    assert f"Would run {3 - len(maps)} of {3 - len(maps)} episodes" in out and "webarena.44" in out
    assert f"  left out: {len(maps)} task(s) that need map" in out and "webarena.7," not in out
    code, _, err = run([*argv[:6], "7", *argv[7:]], capsys)
    assert code == 2 and "--exclude-site leaves none" in err


def test_memory_from_site_oracles_says_how_instead_of_adding_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    memory = tmp_path / "m"
    code, _, err = run(["memory", "build", str(memory), "--oracles", "shop.product-price-*"], capsys)
    assert code == 2 and "names no MiniWoB++ oracle" in err
    assert (
        f"palaestra eval --agent oracle --suite shop --record-demos --out results/shop-demos, then "
        f"palaestra memory build {memory} --run results/shop-demos" in err
    )
    assert not memory.exists()
    code, out, err = run(
        ["memory", "build", str(memory), "--oracles", "miniwob.click-test", "--seeds", "0"], capsys
    )
    assert code == 0 and "1 exemplars added" in out, err  # a full name, as `palaestra list` prints it


def test_malformed_instance_lists_are_named_with_an_example_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    argv = ["eval", "--agent", "random", "--suite", "webarena", "--tasks", "44", "--dry-run", "--out", "x"]
    monkeypatch.setenv("PALAESTRA_WEBARENA_SITES", "gitlab=http://127.0.0.1:9")  # --site's syntax
    code, _, err = run(argv, capsys)
    assert code == 2 and "PALAESTRA_WEBARENA_SITES must be a JSON object" in err and "Traceback" not in err
    code, out, _ = run(
        ["eval", "--agent", "random", "--tasks", "click-test", "--dry-run", "--out", "x"], capsys
    )
    assert code == 0 and "Would run" in out  # a MiniWoB++ run never reads the variable
    monkeypatch.delenv("PALAESTRA_WEBARENA_SITES")
    for name, text, kind in (
        ("s.json", '{"gitlab": "http://h:1",}', "JSON"),
        ("s.toml", "gitlab = \n", "TOML"),
    ):
        (tmp_path / name).write_text(text)
        code, _, err = run([*argv, "--sites-file", str(tmp_path / name)], capsys)
        assert code == 2 and f"is not valid {kind}" in err and "write e.g." in err


def test_sites_list_shows_the_sites_named_and_refuses_an_unknown_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`sites list NAMES` once listed every site whatever the names, a misspelt one included."""
    code, out, _ = run(["sites", "list", "reddit", "shop"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == ["forum", "shop"]
    code, every, _ = run(["sites", "list"], capsys)
    assert code == 0 and len(every.splitlines()) > 2
    code, _, err = run(["sites", "list", "shpo"], capsys)
    assert code == 2 and "Unknown site `shpo`. Did you mean: `shop`?" in err


def test_a_dry_run_needs_no_out_and_lists_tasks_and_seeds_in_the_runs_natural_order(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A dry run writes nothing, yet it required --out; and it listed webarena.138 before webarena.18."""
    monkeypatch.delenv("PALAESTRA_WEBARENA_SITES", raising=False)
    argv = ["eval", "--agent", "random", "--suite", "webarena", "--tasks", "*[89]", "--exclude-site", "map",
            "--seeds", "10,2,0-1", "--dry-run"]  # fmt: skip
    code, out, err = run(argv, capsys)
    assert code == 0, err
    configs = benchmark_configs("webarena")
    tasks = [
        f"webarena.{i}" for i in sorted(configs, key=int) if i[-1] in "89" and "map" not in configs[i].sites
    ]
    assert tasks[:5] != sorted(tasks)[:5]  # the case that tells natural order from the text's
    assert f"tasks ({', '.join(tasks[:5])} and {len(tasks) - 5} more)" in out
    assert "(no --out given: nothing would be written)" in out and "x seeds 0-2,10," in out
