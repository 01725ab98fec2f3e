"""Our spreadsheet metrics score as OSWorld's own do (desktop-env 1.0.2's table.py): compare_table
with its rule kinds, and compare_csv, a passing and a failing variant of each (see
`osworld_against`). Workbooks are built with openpyxl, as LibreOffice Calc's saved .xlsx are read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from .osworld_against import Case, Difference, assert_same_scores, path

ROWS: list[list[Any]] = [["Item", "Price", "Qty"], ["pen", 2.5, 10], ["cup", 4, 3], ["ink", 1.23456, 7]]


def book(folder: Path, name: str, rows: list[list[Any]] = ROWS, **extra: Any) -> Path:
    """A workbook of ``rows`` on sheet "Sales"; ``extra`` adds what a rule looks at."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sales"
    for row in rows:
        ws.append(row)
    if extra.get("second_sheet"):
        wb.create_sheet("Notes")["A1"] = "note"
    if extra.get("bold"):
        ws["A1"].font = Font(bold=True, name="Arial", size=12)
        ws["B2"].fill = PatternFill("solid", fgColor="FFFF00")
    if extra.get("number_format"):
        ws["B2"].number_format = "0.00"
    if "freeze" in extra:
        ws.freeze_panes = extra["freeze"]
    if "zoom" in extra:
        ws.sheet_view.zoomScale = extra["zoom"]
    if "validation" in extra:
        rule = DataValidation(type="list", formula1=extra["validation"], allow_blank=True)
        rule.add("C2:C4")
        ws.add_data_validation(rule)
    if "width" in extra:
        ws.column_dimensions["A"].width = extra["width"]
    if "height" in extra:
        ws.row_dimensions[2].height = extra["height"]
    if extra.get("filter"):
        ws.auto_filter.ref = "A1:C4"
    wb.save(folder / name)
    return folder / name


def table(*rules: dict[str, Any]) -> dict[str, Any]:
    return {"rules": list(rules)}


def pair(kind: str, **more: Any) -> dict[str, Any]:
    return {"type": kind, "sheet_idx0": 0, "sheet_idx1": "EI0", **more}


def cell(coordinate: str, **props: Any) -> dict[str, Any]:
    return {"type": "check_cell", "sheet_idx": 0, "coordinate": coordinate, "props": props}


def fuzzy(**rule: Any) -> dict[str, Any]:
    return pair("sheet_fuzzy", rules=[rule])


