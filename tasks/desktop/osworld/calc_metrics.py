"""OSWorld's spreadsheet metrics, written afresh with the same names, arguments and rule semantics:
``compare_table`` over xlsx workbooks (what LibreOffice Calc saves; read with openpyxl; an .ods or
.xls workbook is read through the xlsx copy LibreOffice makes of it, see `calc_books`) and over CSV
files, and ``compare_csv`` (both CSV comparisons live in `calc_csv`).

``compare_table(result, expected, rules=[...])`` checks its rules in order and scores 1 only when all
hold (`calc_rules` says which rules and checks them when the task is loaded):

- ``sheet_name``: the result's sheet names are the expected workbook's, in order;
- ``sheet_data``: two sheets hold the same values, numbers compared rounded to ``precision``
  decimals (4 by default), formulas by the results saved with them, trailing empty rows and columns
  ignored; a number equals the same number whether saved as integer or not (OSWorld compares
  pandas frames, whose integer and float columns differ);
- ``check_cell``: a cell's props (``value``: the saved value, formulas by their saved result;
  ``formula``: the formula as saved, ``=SUM(B2:B5)``; style: ``font_bold``, ``number_format``...)
  each match ``{"method": ..., "ref": ...}``; style props of an empty cell are None, as OSWorld's;
- ``freeze``: two sheets have the same frozen panes; ``zoom``: a sheet's zoom (100 when unset)
  matches ``method``/``ref``;
- ``style``: two sheets' cells have the same style ``props`` cell by cell (over both used ranges),
  and the same conditional formats, compared as rules rather than evaluated;
- ``filter``, ``data_validation``, ``row_props``/``col_props``, ``chart``: see `calc_objects`;
  ``pivot_table``: see `calc_pivots`; ``sparkline``: the two sheets' sparklines (`calc_sparklines`);
  ``sheet_fuzzy``: cells of ranges compared as cleaned-up text (`calc_fuzzy`); ``sheet_print``:
  two sheets' CSV exports lying beside their workbooks, line by line (`calc_print`).

A result that is missing, or is no workbook (a half-written file, another format), scores 0.
Without ``rules``, ``compare_table`` compares two CSV files cell by cell (Palaestra's own use).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld import calc_objects
from palaestra.tasks.desktop.osworld.calc_books import Books, UnreadableBook, load_book
from palaestra.tasks.desktop.osworld.calc_csv import compare_csv, compare_csv_cells
from palaestra.tasks.desktop.osworld.calc_fuzzy import sheets_match
from palaestra.tasks.desktop.osworld.calc_pivots import pivot_tables
from palaestra.tasks.desktop.osworld.calc_print import same_print
from palaestra.tasks.desktop.osworld.calc_rules import match_value, parse_sheet_index
from palaestra.tasks.desktop.osworld.calc_sparklines import sparklines

__all__ = ["UnreadableBook", "compare_csv", "compare_table", "load_book"]


def compare_table(result: Any, expected: Any = None, rules: list[dict[str, Any]] | None = None) -> float:
    if result is None:
        return 0.0
    if rules is None:
        return compare_csv_cells(result, expected)
    with tempfile.TemporaryDirectory(prefix="palaestra-compare-table-") as workdir:
        books = Books(Path(str(result)), Path(str(expected)) if expected else None, Path(workdir))
        try:
            return float(all(CHECKS[rule["type"]](books, rule) for rule in rules))
        except UnreadableBook:
            return 0.0


def _sheet_name(books: Books, rule: dict[str, Any]) -> bool:
    return list(books.book(False).sheetnames) == list(books.book(True).sheetnames)


def _sheet_data(books: Books, rule: dict[str, Any]) -> bool:
    first, second = books.sheet(rule["sheet_idx0"]), books.sheet(rule["sheet_idx1"])
    if first is None or second is None:
        return False
    precision = int(rule.get("precision", 4))
    return _grid(first, precision) == _grid(second, precision)


def _grid(sheet: Any, precision: int) -> list[list[Any]]:
    """A sheet's values row by row, without trailing empty cells and rows."""
    rows = [[_plain(v, precision) for v in row] for row in sheet.iter_rows(values_only=True)]
    for row in rows:
        while row and row[-1] is None:
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _plain(value: Any, precision: int) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return round(float(value), precision)
    return None if value == "" else value


def _check_cell(books: Books, rule: dict[str, Any]) -> bool:
    sheet = books.sheet(rule["sheet_idx"])
    if sheet is None:
        return False
    coordinate = str(rule["coordinate"])
    for prop, wanted in rule["props"].items():
        if prop == "formula":
            formulas = books.sheet(rule["sheet_idx"], formulas=True)
            value = _formula(formulas[coordinate].value)
        else:
            value = cell_prop(sheet[coordinate], prop)
        if not match_value(value, wanted):
            return False
    return True


def _formula(value: Any) -> str | None:
    text = getattr(value, "text", value)  # an array formula's text
    return text if isinstance(text, str) and text.startswith("=") else None


