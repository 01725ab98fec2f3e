"""gnumeric tasks: enter formulas and save the workbook, judged by reading the saved file: the cell
must hold a formula (not a typed number), and gnumeric's own `ssconvert --recalc` must compute the
expected value from it."""

from __future__ import annotations

import gzip
import random
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Generator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import oracle, quoted

BOOK = "budget.gnumeric"
GNM = "{http://www.gnumeric.org/v10.dtd}"
ITEMS = ["rent", "food", "travel", "books", "power", "water", "phone", "gifts"]


def workbook(cells: dict[tuple[int, int], str | float]) -> str:
    """A minimal gnumeric workbook (uncompressed XML, which gnumeric opens and re-saves gzipped)."""
    rows = []
    for (row, col), value in sorted(cells.items()):
        kind = "40" if isinstance(value, int | float) else "60"
        rows.append(f'<gnm:Cell Row="{row}" Col="{col}" ValueType="{kind}">{escape(str(value))}</gnm:Cell>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<gnm:Workbook xmlns:gnm="http://www.gnumeric.org/v10.dtd">'
        "<gnm:SheetNameIndex><gnm:SheetName>Sheet1</gnm:SheetName></gnm:SheetNameIndex><gnm:Sheets><gnm:Sheet>"
        f"<gnm:Name>Sheet1</gnm:Name><gnm:Cells>{''.join(rows)}</gnm:Cells></gnm:Sheet></gnm:Sheets></gnm:Workbook>"
    )


def cell_name(row: int, col: int) -> str:
    return f"{chr(ord('A') + col)}{row + 1}"


def read_cells(path: Path) -> dict[str, str]:
    """Each cell's content as saved (formulas start with '='), by name such as 'B7'."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    root = ET.fromstring(data)
    return {
        cell_name(int(c.get("Row", 0)), int(c.get("Col", 0))): c.text or "" for c in root.iter(f"{GNM}Cell")
    }


def computed(path: Path) -> list[list[str]]:
    """The sheet's values as gnumeric computes them (ssconvert --recalc), row by row."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "values.csv"
        subprocess.run(
            ["ssconvert", "--recalc", str(path), str(out)], capture_output=True, timeout=60, check=False
        )
        text = out.read_text() if out.exists() else ""
    return [line.split(",") for line in text.splitlines()]


class FormulaTask(DesktopTask):
    """Put a formula over a column of numbers into a cell, and save the workbook."""

    short, function = "", ""

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"
        self.target, self.expected = "", 0.0
        self._seen: tuple[tuple[int, int, int], bool] | None = None

    def setup(self, rng: random.Random) -> DesktopSetup:
        n = rng.randint(4, 7)
        items = rng.sample(ITEMS, n)
        values = [rng.randint(5, 500) for _ in range(n)]
        cells: dict[tuple[int, int], str | float] = {(0, 0): "Item", (0, 1): "Cost"}
        for i, (item, value) in enumerate(zip(items, values, strict=True), 1):
            cells[(i, 0)], cells[(i, 1)] = item, value
        self.target = cell_name(n + 1, 1)
        self.expected = EXPECTED[self.function](values)
        column = f"B2:B{n + 1}"
        goal = (
            f"In the open spreadsheet, enter into cell '{self.target}' a formula with '{self.function}' "
            f"over '{column}', then save the workbook (Ctrl+S)."
        )
        self._seen = None
        return DesktopSetup(goal=goal, apps=(("gnumeric", f"~/{BOOK}"),), files={BOOK: workbook(cells)})

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        path = outcome.path(BOOK)
        try:
            status = path.stat()
            # Size and inode too: a read during a save can share the save's last mtime tick (the
            # kernel's file clock is coarse), and its verdict must not stand for the saved file.
            stamp = (status.st_mtime_ns, status.st_size, status.st_ino)
            content = read_cells(path).get(self.target, "")
        except (OSError, ET.ParseError):
            return verdict(False, reason="no readable workbook")
        if self._seen is not None and self._seen[0] == stamp:  # unchanged since the last step
            return verdict(self._seen[1], target=self.target, expected=self.expected)
        ok = content.startswith("=") and self.function in content.upper()
        if ok:
            row, col = int(self.target[1:]) - 1, ord(self.target[0]) - ord("A")
            values = computed(path)
            try:
                ok = abs(float(values[row][col]) - self.expected) < 1e-6
            except (IndexError, ValueError):
                ok = False
        self._seen = (stamp, ok)
        return verdict(ok, target=self.target, content=content, expected=self.expected)


EXPECTED = {
    "SUM": lambda v: float(sum(v)),
    "AVERAGE": lambda v: sum(v) / len(v),
    "MAX": lambda v: float(max(v)),
    "MIN": lambda v: float(min(v)),
    "COUNT": lambda v: float(len(v)),
    "MEDIAN": lambda v: (
        float(sorted(v)[len(v) // 2])
        if len(v) % 2
        else (sorted(v)[len(v) // 2 - 1] + sorted(v)[len(v) // 2]) / 2
    ),
    "PRODUCT": lambda v: float(__import__("math").prod(v)),
    "STDEV": lambda v: __import__("statistics").stdev(v),
}


def _formula(short: str, function: str) -> type[FormulaTask]:
    doc = f"Enter a {function} formula into a cell and save the workbook."
    return type(f"Formula_{function}", (FormulaTask,), {"short": short, "function": function, "__doc__": doc})


TASKS: dict[str, type[DesktopTask]] = {
    f"sheet-{fn.lower()}": _formula(f"sheet-{fn.lower()}", fn) for fn in EXPECTED
}


def sheet_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    target, function, column = quoted(obs["goal"])
    name_box = next(
        e["id"] for e in obs["elements"] if e["role"] == "text" and re.fullmatch(r"[A-Z]+\d+", e["value"])
    )
    obs = yield f"tripleClick('{name_box}')\nwrite({target + chr(10)!r})"
    yield f"write('={function}({column})\\n')\nhotkey('ctrl', 's')"
    yield "wait(0.5)"


for _name in TASKS:
    oracle(_name)(sheet_oracle)
