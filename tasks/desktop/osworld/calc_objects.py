"""What ``compare_table``'s object rules read from a sheet (an openpyxl worksheet), so that two sheets'
can be compared: the auto-filter (``filter``), data validations (``data_validation``), row and
column properties (``row_props``/``col_props``), charts (``chart``) and conditional formats (for
``style``).

Written for files LibreOffice Calc saves as much as for the expected files OSWorld ships (Excel or
openpyxl): LibreOffice writes every used row's height and every column's width where Excel leaves
defaults out, rounds sizes through its own units, writes a sheet's name unquoted in a chart's
ranges and anchors charts to two cells. Rows and columns are therefore compared one by one with
defaults for those a file leaves out, sizes within a tolerance, and chart ranges normalised.
"""

from __future__ import annotations

import re
from typing import Any

from palaestra.tasks.desktop.osworld.calc_match import match_value

#: Sizes LibreOffice writes differ from those asked for by rounding (1/100 mm inside LibreOffice)
#: and a default column is 8.43 characters wide in Excel, 8.54 in Calc: sizes within these match.
HEIGHT_TOLERANCE = 0.5  # points
WIDTH_TOLERANCE = 0.25  # characters


def auto_filter(sheet: Any) -> dict[str, Any]:
    """A sheet's auto-filter: its range, each filtered column's values or custom conditions, and its
    sort state (None when the file has none)."""
    found = sheet.auto_filter
    columns = []
    for column in sorted(found.filterColumn, key=lambda c: c.colId):
        entry: dict[str, Any] = {"col_id": column.colId, "hidden_button": bool(column.hiddenButton)}
        if column.filters is not None:
            entry["values"] = sorted(str(v) for v in column.filters.filter)
            entry["blank"] = bool(column.filters.blank)
        if column.customFilters is not None:
            conditions = column.customFilters.customFilter
            entry["all_of"] = bool(column.customFilters._and)
            entry["custom"] = sorted((c.operator or "equal", str(c.val)) for c in conditions)
        columns.append(entry)
    sort = found.sortState
    sorting = None
    if sort is not None:
        keys = [(c.ref, bool(c.descending), c.sortBy, c.customList) for c in sort.sortCondition]
        sorting = {"ref": sort.ref, "case": bool(sort.caseSensitive), "keys": keys}
    return {"ref": found.ref, "columns": columns, "sort": sorting}


def validations_match(sheet: Any, dv_props: list[dict[str, Any]]) -> bool:
    """OSWorld's test: the sheet has at least as many validations as ``dv_props`` lists, and each of
    its validations matches every attribute rule of one of them (``ranges`` is the cells it covers)."""
    found = sheet.data_validations.dataValidation
    if len(found) < len(dv_props):
        return False
    for validation in found:
        if not any(
            all(match_value(_dv_attribute(validation, name), rule) for name, rule in props.items())
            for props in dv_props
        ):
            return False
    return True


def _dv_attribute(validation: Any, name: str) -> Any:
    if name in ("ranges", "sqref"):
        return str(validation.sqref)
    return getattr(validation, name)


def same_dimensions(first: Any, second: Any, kind: str, props: list[str]) -> bool:
    """Whether two sheets' rows (``kind`` "row") or columns ("column") have the same ``props``, one
    by one over the rows/columns either file describes."""
    if kind == "row":
        sides = [_rows(first), _rows(second)]
        defaults = [_row_default(first), _row_default(second)]
    else:
        last = max(first.max_column, second.max_column, *_column_starts(first), *_column_starts(second))
        sides = [_columns(first, last), _columns(second, last)]
        defaults = [_column_default(first), _column_default(second)]
    for index in set(sides[0]) | set(sides[1]):
        one, other = (side.get(index, default) for side, default in zip(sides, defaults, strict=True))
        if not all(_same(prop, one, other) for prop in props):
            return False
    return True


def _same(prop: str, one: dict[str, Any], other: dict[str, Any]) -> bool:
    if prop in ("height", "width"):
        tolerance = HEIGHT_TOLERANCE if prop == "height" else WIDTH_TOLERANCE
        return bool(abs(one[prop] - other[prop]) <= tolerance)
    return bool(one[prop] == other[prop])


def _dims(entry: Any, size: str, default: float) -> dict[str, Any]:
    value = getattr(entry, size) or default
    found = {"hidden": bool(entry.hidden), "collapsed": bool(entry.collapsed), size: float(value)}
    found["outline_level"] = int(entry.outline_level or 0)
    if size == "width":
        found["auto_size"] = bool(entry.bestFit)
    return found


def _row_default(sheet: Any) -> dict[str, Any]:
    height = float(sheet.sheet_format.defaultRowHeight or 15)
    return {"hidden": False, "collapsed": False, "height": height, "outline_level": 0}


