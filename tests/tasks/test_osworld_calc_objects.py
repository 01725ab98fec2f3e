"""compare_table's object rules (filter, data_validation, row_props/col_props, chart, style) on
workbooks LibreOffice Calc itself saved: each built with openpyxl, then opened and saved as xlsx by a
headless LibreOffice with its own profile, as an agent's result is. A pair that agrees scores 1, a
pair that differs in what the rule reads scores 0 (and 1 under rules that read something else)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.filters import FilterColumn, Filters

from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.calc_metrics import compare_table

ROWS: list[list[Any]] = [
    ["Item", "Price", "Qty"],
    ["pen", 2.5, 10],
    ["cup", 4, 3],
    ["ink", 7, 1],
    ["pad", 3, 8],
]
Sheet = Any


def build(
    sheet: Sheet,
    shown: tuple[str, ...] = ("pen", "cup"),
    choices: str = "Pass,Fail,Held",
    hidden_row: int = 3,
    width: float = 20,
    chart: type = BarChart,
    title: str = "Sales by item",
    bold: str = "B2",
    highlight: str | None = "greaterThan",
) -> None:
    """The base sheet: a filter, two validations, a hidden and a tall row, a wide and a hidden
    column, a chart, a bold cell, a filled one and a conditional format; each argument changes one
    of them."""
    for row in ROWS:
        sheet.append(row)
    sheet.auto_filter.ref = "A1:C5"
    sheet.auto_filter.filterColumn.append(FilterColumn(colId=0, filters=Filters(filter=list(shown))))
    listed = DataValidation(type="list", formula1=f'"{choices}"', allow_blank=True)
    listed.add("D2:D29")
    counted = DataValidation(type="whole", operator="between", formula1="0", formula2="20")
    counted.add("E2:E10")
    for validation in (listed, counted):
        sheet.add_data_validation(validation)
    sheet.row_dimensions[hidden_row].hidden = True
    sheet.row_dimensions[4].height = 30
    sheet.column_dimensions["B"].width = width
    sheet.column_dimensions["F"].hidden = True
    drawn = chart()
    drawn.title, drawn.x_axis.title, drawn.y_axis.title = title, "Item", "Qty"
    drawn.add_data(Reference(sheet, min_col=3, min_row=1, max_row=5), titles_from_data=True)
    drawn.set_categories(Reference(sheet, min_col=1, min_row=2, max_row=5))
    sheet.add_chart(drawn, "H2")
    sheet[bold].font = Font(name="Liberation Sans", size=10, bold=True)
    sheet["A1"].fill = PatternFill("solid", fgColor="FFFFFF00")
    sheet["A7"], sheet["A8"] = "merged", "site"
    sheet.merge_cells("A7:B7")
    sheet["A8"].hyperlink = "https://example.org/"
    if highlight:
        red = CellIsRule(
            operator=highlight, formula=["5"], fill=PatternFill(bgColor="FFFF0000"), font=Font(bold=True)
        )
        sheet.conditional_formatting.add("C2:C5", red)


VARIANTS: dict[str, Callable[[Sheet], None]] = {
    "base": build,
    "same": build,
    "other_filter": lambda s: build(s, shown=("pen",)),
    "other_choices": lambda s: build(s, choices="Pass,Fail"),
    "other_hidden_row": lambda s: build(s, hidden_row=5),
    "other_width": lambda s: build(s, width=12),
    "line_chart": lambda s: build(s, chart=LineChart),
    "other_title": lambda s: build(s, title="Quantities"),
    "other_bold": lambda s: build(s, bold="C2"),
    "other_highlight": lambda s: build(s, highlight="lessThan"),
    "no_highlight": lambda s: build(s, highlight=None),
}


def saved_by_libreoffice(books: Mapping[str, Workbook | bytes], folder: Path) -> dict[str, Path]:
    """Each workbook (or xlsx file's bytes) as openpyxl wrote it (``name.openpyxl``) and as a headless
    LibreOffice, with a profile of its own in ``folder``, opened and saved it as xlsx (``name``)."""
    built = folder / "built"
    built.mkdir()
    for name, book in books.items():
        if isinstance(book, bytes):
            (built / f"{name}.xlsx").write_bytes(book)
        else:
            book.save(built / f"{name}.xlsx")
    office = shutil.which("soffice")
    assert office, "LibreOffice (soffice) is part of the desktop image"
    profile = f"-env:UserInstallation=file://{folder / 'profile'}"
    command = [office, profile, "--headless", "--convert-to", "xlsx", "--outdir", str(folder / "saved")]
    subprocess.run([*command, *sorted(str(p) for p in built.iterdir())], check=True, timeout=300)
    paths = {name: folder / "saved" / f"{name}.xlsx" for name in books}
    assert all(path.is_file() for path in paths.values())
    return paths | {f"{name}.openpyxl": built / f"{name}.xlsx" for name in books}


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    books = {}
    for name, make in VARIANTS.items():
        books[name] = openpyxl.Workbook()
        books[name].active.title = "Sales"
        make(books[name].active)
    return saved_by_libreoffice(books, tmp_path_factory.mktemp("calc"))


PAIR = {"sheet_idx0": 0, "sheet_idx1": "EI0"}
DV_PROPS = [
    {
        "type": {"method": "eq", "ref": "list"},
        "formula1": {"method": "str_set_eq", "ref": ["Held", "Pass", "Fail"]},
        "ranges": {"method": "spreadsheet_range", "ref": ["D2:D29", "D2:D1048576"]},
    },
    {"type": {"method": "eq", "ref": "whole"}, "formula2": {"method": "eq", "ref": "20"}},
]
RULES: dict[str, dict[str, Any]] = {
    "filter": {"type": "filter", **PAIR},
    "data_validation": {"type": "data_validation", "sheet_idx": 0, "dv_props": DV_PROPS},
    "row_props": {"type": "row_props", **PAIR, "props": ["hidden", "height"]},
    "col_props": {"type": "col_props", **PAIR, "props": ["hidden", "width"]},
    "chart": {
        "type": "chart",
        **PAIR,
        "chart_props": ["type", "title", "legend", "xtitle", "ytitle", "anchor"],
    },
    "style": {
        "type": "style",
        **PAIR,
        "props": ["font_bold", "font_name", "font_size", "fill_type", "fgcolor"],
    },
}
#: Which rule each variant fails (all other rules hold for it).
FAILS = {
    "same": None,
    "other_filter": "filter",
    "other_choices": "data_validation",
    "other_hidden_row": "row_props",
    "other_width": "col_props",
    "line_chart": "chart",
    "other_title": "chart",
    "other_bold": "style",
    "other_highlight": "style",
    "no_highlight": "style",  # no format: fails, though the cells' own styles agree
}


@pytest.mark.parametrize("variant", sorted(FAILS))
def test_each_rule_tells_saved_workbooks_apart_by_what_it_reads(saved: dict[str, Path], variant: str) -> None:
    for kind, rule in RULES.items():
        wanted = 0.0 if FAILS[variant] == kind else 1.0
        assert compare_table(saved[variant], saved["base"], rules=[rule]) == wanted, kind


def test_workbooks_saved_by_other_writers_compare_with_defaults_and_tolerance(saved: dict[str, Path]) -> None:
    """An expected file written by openpyxl leaves row heights and unused columns out, where
    LibreOffice writes them all; quotes its sheet's name in chart ranges, LibreOffice does not."""
    for kind in ("filter", "data_validation", "row_props", "col_props"):
        assert compare_table(saved["base"], saved["base.openpyxl"], rules=[RULES[kind]]) == 1.0, kind
    assert compare_table(saved["other_width"], saved["base.openpyxl"], rules=[RULES["col_props"]]) == 0.0
    series_only = {"type": "chart", **PAIR}  # the charts' data ranges, however each file writes them
    assert compare_table(saved["base"], saved["base.openpyxl"], rules=[series_only]) == 1.0


def test_data_validation_matches_each_validation_against_the_listed_props(saved: dict[str, Path]) -> None:
    def score(*props: dict[str, Any]) -> float:
        rule = {"type": "data_validation", "sheet_idx": 0, "dv_props": list(props)}
        return compare_table(saved["base"], rules=[rule])

    listed, counted = DV_PROPS
    assert score(listed, counted) == 1.0
    assert score(listed) == 0.0  # the whole-number validation matches none of the props
    assert score({"type": {"method": "ne", "ref": "date"}}) == 1.0
    narrow = {**listed, "ranges": {"method": "spreadsheet_range", "ref": ["D2:D29", "D2:D20"]}}
    assert score(narrow, counted) == 0.0  # D2:D29 reaches beyond D20
    in_order = {**listed, "formula1": {"method": "str_list_eq", "ref": ["Pass", "Fail", "Held"]}}
    assert score(in_order, counted) == 1.0
    reordered = {**listed, "formula1": {"method": "str_list_eq", "ref": ["Fail", "Pass", "Held"]}}
    assert score(reordered, counted) == 0.0
    between = {**counted, "formula1": {"method": "range.ee", "ref": [0, 0]}}
    assert score(listed, between) == 0.0  # formula1 is the text "0", not a number


def test_a_cells_fill_colour_is_read_as_osworld_reads_it(saved: dict[str, Path]) -> None:
    """A solid fill's colour is its pattern's foreground; OSWorld's ``bgcolor`` names it too."""
    for prop in ("bgcolor", "fgcolor"):
        filled = {"type": "check_cell", "sheet_idx": 0, "props": {prop: {"method": "eq", "ref": "FFFFFF00"}}}
        assert compare_table(saved["base"], rules=[{**filled, "coordinate": "A1"}]) == 1.0
        assert compare_table(saved["base"], rules=[{**filled, "coordinate": "A2"}]) == 0.0


def test_merged_cells_links_and_bounds_as_check_cell_reads_them(saved: dict[str, Path]) -> None:
    def cell(coordinate: str, **props: Any) -> float:
        rule = {"type": "check_cell", "sheet_idx": 0, "coordinate": coordinate, "props": props}
        return compare_table(saved["base"], rules=[rule])

    assert cell("B7", merge={"method": "eq", "ref": True}) == 1.0  # covered by A7:B7
    assert cell("A7", merge={"method": "eq", "ref": True}) == 0.0  # the merged range's own cell
    assert cell("A8", hyperlink={"method": "eq", "ref": "https://example.org/"}) == 1.0
    assert cell("A7", hyperlink={"method": "eq", "ref": ""}) == 1.0
    assert cell("C2", value={"method": "range.te", "ref": [5, 10]}) == 1.0  # 5 < 10 <= 10
    assert cell("C2", value={"method": "range.tt", "ref": [5, 10]}) == 0.0
    assert cell("C2", value={"method": "range.ee", "ref": [10, 12]}) == 1.0


def task_file(folder: Path, *rules: dict[str, Any]) -> Path:
    (folder / "files").mkdir(exist_ok=True)
    openpyxl.Workbook().save(folder / "files" / "want.xlsx")
    evaluator = {
        "func": "compare_table",
        "result": {"type": "vm_file", "path": "/home/user/a.xlsx"},
        "expected": {"type": "cloud_file", "path": "files/want.xlsx"},
        "options": {"rules": list(rules)},
    }
    data = {"id": "calc", "snapshot": "libreoffice_calc", "instruction": "Do it.", "evaluator": evaluator,
            "config": [{"type": "open", "parameters": {"path": "/home/user/a.xlsx"}}]}  # fmt: skip
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


EVAL = UnsupportedEvaluatorError
DV = {"type": "data_validation", "sheet_idx": 0}
REFUSED = [
    ({"type": "row_props", **PAIR, "props": ["hiden"]}, EVAL, "row_props prop `hiden`.*`hidden`"),
    ({"type": "col_props", **PAIR, "props": ["min"]}, EVAL, "`min` .columns are compared one by one"),
    ({"type": "col_props", **PAIR}, OSWorldTaskError, r"needs \['props'\]"),
    ({"type": "row_props", **PAIR, "props": []}, OSWorldTaskError, "compares nothing without `props`"),
    ({"type": "style", **PAIR, "props": "font_bold"}, OSWorldTaskError, "is a list such as"),
    ({"type": "style", **PAIR, "props": ["value"]}, EVAL, "style prop `value`"),
    ({"type": "chart", **PAIR, "chart_props": ["tittle"]}, EVAL, "`tittle`.*Did you mean: `title`"),
    ({"type": "chart", **PAIR, "chart_props": ["width"]}, EVAL, "does not read a chart's size"),
    ({"type": "filter", "sheet_idx": 0}, OSWorldTaskError, r"needs \['sheet_idx0', 'sheet_idx1'\]"),
    ({**DV, "dv_props": []}, OSWorldTaskError, 'needs "dv_props"'),
    ({**DV, "dv_props": [{"formula": {"method": "eq", "ref": 1}}]}, EVAL, "`formula`.*`formula1`"),
    ({**DV, "dv_props": [{"type": {"method": "eq"}}]}, OSWorldTaskError, '`type` needs {"method"'),
    (
        {**DV, "dv_props": [{"ranges": {"method": "spreadsheet_range", "ref": ["D2"]}}]},
        EVAL,
        "spreadsheet_range",
    ),
    ({**DV, "dv_props": [{"ranges": {"method": "range.tx", "ref": [0, 1]}}]}, EVAL, "method `range.tx`"),
    ({"type": "pivot_table", **PAIR, "pivot_props": ["row_field"]}, EVAL, "`row_field`.*`row_fields`"),
    ({"type": "sheet_print", **PAIR, "ignorecase": True}, EVAL, "`ignorecase`.*`ignore_case`"),
]


@pytest.mark.parametrize(("rule", "error", "message"), REFUSED)
def test_malformed_object_rules_are_refused_at_load(
    tmp_path: Path, rule: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        load_task(task_file(tmp_path, rule))


def test_well_formed_object_rules_load(tmp_path: Path) -> None:
    pivots = {"type": "pivot_table", **PAIR, "pivot_props": ["row_fields", "data_fields", "filter"]}
    assert load_task(task_file(tmp_path, *RULES.values(), pivots)).spec is not None