def calc_cases(d: Path) -> dict[str, Case]:
    want = book(d, "want.xlsx")
    same = book(d, "same.xlsx")
    rounded = book(d, "rounded.xlsx", [*ROWS[:3], ["ink", 1.23457, 7]])
    changed = book(d, "changed.xlsx", [*ROWS[:3], ["ink", 1.3, 7]])
    renamed = book(d, "renamed.xlsx", [*ROWS[:3], ["Ink (blue)", 1.23456, 7]])
    two_sheets = book(d, "two.xlsx", second_sheet=True)
    styled = book(d, "styled.xlsx", bold=True, number_format=True)
    frozen = book(d, "frozen.xlsx", freeze="B2")
    frozen_other = book(d, "frozen_other.xlsx", freeze="A2")
    zoomed = book(d, "zoomed.xlsx", zoom=150)
    validated = book(d, "validated.xlsx", validation='"1,2,3"')
    wide = book(d, "wide.xlsx", width=30, height=25)
    wide_want = book(d, "wide_want.xlsx", width=30, height=25)
    narrow = book(d, "narrow.xlsx", width=12, height=25)
    filtered = book(d, "filtered.xlsx", filter=True)
    filtered_want = book(d, "filtered_want.xlsx", filter=True)
    t = "table"
    size_rule = {"method": "eq", "ref": 12}
    cases = {
        "sheet_name pass": Case(t, "compare_table", (path(same), path(want)), table({"type": "sheet_name"})),
        "sheet_name fail": Case(
            t, "compare_table", (path(two_sheets), path(want)), table({"type": "sheet_name"})
        ),
        "sheet_data pass": Case(t, "compare_table", (path(same), path(want)), table(pair("sheet_data"))),
        "sheet_data precision": Case(
            t, "compare_table", (path(rounded), path(want)), table(pair("sheet_data", precision=3))
        ),
        "sheet_data fail": Case(t, "compare_table", (path(changed), path(want)), table(pair("sheet_data"))),
        "sheet_data by name": Case(
            t,
            "compare_table",
            (path(same), path(want)),
            table(pair("sheet_data", sheet_idx0="RNSales", sheet_idx1="ENSales")),
        ),
        "sheet_data no such sheet": Case(
            t, "compare_table", (path(same), path(want)), table(pair("sheet_data", sheet_idx0="RNOther"))
        ),
        "fuzzy exact pass": Case(
            t, "compare_table", (path(same), path(want)), table(fuzzy(range=["A1:C4"], type="exact_match"))
        ),
        "fuzzy exact fail": Case(
            t, "compare_table", (path(renamed), path(want)), table(fuzzy(range=["A4"], type="exact_match"))
        ),
        "fuzzy includes": Case(
            t,
            "compare_table",
            (path(renamed), path(want)),
            table(fuzzy(range=["A4"], type="includes", ignore_case=True)),
        ),
        "fuzzy included_by": Case(
            t,
            "compare_table",
            (path(renamed), path(want)),
            table(fuzzy(range=["A4"], type="included_by", ignore_case=True)),
        ),
        "fuzzy ignore_chars": Case(
            t,
            "compare_table",
            (path(renamed), path(want)),
            table(fuzzy(range=["A4"], type="exact_match", ignore_case=True, ignore_chars=" ()blue")),
        ),
        "fuzzy ratio": Case(
            t,
            "compare_table",
            (path(renamed), path(want)),
            table(fuzzy(range=["A4"], type="fuzzy_match", threshold=25)),
        ),
        "fuzzy ratio low": Case(
            t, "compare_table", (path(renamed), path(want)), table(fuzzy(range=["A4"], type="fuzzy_match"))
        ),
        "fuzzy normalization": Case(
            t,
            "compare_table",
            (path(renamed), path(want)),
            table(fuzzy(range=["A4"], type="exact_match", normalization=[["Ink (blue)", "ink"]])),
        ),
        "check_cell value": Case(
            t, "compare_table", (path(same),), table(cell("B3", value={"method": "eq", "ref": 4}))
        ),
        "check_cell value fail": Case(
            t, "compare_table", (path(same),), table(cell("A2", value={"method": "eq", "ref": "Pen"}))
        ),
        "check_cell bold": Case(
            t,
            "compare_table",
            (path(styled),),
            table(cell("A1", font_bold={"method": "eq", "ref": True}, font_size=size_rule)),
        ),
        "check_cell not bold": Case(
            t, "compare_table", (path(same),), table(cell("A1", font_bold={"method": "eq", "ref": True}))
        ),
        "check_cell font name": Case(
            t, "compare_table", (path(styled),), table(cell("A1", font_name={"method": "eq", "ref": "Arial"}))
        ),
        "check_cell number format": Case(
            t,
            "compare_table",
            (path(styled),),
            table(cell("B2", number_format={"method": "eq", "ref": "0.00"})),
        ),
        "check_cell number format fail": Case(
            t,
            "compare_table",
            (path(same),),
            table(cell("B2", number_format={"method": "eq", "ref": "0.00"})),
        ),
        "style bold pass": Case(
            t,
            "compare_table",
            (path(styled), path(styled)),
            table(pair("style", props=["font_bold", "number_format"])),
        ),
        "style bold fail": Case(
            t, "compare_table", (path(same), path(styled)), table(pair("style", props=["font_bold"]))
        ),
        "freeze pass": Case(t, "compare_table", (path(frozen), path(frozen)), table(pair("freeze"))),
        "freeze fail": Case(t, "compare_table", (path(frozen_other), path(frozen)), table(pair("freeze"))),
        "zoom pass": Case(
            t,
            "compare_table",
            (path(zoomed),),
            table({"type": "zoom", "sheet_idx": 0, "method": "ge", "ref": 130}),
        ),
        "zoom fail": Case(
            t,
            "compare_table",
            (path(same),),
            table({"type": "zoom", "sheet_idx": 0, "method": "ge", "ref": 130}),
        ),
        "validation pass": Case(
            t,
            "compare_table",
            (path(validated),),
            table(
                {
                    "type": "data_validation",
                    "sheet_idx": 0,
                    "dv_props": [
                        {
                            "type": {"method": "eq", "ref": "list"},
                            "formula1": {"method": "eq", "ref": '"1,2,3"'},
                        }
                    ],
                }
            ),
        ),
        "validation fail": Case(
            t,
            "compare_table",
            (path(same),),
            table(
                {
                    "type": "data_validation",
                    "sheet_idx": 0,
                    "dv_props": [{"type": {"method": "eq", "ref": "list"}}],
                }
            ),
        ),
        "col_props pass": Case(
            t, "compare_table", (path(wide), path(wide_want)), table(pair("col_props", props=["width"]))
        ),
        "col_props fail": Case(
            t, "compare_table", (path(narrow), path(wide_want)), table(pair("col_props", props=["width"]))
        ),
        "row_props pass": Case(
            t, "compare_table", (path(narrow), path(wide_want)), table(pair("row_props", props=["height"]))
        ),
        "row_props fail": Case(
            t, "compare_table", (path(same), path(wide_want)), table(pair("row_props", props=["height"]))
        ),
        "filter pass": Case(t, "compare_table", (path(filtered), path(filtered_want)), table(pair("filter"))),
        "filter fail": Case(t, "compare_table", (path(same), path(filtered_want)), table(pair("filter"))),
        "missing result": Case(t, "compare_table", (None, path(want)), table(pair("sheet_data"))),
    }
    return cases | csv_cases(d)


def csv_cases(d: Path) -> dict[str, Case]:
    (d / "got.csv").write_text("a,b\n 1,2 \n", encoding="utf-8")
    (d / "want.csv").write_text("A,B\n1,2\n", encoding="utf-8")
    got, want = path(d / "got.csv"), path(d / "want.csv")
    return {
        "compare_csv loose": Case(
            "table", "compare_csv", (got, want), {"strict": False, "ignore_case": True}
        ),
        "compare_csv strict": Case("table", "compare_csv", (got, want)),
        "compare_csv case": Case("table", "compare_csv", (got, want), {"strict": False}),
    }


DIFFERENCES: dict[str, Difference] = {}


def test_spreadsheet_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(calc_cases(tmp_path), DIFFERENCES)