def cell_prop(cell: Any, prop: str) -> Any:
    """A cell's ``value`` or one of its style props (None for an empty cell's style); ``merge``
    says whether it is covered by a merged cell (not the merged range's first), ``hyperlink`` is
    its link's target ("" when it has none)."""
    if prop == "value":
        return cell.value
    if prop == "merge":
        return type(cell).__name__ == "MergedCell"
    if cell.value is None:
        return None
    font, fill = cell.font, cell.fill
    if prop == "number_format":
        return cell.number_format if cell.data_type == "n" else None
    styles = {
        "font_name": lambda: font.name,
        "font_size": lambda: font.size,
        "font_bold": lambda: font.bold,
        "font_italic": lambda: font.italic,
        "font_underline": lambda: font.underline,
        "font_color": lambda: _rgb(font.color),
        "hyperlink": lambda: cell.hyperlink.target or "" if cell.hyperlink is not None else "",
        "fill_type": lambda: fill.tagname,  # patternFill or gradientFill, as OSWorld reads it
        # The colour a solid fill shows is its pattern's foreground: OSWorld reads it for both names.
        "bgcolor": lambda: _rgb(getattr(fill, "fgColor", None)),
        "fgcolor": lambda: _rgb(getattr(fill, "fgColor", None)),
    }
    return styles[prop]()


def _rgb(color: Any) -> str | None:
    """A colour's aRGB (``FFFF0000``); None for none, and for a theme or indexed colour, whose
    ``rgb`` openpyxl fills with an error message rather than a colour."""
    return color.rgb if color is not None and color.type == "rgb" else None


def _freeze(books: Books, rule: dict[str, Any]) -> bool:
    first, second = books.sheet(rule["sheet_idx0"]), books.sheet(rule["sheet_idx1"])
    return first is not None and second is not None and first.freeze_panes == second.freeze_panes


def _zoom(books: Books, rule: dict[str, Any]) -> bool:
    sheet = books.sheet(rule["sheet_idx"])
    return sheet is not None and match_value(sheet.sheet_view.zoomScale or 100, rule)


Check = Callable[["Books", dict[str, Any]], bool]


def _two_sheets(compare: Callable[[Any, Any, dict[str, Any]], bool]) -> Check:
    """A check comparing the sheets a rule's ``sheet_idx0`` and ``sheet_idx1`` name (false when
    either is missing)."""

    def check(books: Books, rule: dict[str, Any]) -> bool:
        first, second = books.sheet(rule["sheet_idx0"]), books.sheet(rule["sheet_idx1"])
        return first is not None and second is not None and compare(first, second, rule)

    return check


def _same_style(first: Any, second: Any, rule: dict[str, Any]) -> bool:
    """Each cell of either sheet's used range has the same style props in both (None where empty),
    and the sheets have the same conditional formats."""
    if calc_objects.conditional_formats(first) != calc_objects.conditional_formats(second):
        return False
    rows, columns = max(first.max_row, second.max_row), max(first.max_column, second.max_column)
    for row in range(1, rows + 1):
        for column in range(1, columns + 1):
            cells = [sheet._cells.get((row, column)) for sheet in (first, second)]  # no new cells
            for prop in rule["props"]:
                one, other = (None if cell is None else cell_prop(cell, prop) for cell in cells)
                if one != other:
                    return False
    return True


def _validations(books: Books, rule: dict[str, Any]) -> bool:
    sheet = books.sheet(rule["sheet_idx"])
    return sheet is not None and calc_objects.validations_match(sheet, rule["dv_props"])


def _sparklines(books: Books, rule: dict[str, Any]) -> bool:
    found = []
    for key in ("sheet_idx0", "sheet_idx1"):
        where, sheet = parse_sheet_index(rule[key]), books.sheet(rule[key])
        if sheet is None or where is None:
            return False
        try:  # read from the xlsx openpyxl read (an .ods or .xls's converted copy)
            found.append(sparklines(books.path(where.expected), sheet.title))
        except ValueError:
            return False
    return found[0] == found[1]


CHECKS: dict[str, Check] = {
    "sheet_name": _sheet_name,
    "sheet_data": _sheet_data,
    "check_cell": _check_cell,
    "freeze": _freeze,
    "zoom": _zoom,
    "style": _two_sheets(_same_style),
    "filter": _two_sheets(lambda a, b, _: calc_objects.auto_filter(a) == calc_objects.auto_filter(b)),
    "data_validation": _validations,
    "row_props": _two_sheets(lambda a, b, r: calc_objects.same_dimensions(a, b, "row", r["props"])),
    "col_props": _two_sheets(lambda a, b, r: calc_objects.same_dimensions(a, b, "column", r["props"])),
    "chart": _two_sheets(
        lambda a, b, r: (
            calc_objects.charts(a, r.get("chart_props", []))
            == calc_objects.charts(b, r.get("chart_props", []))
        )
    ),
    "sparkline": _sparklines,
    "sheet_fuzzy": _two_sheets(lambda a, b, r: sheets_match(a, b, r["rules"])),
    "sheet_print": same_print,
    "pivot_table": _two_sheets(
        lambda a, b, r: pivot_tables(a, r.get("pivot_props", [])) == pivot_tables(b, r.get("pivot_props", []))
    ),
}
