"""WebArena's evaluator columns (`paper`, `corrected`, `verified`) in `palaestra show`.

Runs are real SQLite databases written through `RunStore.record`; the HTML side is in test_report.
"""

from __future__ import annotations

import pytest

from palaestra.cli import main
from palaestra.runs.columns import (
    ALL_TASKS,
    ColumnSummary,
    format_columns,
    stand_in_note,
    summarize_columns,
)
from palaestra.runs.report import write_report
from palaestra.runs.results import load_rows

from .conftest import COLUMN_EXTRAS, COLUMN_RESULTS, MakeRun, columns_extra


def test_column_means_are_over_the_episodes_each_column_judged(make_run: MakeRun) -> None:
    names, summaries = summarize_columns(load_rows(make_run(COLUMN_RESULTS, extras=COLUMN_EXTRAS)))
    assert names == ["paper", "corrected", "verified"]

    def row(
        agent: str, task: str, n: int, paper: float, corrected: float, verified: tuple[float, int]
    ) -> ColumnSummary:
        return ColumnSummary(
            agent, task, n, {"paper": (paper, n), "corrected": (corrected, n), "verified": verified}
        )

    assert summaries == [
        row("a", "webarena.1", 3, 1 / 3, 2 / 3, (1.0, 2)),
        row("a", "webarena.2", 1, 1.0, 1.0, (0.0, 1)),
        row("a", ALL_TASKS, 4, 0.5, 0.75, (2 / 3, 3)),
        row("b", "webarena.1", 2, 0.5, 0.0, (0.5, 2)),
        row("b", ALL_TASKS, 2, 0.5, 0.0, (0.5, 2)),
    ]


def test_show_prints_the_columns_table(make_run: MakeRun, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run(COLUMN_RESULTS, extras=COLUMN_EXTRAS)
    assert main(["show", str(run)]) == 0
    out = capsys.readouterr().out
    table = out.split("Evaluator columns (WebArena)", 1)[1].splitlines()
    assert table[1].split() == ["agent", "task", "paper", "corrected", "verified", "n"]
    rows = [line.split() for line in table[3:8]]
    assert rows == [
        ["a", "webarena.1", "0.33", "0.67", "1.00", "(n=2)", "3"],
        ["a", "webarena.2", "1.00", "1.00", "0.00", "1"],
        ["a", "all", "tasks", "0.50", "0.75", "0.67", "(n=3)", "4"],
        ["b", "webarena.1", "0.50", "0.00", "0.50", "2"],
        ["b", "all", "tasks", "0.50", "0.00", "0.50", "2"],
    ]
    assert "miniwob.click-test" not in out.split("Evaluator columns", 1)[1].split("In the UI", 1)[0]


def test_a_run_without_columns_prints_nothing_new(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run = make_run({("a", "click-test"): "1/2"}, extras={"a|click-test|0": {"privileged": False}})
    assert format_columns(load_rows(run)) == ""
    assert main(["show", str(run)]) == 0
    assert "Evaluator columns" not in capsys.readouterr().out


def on_stand_ins(paper: float, *sites: str) -> dict[str, object]:
    return {**columns_extra(paper, paper, None), "verdict": {"stand_ins": list(sites)}}


def test_own_task_files_on_the_stand_ins_get_a_note_of_their_own(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user's own task files (webarena-json) may be written for the stand-ins: `show` and the
    report say where they ran, not that their numbers do not compare with WebArena's published ones."""
    extras = {f"a|webarena-json.7|{seed}": on_stand_ins(1.0 - seed, "shopping") for seed in (0, 1)}
    own = make_run({("a", "webarena-json.7"): "1/2"}, name="own", extras=extras)
    assert main(["show", str(own)]) == 0
    out = capsys.readouterr().out
    note = (
        "2 of 2 judged episodes of your own task files (webarena-json) ran on Palaestra's stand-ins for "
        "shopping: their verdicts are of the stand-ins' pages and data (other instances: --site NAME=URL)."
    )
    assert note in out and "published" not in out and "check the harness" not in out
    assert note.replace("'", "&#x27;") in write_report(own).read_text()

    both = make_run({("a", "webarena-json.7"): "1/1", ("a", "webarena.44"): "0/1"}, name="both", extras={
        "a|webarena-json.7|0": on_stand_ins(1.0, "shopping"), "a|webarena.44|0": on_stand_ins(0.0, "gitlab"),
    })  # fmt: skip
    assert stand_in_note(load_rows(both)).splitlines() == [
        "1 of 1 judged episodes ran on Palaestra's stand-ins for gitlab: they check the harness, not the "
        "agent, and do not compare with published WebArena numbers (give your instances: --site NAME=URL).",
        "1 of 1 judged episodes of your own task files (webarena-json) ran on Palaestra's stand-ins for "
        "shopping: their verdicts are of the stand-ins' pages and data (other instances: --site NAME=URL).",
    ]
    report = write_report(both).read_text()
    assert "do not compare with published WebArena numbers" in report
