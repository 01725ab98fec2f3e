"""Desktop episodes' resource figures in the run: kept in the record and the trajectory, shown by
`palaestra show`, `palaestra report` and `palaestra compare`, absent (and the tables unchanged) for
runs without them; an episode killed at its episode_timeout keeps the figures read at the kill."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.compare import compare_runs, format_comparison
from palaestra.runs.report import write_report
from palaestra.runs.report_html import episode_page_name
from palaestra.runs.resources import episode_resources
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry
from palaestra.runs.trajectory import TRAJECTORY_FILE

MakeRun = Callable[..., Path]
TASK = "desktop.term-mkdir"
HERE = Path(__file__).parent


def used(cpu_s: float, peak_memory_mb: float) -> dict[str, object]:
    """An episode's extra with figures as a desktop episode reports them."""
    figures = {"cpu_s": cpu_s, "peak_memory_mb": peak_memory_mb, "oom_kills": 0, "source": "cgroup"}
    return {"resources": {**figures, "pids_max_hits": 0}}


def _table(out: str) -> list[str]:
    """The summary table's header and task rows of `palaestra show`'s output."""
    lines = out.splitlines()
    return [line for line in lines if line.startswith(("agent ", "oracle ")) and "mean" not in line]


def test_a_resumed_old_run_keeps_its_rows_and_new_desktop_episodes_store_their_figures(
    make_run: MakeRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run recorded before the figures existed (seed 0, no figures) resumes with a real desktop
    episode (seed 1): that one's CPU seconds and peak memory go into its row and trajectory, the old
    row stays as it was, and `show` gives the task's figures from the episode that has them."""
    oracle = AgentEntry("oracle").config_hash
    run = make_run({("oracle", TASK): [True]}, config_hash=oracle)
    (old,) = load_rows(run)
    assert episode_resources(old) is None
    monkeypatch.chdir(tmp_path)
    argv = ["eval", "--agent", "oracle", "--suite", "desktop", "--tasks", "term-mkdir", "--seeds", "0-1",
            "--workers", "1", "--out", str(run), "--no-screenshots"]  # fmt: skip
    assert main(argv) == 0
    kept, new = load_rows(run)
    assert kept == old  # not played again, not rewritten
    assert new["seed"] == 1 and new["status"] == "done" and new["success"], new
    figures = episode_resources(new)
    assert figures is not None, new["extra"]
    assert set(figures) == {"cpu_s", "peak_memory_mb", "oom_kills", "pids_max_hits", "source"}
    assert figures["source"] in ("cgroup", "processes") and figures["cpu_s"] > 0  # the terminal's start
    assert figures["peak_memory_mb"] > 0
    lines = (run / new["artifacts"] / TRAJECTORY_FILE).read_text().splitlines()
    end = json.loads(lines[-1])
    assert end["type"] == "end" and end["resources"] == figures

    capsys.readouterr()
    assert main(["show", str(run)]) == 0
    header, row = _table(capsys.readouterr().out)
    assert header.split()[-4:] == ["cpu", "s", "peak", "MB"]
    cpu, peak = row.split()[-2:]
    assert float(cpu) == pytest.approx(figures["cpu_s"], abs=0.05)  # the mean of the one measured
    assert float(peak) == pytest.approx(figures["peak_memory_mb"], abs=0.5)


def test_a_run_without_figures_shows_and_reports_its_tables_unchanged(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run({"miniwob.click-test": "1/2", TASK: [True, "app_crashed"]})
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("agent "))
    assert header.split()[-1] == "errors" and "cpu" not in out
    html = write_report(run).read_text()
    assert "CPU s" not in html and "peak MiB" not in html


def test_tasks_without_figures_show_a_dash_beside_those_with(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """Mean CPU over a task's episodes with figures, errored ones included (they used the machine),
    the largest peak; a task with none (a browser task) shows "-"."""
    figures = {f"agent|{TASK}|0": used(1.0, 100.0), f"agent|{TASK}|1": used(2.0, 300.0)}
    run = make_run({TASK: [True, "app_crashed", False], "miniwob.click-test": "1/1"}, extras=figures)
    assert main(["show", str(run)]) == 0
    rows = {line.split()[1]: line.split() for line in capsys.readouterr().out.splitlines()[2:4]}
    assert rows[TASK][-2:] == ["1.50", "300"]
    assert rows["miniwob.click-test"][-2:] == ["-", "-"]
    html = write_report(run).read_text()
    assert '<th class="num">CPU s</th><th class="num">peak MiB</th>' in html
    assert '<td class="num">1.50</td><td class="num">300</td>' in html
    page = (run / "report" / "episodes" / episode_page_name(f"agent|{TASK}|1")).read_text()
    assert "<dt>Resources</dt><dd>2.00 CPU s · peak 300 MiB · 0 OOM kills (cgroup)</dd>" in page


def test_a_row_with_a_damaged_extra_has_no_figures() -> None:
    assert episode_resources({"extra": "{not json"}) is None
    assert episode_resources({"extra": json.dumps({"resources": "many"})}) is None
    assert episode_resources({"extra": None}) is None


def test_compare_shows_each_runs_figures_beside_success_and_absent_ones_as_absent(make_run: MakeRun) -> None:
    """Per task, each run's mean CPU seconds and largest peak (as the report gives them); a task
    without figures in one run shows "-" there, not 0; overall rows have none. With figures in one
    run only, compare prints what it did before."""
    term, calc, click = TASK, "desktop.calc-add", "miniwob.click-test"
    a = make_run(
        {term: [True, False], calc: [True], click: "1/1"},
        name="a",
        agent="old",
        extras={
            f"old|{term}|0": used(1.0, 100.0),
            f"old|{term}|1": used(3.0, 250.0),
            f"old|{calc}|0": used(0.5, 80.0),
        },
    )
    b = make_run(
        {term: [True, True], calc: [False], click: "0/1"},
        name="b",
        agent="new",
        extras={f"new|{term}|0": used(0.25, 90.0), f"new|{term}|1": used(0.75, 95.0)},
    )
    c = compare_runs([a, b])
    assert c.resources
    text = format_comparison(c)
    lines = {line.split()[0]: line.split() for line in text.splitlines() if line.split()}
    assert lines[term][-4:] == ["2.00", "250", "0.50", "95"]
    assert lines[calc][-4:] == ["0.50", "80", "-", "-"]  # no figures in b: absent, not 0
    assert lines[click][-4:] == ["-", "-", "-", "-"]
    assert lines["overall"][-4:] == ["-", "-", "-", "-"]
    assert "peak MiB: the largest" in text
    header = next(line for line in text.splitlines() if line.startswith("task"))
    assert header.split("  ")[-1].strip() == "[2] peak MiB"

    plain = make_run({term: [True, True], calc: [False], click: "0/1"}, name="plain", agent="new")
    only_one = compare_runs([a, plain])
    assert not only_one.resources and "CPU s" not in format_comparison(only_one)


def test_an_episode_killed_at_its_timeout_keeps_the_figures_read_at_the_kill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real desktop episode whose agent never answers is killed at episode_timeout: its row has
    the figures of its cgroup leaf read just before (the terminal's start used CPU), marked as
    read at the kill, and its report page says so. The session starts before the episode's clock
    (the worker's prepare), so 8 s covers the terminal's reset with room to spare."""
    monkeypatch.syspath_prepend(str(HERE))  # `runner_agents`, here and in the spawned worker
    monkeypatch.chdir(tmp_path)
    argv = ["eval", "--agent", "runner_agents:HangingAgent", "--suite", "desktop", "--tasks", "term-mkdir",
            "--seeds", "0", "--workers", "1", "--episode-timeout", "8", "--retries", "0", "--out", "run",
            "--no-screenshots"]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(tmp_path / "run")
    assert (row["status"], row["error_kind"]) == ("error", "episode_timeout"), row
    figures = episode_resources(row)
    assert figures is not None, row["extra"]
    assert figures["at_kill"] is True and figures["source"] == "cgroup"
    assert figures["cpu_s"] > 0 and figures["peak_memory_mb"] > 0 and figures["oom_kills"] == 0
    assert figures["pids_max_hits"] == 0
    page = tmp_path / "run" / "report" / "episodes" / episode_page_name(row["key"])
    write_report(tmp_path / "run")
    assert "(cgroup, read at the kill)</dd>" in page.read_text()