def _rows(sheet: Any) -> dict[int, dict[str, Any]]:
    height = _row_default(sheet)["height"]
    return {int(index): _dims(entry, "height", height) for index, entry in sheet.row_dimensions.items()}


def _column_default(sheet: Any) -> dict[str, Any]:
    form = sheet.sheet_format
    width = float(form.defaultColWidth or (form.baseColWidth or 8) + 0.43)
    return {"hidden": False, "collapsed": False, "width": width, "outline_level": 0, "auto_size": False}


def _column_starts(sheet: Any) -> list[int]:
    return [int(entry.min or 0) for entry in sheet.column_dimensions.values()]


def _columns(sheet: Any, last: int) -> dict[int, dict[str, Any]]:
    """Each column's props, openpyxl's groups (``min``..``max``, LibreOffice's last one reaching the
    sheet's 16384th column) spread over the columns up to ``last``."""
    from openpyxl.utils import column_index_from_string

    width = _column_default(sheet)["width"]
    found = {}
    for letter, entry in sheet.column_dimensions.items():
        start = int(entry.min or column_index_from_string(letter))
        for index in range(start, min(int(entry.max or start), last) + 1):
            found[index] = _dims(entry, "width", width)
    return found


# -- charts --------------------------------------------------------------------------------------

QUOTED_SHEET = re.compile(r"'((?:[^']|'')+)'!")


def charts(sheet: Any, props: list[str]) -> list[tuple[str, dict[str, Any]]]:
    """A sheet's charts, each as its data (the ranges of its series' values and categories) and the
    ``props`` asked for, in an order that does not depend on the file's."""
    found = []
    for chart in sheet._charts:
        series = ";".join(f"{_ref(s.val)},{_ref(s.cat)}" for s in chart.series)
        found.append((series, {prop: _chart_prop(chart, prop) for prop in props}))
    return sorted(found, key=repr)


def _ref(source: Any) -> str:
    """A series' range as text, the same however the file quotes the sheet's name or anchors it."""
    for kind in ("numRef", "strRef"):
        ref = getattr(source, kind, None)
        if ref is not None and ref.f:
            return plain_range(ref.f)
    return ""


def plain_range(text: str) -> str:
    """A range such as ``'My Sales'!$B$2:$B$5`` as ``My Sales!B2:B5``: how a writer quotes a sheet's
    name or anchors its cells does not change which cells it names."""
    return QUOTED_SHEET.sub(lambda m: m[1].replace("''", "'") + "!", text).replace("$", "")


def _chart_prop(chart: Any, prop: str) -> Any:
    if prop == "type":
        return chart.tagname
    if prop == "direction":
        return getattr(chart, "barDir", None)
    if prop == "legend":
        return chart.legend.position if chart.legend is not None else None
    if prop == "anchor":
        anchor = chart.anchor
        start, end = getattr(anchor, "_from", None), getattr(anchor, "to", None)
        corners = [getattr(corner, part, None) for corner in (start, end) for part in ("col", "row")]
        return corners  # a one-cell anchor has no end: None, None
    if prop == "title":
        return _title(chart.title)
    axis = getattr(chart, {"xtitle": "x_axis", "ytitle": "y_axis", "ztitle": "z_axis"}[prop], None)
    return _title(getattr(axis, "title", None))


def _title(title: Any) -> str | None:
    """A title's text, its runs joined (None when there is none or it is a cell reference)."""
    rich = getattr(getattr(title, "tx", None), "rich", None)
    if rich is None:
        return None
    return "\n".join("".join(run.t or "" for run in paragraph.r or []) for paragraph in rich.p)


# -- conditional formats -------------------------------------------------------------------------


def conditional_formats(sheet: Any) -> list[tuple[Any, ...]]:
    """A sheet's conditional formats as rules: the ranges, the condition (type, operator, formulas)
    and the format it applies (font, fill colours, number format), in an order that does not depend
    on the file's (priorities are left out: LibreOffice renumbers them).

    OSWorld evaluates the formats' formulas to style each cell; this desktop does not evaluate
    formulas, and compares the rules instead, so that a sheet without the format never passes."""
    found = []
    for formatting in sheet.conditional_formatting:
        for rule in formatting.rules:
            condition = (rule.type, rule.operator, tuple(rule.formula or ()), rule.text)
            found.append((str(formatting.sqref), condition, _differential(rule.dxf)))
    return sorted(found, key=repr)


def _differential(style: Any) -> tuple[Any, ...] | None:
    if style is None:
        return None
    font, fill, number = style.font, style.fill, style.numFmt
    shown = (font.b, font.i, font.u, _colour(font.color)) if font is not None else None
    filled = (
        (_colour(fill.fgColor), _colour(fill.bgColor))
        if fill is not None and hasattr(fill, "fgColor")
        else None
    )
    return shown, filled, number.formatCode if number is not None else None


def _colour(color: Any) -> str | None:
    return color.rgb if color is not None and color.type == "rgb" else None
