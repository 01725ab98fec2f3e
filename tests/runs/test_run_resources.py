"""Desktop episodes' resource figures in the run: kept in the record and the trajectory, shown by
`palaestra show` and `palaestra report`, absent (and the tables unchanged) for runs without them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.report import write_report
from palaestra.runs.report_html import episode_page_name
from palaestra.runs.resources import episode_resources
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry
from palaestra.runs.trajectory import TRAJECTORY_FILE

MakeRun = Callable[..., Path]
TASK = "desktop.term-mkdir"


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
    assert set(figures) == {"cpu_s", "peak_memory_mb", "oom_kills", "source"}
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

    def used(cpu_s: float, peak_memory_mb: float) -> dict[str, object]:
        figures = {"cpu_s": cpu_s, "peak_memory_mb": peak_memory_mb, "oom_kills": 0, "source": "cgroup"}
        return {"resources": figures}

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
