"""The rules of OSWorld's ``compare_table`` (its ``options.rules``), checked when a task file is loaded:
each rule's type, keys, sheet indices, cell properties and match methods, so that a rule this
desktop cannot judge is refused with a did-you-mean rather than scoring 0 mid-run.

A sheet index names a sheet of the result or of the expected workbook: ``0`` or ``"RI0"`` (the
result's first sheet), ``"RNSales"`` (the result's sheet named Sales), ``"EI0"`` and ``"ENSales"``
(the expected workbook's). A match rule is ``{"method": ..., "ref": ...}`` (`calc_match` lists the
methods). The rules that compare objects of two sheets name what they compare in a list: ``props``
of ``row_props``/``col_props``/``style``, ``chart_props``, ``pivot_props``; ``data_validation``
matches each validation of a sheet against ``dv_props``, a list of ``{attribute: match rule}``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from typing import Any

from palaestra.tasks.desktop.osworld.cache import is_internet
from palaestra.tasks.desktop.osworld.calc_fuzzy import check_fuzzy_rules
from palaestra.tasks.desktop.osworld.calc_match import METHODS, match_value, method_ok
from palaestra.tasks.desktop.osworld.calc_pivots import PIVOT_PROPS
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

__all__ = ["RULES", "SheetIndex", "check_rules", "check_table_spec", "match_value", "parse_sheet_index"]


@dataclass(frozen=True)
class RuleShape:
    """The keys a rule type needs and those it may have, and whether it reads the expected workbook
    whatever its indices say (``sheet_name`` compares both workbooks' names)."""

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needs_expected: bool = False


RULES: dict[str, RuleShape] = {
    "sheet_name": RuleShape((), needs_expected=True),
    "sheet_data": RuleShape(("sheet_idx0", "sheet_idx1"), ("precision",)),
    "check_cell": RuleShape(("sheet_idx", "coordinate", "props")),
    "freeze": RuleShape(("sheet_idx0", "sheet_idx1")),
    "zoom": RuleShape(("sheet_idx", "method", "ref")),
    "filter": RuleShape(("sheet_idx0", "sheet_idx1")),
    "data_validation": RuleShape(("sheet_idx", "dv_props")),
    "row_props": RuleShape(("sheet_idx0", "sheet_idx1", "props")),
    "col_props": RuleShape(("sheet_idx0", "sheet_idx1", "props")),
    "chart": RuleShape(("sheet_idx0", "sheet_idx1"), ("chart_props",)),
    "style": RuleShape(("sheet_idx0", "sheet_idx1", "props")),
    "pivot_table": RuleShape(("sheet_idx0", "sheet_idx1"), ("pivot_props",)),
    "sparkline": RuleShape(("sheet_idx0", "sheet_idx1")),
    "sheet_fuzzy": RuleShape(("sheet_idx0", "sheet_idx1", "rules")),
    "sheet_print": RuleShape(("sheet_idx0", "sheet_idx1"), ("ignore_case",)),
}
#: OSWorld rule types that exist but are not judged here, and why. None is left; a rule OSWorld
#: adds later without its judge goes here.
REFUSED_RULES: dict[str, str] = {}
#: The cell properties ``check_cell`` reads: the saved value, the formula, and style.
PROPS = (
    "value",
    "formula",
    "number_format",
    "font_name",
    "font_size",
    "font_bold",
    "font_italic",
    "font_underline",
    "font_color",
    "fill_type",
    "bgcolor",
    "fgcolor",
    "hyperlink",
    "merge",
)
#: The props ``style`` compares cell by cell over both sheets (check_cell's, less value and formula).
STYLE_PROPS = PROPS[2:]
#: What each object rule's list may name: its key, the names, and the names refused with the reason.
LISTS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "row_props": ("props", ("hidden", "height", "collapsed", "outline_level"), {}),
    "col_props": (
        "props",
        ("hidden", "width", "collapsed", "outline_level", "auto_size"),
        dict.fromkeys(("min", "max"), "columns are compared one by one, not as openpyxl's min..max groups"),
    ),
    "style": ("props", STYLE_PROPS, {}),
    "pivot_table": ("pivot_props", PIVOT_PROPS, {}),
    "chart": (
        "chart_props",
        ("type", "title", "legend", "anchor", "direction", "xtitle", "ytitle", "ztitle"),
        {
            p: "openpyxl does not read a chart's size from a file; compare `anchor`"
            for p in ("width", "height")
        },
    ),
}
#: The attributes of a data validation that ``dv_props`` may match (``ranges`` is its ``sqref``).
DV_ATTRIBUTES = (
    "ranges", "sqref", "type", "formula1", "formula2", "operator", "allowBlank", "showDropDown",
    "showInputMessage", "showErrorMessage", "error", "errorTitle", "errorStyle", "prompt",
    "promptTitle", "imeMode",
)  # fmt: skip
SHEET_INDEX = re.compile(r"(?P<side>[RE])(?:I(?P<index>[0-9]+)|N(?P<name>.+))", re.S)


