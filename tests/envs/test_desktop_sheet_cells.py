"""A Calc sheet's visible cells in the desktop's tree, on the real desktop and the real office: the
cells that hold something are listed under the sheet with their address, formula and value, boxed
where LibreOffice draws them (an element id clicks the cell), keeping their ids from step to step;
an empty sheet adds nothing, and a sheet zoomed far out is listed up to the cap. One desktop
session serves the module's tests (a LibreOffice episode costs seconds)."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict

from .test_desktop_office import inside

#: `sheet_cells.MAX_CELLS`: the most cells of a sheet's view that are read.
CAP = 1000
SUMMARY = re.compile(r"cells A1:([A-Z]+)([0-9]+)( of A1:[A-Z]+[0-9]+ in view)?; empty cells not listed")


class OpenSheet(DesktopTask):
    """``rows`` x ``columns`` of numbers (row r, column c holds 100 r + c) open in Calc, a header
    row first when asked, B3 a formula; nothing to achieve (the tests read the observations)."""

    name = "sheet-cells-probe"

    def __init__(self, rows: int, columns: int, header: bool = False) -> None:
        self.rows, self.columns, self.header = rows, columns, header

    def setup(self, rng: random.Random) -> DesktopSetup:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Data"
        for row in range(self.rows):
            if row == 0 and self.header:
                sheet.append([f"Col{c}" for c in range(self.columns)])
            else:
                sheet.append([100 * row + c for c in range(self.columns)])
        if self.rows >= 3:
            sheet["B3"] = "=A3*2"
        data = io.BytesIO()
        book.save(data)
        return DesktopSetup(
            goal="Look.", apps=(("soffice", "--calc", "~/book.xlsx"),), files={"book.xlsx": data.getvalue()}
        )

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(OpenSheet(0, 0))
    yield shared
    shared.close()


def cells(obs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The listed table cells by address (their names start with it)."""
    return {e["name"].split(" ")[0]: e for e in obs["elements"] if e["role"] == "table cell"}


def sheet(obs: dict[str, Any]) -> dict[str, Any]:
    [table] = [e for e in obs["elements"] if e["role"] == "table"]
    return table


def name_box(obs: dict[str, Any]) -> str:
    return next(
        e["value"] for e in obs["elements"] if e["role"] == "text" and re.fullmatch(r"[A-Z]+\d+", e["value"])
    )


def test_the_visible_cells_are_listed_with_formula_and_value_and_click_where_drawn(env: DesktopEnv) -> None:
    env.task = OpenSheet(20, 10, header=True)
    obs, _ = env.reset(seed=0)
    listed = cells(obs)
    # Every filled cell of the 20x10 block is in view and listed; the empty ones around it are not.
    assert set(listed) == {f"{col}{row}" for col in "ABCDEFGHIJ" for row in range(1, 21)}, obs["axtree"]
    assert (listed["B3"]["name"], listed["B3"]["value"]) == ("B3 =A3*2", "400")
    assert (listed["A1"]["value"], listed["J20"]["value"], listed["C2"]["name"]) == ("Col0", "1909", "C2")
    assert listed["A1"]["focused"] and not listed["B3"]["focused"]
    assert SUMMARY.fullmatch(sheet(obs)["value"]), sheet(obs)["value"]
    # Boxes where LibreOffice draws (its own are 25 px off): in the sheet, in a grid.
    assert all(inside(c["bbox"], sheet(obs)["bbox"]) for c in listed.values())
    a3, b2, b3 = (listed[a]["bbox"] for a in ("A3", "B2", "B3"))
    assert (b3[0], b3[1]) == (a3[0] + a3[2], b2[1] + b2[3]) and b3[1] == a3[1]

    # An element-id click makes the cell active; each cell keeps its id as the cursor comes and goes.
    ids = {a: c["id"] for a, c in listed.items()}
    obs, *_ = env.step(f"click('{ids['B3']}')")
    assert obs["last_action_error"] == "" and name_box(obs) == "B3", obs["axtree"]
    assert cells(obs)["B3"]["focused"] and not cells(obs)["A1"]["focused"]
    assert {a: c["id"] for a, c in cells(obs).items()} == ids

    # What the agent types shows up in the next observation: a new cell with its formula and value.
    obs, *_ = env.step(f"click('{ids['J20']}')\npress('right')\nwrite('=B3+1\\n')")
    added = cells(obs)["K20"]
    assert (added["name"], added["value"]) == ("K20 =B3+1", "401"), obs["axtree"]
    assert added["id"] not in ids.values() and {a: cells(obs)[a]["id"] for a in ids} == ids


def test_an_empty_sheet_lists_only_its_active_cell(env: DesktopEnv) -> None:
    env.task = OpenSheet(0, 0)
    obs, _ = env.reset(seed=0)
    assert list(cells(obs)) == ["A1"] and cells(obs)["A1"]["focused"], obs["axtree"]
    assert SUMMARY.fullmatch(sheet(obs)["value"]) and len(obs["elements"]) < 300


def test_a_sheet_larger_than_its_window_is_listed_as_far_as_it_shows_and_at_most_the_cap(
    env: DesktopEnv,
) -> None:
    env.task = OpenSheet(200, 40)
    obs, _ = env.reset(seed=0)
    last_column, last_row, cut = SUMMARY.fullmatch(sheet(obs)["value"]).groups()  # type: ignore[union-attr]
    listed = cells(obs)
    # At 100% the view is the range listed, every cell of it (all hold a number), not the sheet.
    assert cut is None and int(last_row) < 200 and len(last_column) == 1
    assert len(listed) == int(last_row) * (ord(last_column) - ord("A") + 1) < CAP
    assert f"A{int(last_row) + 1}" not in listed and f"{chr(ord(last_column) + 1)}1" not in listed

    # Zoomed far out (Ctrl+wheel) the view holds more cells than the cap: rows are cut.
    obs, *_ = env.step("moveTo(600, 400)\nkeyDown('ctrl')\nscroll(-8)\nkeyUp('ctrl')")
    for _ in range(3):  # the zoom may reach the tree a step late
        if (match := SUMMARY.fullmatch(sheet(obs)["value"])) and match.group(3):
            break
        obs, *_ = env.step("wait(0.5)")
    assert match and match.group(3), sheet(obs)["value"]
    listed = cells(obs)
    assert CAP // 2 < len(listed) <= CAP and "AB5" in listed, obs["axtree"][-2000:]
    # Past column Z the addresses are LibreOffice's: a click on the cell listed as AB5 goes to AB5.
    assert listed["AB5"]["value"] == "427"
    obs, *_ = env.step(f"click('{listed['AB5']['id']}')")
    assert name_box(obs) == "AB5", obs["axtree"][-2000:]
