"""The gnumeric formula tasks' judge reads the saved workbook with gnumeric's own `ssconvert`, and
keeps its last verdict while the file is unchanged (a judge runs after every step)."""

from __future__ import annotations

import os
import random
from pathlib import Path

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.sheet import BOOK, TASKS, workbook


def test_a_save_within_the_same_clock_tick_is_judged_again(tmp_path: Path) -> None:
    """The kernel's file clock is coarse: a read during a save and the save's end can share one
    mtime. The verdict read mid-save must not stand for the saved workbook."""
    task = TASKS["sheet-sum"]()
    setup = task.setup(random.Random(3))
    book = tmp_path / BOOK
    book.write_text(setup.files[BOOK])
    outcome = DesktopOutcome(home=tmp_path, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).success is False  # no formula yet
    tick = book.stat().st_mtime_ns

    rows = int(task.target[1:]) - 1
    cells: dict[tuple[int, int], str | float] = {(0, 0): "Item", (0, 1): "Cost"}
    for row in range(1, rows):
        cells[(row, 0)], cells[(row, 1)] = f"item{row}", 10.0
    cells[(rows, 1)] = f"=SUM(B2:B{rows})"
    task.expected = 10.0 * (rows - 1)
    book.write_text(workbook(cells).replace(' ValueType="60">=', ">="))  # a formula, as gnumeric saves one
    os.utime(book, ns=(tick, tick))  # the same mtime as the read before
    verdict = task.evaluate(outcome)
    assert verdict.success is True, verdict