@dataclass(frozen=True)
class SheetIndex:
    """A parsed sheet index: which workbook, and the sheet's position or name."""

    expected: bool
    position: int | None = None
    name: str | None = None


def parse_sheet_index(value: Any) -> SheetIndex | None:
    """The sheet a rule's index names, or None when it is not one of the forms above."""
    if isinstance(value, int) and not isinstance(value, bool):
        return SheetIndex(False, position=value) if value >= 0 else None
    match = SHEET_INDEX.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return None
    index = match["index"]
    return SheetIndex(match["side"] == "E", int(index) if index is not None else None, match["name"])


def check_rules(rules: object, has_expected: bool, source: str, where: str) -> None:
    """Refuse ``rules`` unless every rule is one this desktop judges, fully and rightly spelled."""
    if not isinstance(rules, list) or not rules:
        raise OSWorldTaskError(
            source, where, 'compare_table on a workbook needs "rules": [{"type": ...}, ...]'
        )
    for i, rule in enumerate(rules):
        at = f"{where}[{i}]"
        kind = rule.get("type") if isinstance(rule, dict) else None
        if not isinstance(rule, dict) or not isinstance(kind, str):
            raise OSWorldTaskError(source, at, 'each rule is {"type": ..., ...}')
        if kind not in RULES:
            raise UnsupportedEvaluatorError(
                source, at, "compare_table rule", kind, RULES, REFUSED_RULES.get(kind, "")
            )
        shape = RULES[kind]
        missing = [k for k in shape.required if k not in rule]
        if missing:
            raise OSWorldTaskError(source, at, f"a `{kind}` rule needs {missing}")
        for key in rule:
            if key != "type" and key not in shape.required + shape.optional:
                allowed = shape.required + shape.optional
                raise UnsupportedEvaluatorError(source, at, f"key of a `{kind}` rule", key, allowed)
        indices = [parse_sheet_index(rule[k]) for k in ("sheet_idx", "sheet_idx0", "sheet_idx1") if k in rule]
        if any(index is None for index in indices):
            raise OSWorldTaskError(
                source,
                at,
                "sheet indices are 0, 'RI0', 'RNSheet1', 'EI0' or 'ENSheet1' (result/expected, index/name)",
            )
        if (shape.needs_expected or any(index and index.expected for index in indices)) and not has_expected:
            raise OSWorldTaskError(
                source, at, f"this `{kind}` rule reads the expected workbook: give `expected`"
            )
        if kind == "check_cell":
            _check_props(rule["props"], source, at)
        if kind == "zoom" and not method_ok(rule["method"], rule["ref"]):
            raise UnsupportedEvaluatorError(source, at, "match method", str(rule["method"]), METHODS)
        if kind in LISTS:
            _check_list(kind, rule, source, at)
        if kind == "data_validation":
            _check_dv_props(rule["dv_props"], source, at)
        if kind == "sheet_fuzzy":
            check_fuzzy_rules(rule["rules"], source, at)
        if kind == "sheet_print" and not isinstance(rule.get("ignore_case", False), bool):
            raise OSWorldTaskError(source, at, f"`ignore_case` is true or false, got {rule['ignore_case']!r}")


def _check_props(props: object, source: str, where: str) -> None:
    if not isinstance(props, dict) or not props:
        raise OSWorldTaskError(
            source, where, 'check_cell needs "props": {"value": {"method": ..., "ref": ...}}'
        )
    for prop, rule in props.items():
        if prop not in PROPS:
            raise UnsupportedEvaluatorError(source, where, "check_cell prop", prop, PROPS)
        _check_match(prop, rule, source, where)


def _check_match(name: str, rule: object, source: str, where: str) -> None:
    if not isinstance(rule, dict) or "method" not in rule or "ref" not in rule:
        raise OSWorldTaskError(source, where, f'`{name}` needs {{"method": ..., "ref": ...}}')
    if not method_ok(rule["method"], rule["ref"]):
        raise UnsupportedEvaluatorError(
            source, where, "match method", str(rule["method"]), METHODS,
            "range.XY takes ref [low, high]; spreadsheet_range [ranges, ranges]; str_*_eq a list",
        )  # fmt: skip


def _check_list(kind: str, rule: dict[str, Any], source: str, where: str) -> None:
    key, names, refused = LISTS[kind]
    chosen = rule.get(key, [])
    if not isinstance(chosen, list) or not all(isinstance(name, str) for name in chosen):
        raise OSWorldTaskError(source, where, f'`{key}` of a `{kind}` rule is a list such as ["{names[0]}"]')
    if kind in ("row_props", "col_props", "style") and not chosen:
        raise OSWorldTaskError(
            source, where, f'a `{kind}` rule compares nothing without `{key}`: ["{names[0]}"]'
        )
    for name in chosen:
        if name not in names:
            raise UnsupportedEvaluatorError(source, where, f"{kind} prop", name, names, refused.get(name, ""))


def _check_dv_props(dv_props: object, source: str, where: str) -> None:
    if not isinstance(dv_props, list) or not dv_props or not all(isinstance(p, dict) and p for p in dv_props):
        raise OSWorldTaskError(
            source, where, 'data_validation needs "dv_props": [{"type": {"method": "eq", "ref": "list"}}]'
        )
    for props in dv_props:
        for attribute, rule in props.items():
            if attribute not in DV_ATTRIBUTES:
                raise UnsupportedEvaluatorError(
                    source, where, "data validation attribute", attribute, DV_ATTRIBUTES
                )
            _check_match(attribute, rule, source, where)


def _file_names(spec: dict[str, Any], source: str, where: str) -> list[str]:
    """The names of the files a getter gives the metric: its path, or for an internet URL (a
    ``cloud_file`` read from OSWorld's cache) its ``dest``, the name OSWorld saves it under (the
    URL's own ending, ``...&export=download``, says nothing about the file's type). A ``multi``
    getter lists several files but gives those at its ``gives`` indices (the first by default):
    the others are fetched beside them (`calc_print` reads a workbook's CSV print that way)."""
    paths, dests = spec.get("path", ""), spec.get("dest", "")
    if not spec.get("multi") or not isinstance(paths, list):
        return [str(dests) if is_internet(str(paths)) else str(paths)]
    dests = dests if isinstance(dests, list) else []
    named = [str(dests[i]) if is_internet(str(p)) and i < len(dests) else str(p) for i, p in enumerate(paths)]
    gives = spec.get("gives", [0])
    if not isinstance(gives, list):
        gives = [0]
    picked = [named[i] for i in gives if isinstance(i, int) and -len(named) <= i < len(named)]
    if len(picked) != 1:
        raise OSWorldTaskError(
            source, where, f"compare_table reads one file of each side, but `gives` picks {len(picked)}: "
            f"{picked}; give one index, e.g. \"gives\": [0]",
        )  # fmt: skip
    return picked


#: The workbook files compare_table's rules read: xlsx as they are, .ods and .xls through an xlsx
#: copy LibreOffice makes when judging (`calc_convert`).
WORKBOOKS = (".xlsx", ".xlsm", ".ods", ".xls")


def check_table_spec(result: Any, expected: Any, options: dict[str, Any], source: str, where: str) -> None:
    """``compare_table``'s files and rules: two CSV files compared cell by cell (no rules), or
    workbooks (xlsx, or .ods/.xls converted to xlsx when judged) with rules."""
    paths = [
        n for spec in (result, expected) if isinstance(spec, dict) for n in _file_names(spec, source, where)
    ]
    extensions = {posixpath.splitext(p)[1].lower() for p in paths}
    rules = options.get("rules")
    if rules is None:
        if extensions - {".csv"} or expected is None:
            raise UnsupportedEvaluatorError(
                source, where, "compare_table file", ", ".join(paths), (".csv",),
                'without "rules" it compares two CSV files; workbooks need rules such as '
                '[{"type": "sheet_data", "sheet_idx0": 0, "sheet_idx1": "EI0"}]',
            )  # fmt: skip
        return
    if extensions - set(WORKBOOKS):
        raise UnsupportedEvaluatorError(
            source, where, "compare_table file", ", ".join(paths), WORKBOOKS,
            "its rules read spreadsheets (xlsx with openpyxl; .ods and .xls through an xlsx copy); "
            "save the result as one of these",
        )  # fmt: skip
    check_rules(rules, expected is not None, source, where.replace("func", "options") + ".rules")
