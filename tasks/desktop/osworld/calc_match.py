"""OSWorld's match rules, ``{"method": ..., "ref": ...}``, as ``check_cell``, ``zoom`` and
``data_validation`` use them: whether a value read from a workbook satisfies the rule.

The methods: ``eq ne lt le gt ge`` (Python's comparisons); ``re`` (a regex search in the value as
text), with flags as ``re.I`` or ``re.I.M``; ``approx:TOLERANCE`` (numbers within the tolerance);
``range.XY`` with ``ref: [low, high]`` (X and Y each ``t`` for strictly inside or ``e`` for
inside-or-equal, so ``range.te`` is ``low < v <= high``); ``str_list_eq`` and ``str_set_eq`` (the
value is comma-separated text, as a list validation's ``"Pass,Fail"``, equal to ``ref`` as a list
or as a set); ``spreadsheet_range`` with ``ref: [at_least, at_most]`` (cell ranges such as
``"D2:D29"``: the value's ranges cover the first and lie within the second).
"""

from __future__ import annotations

import operator
import re
from typing import Any

COMPARISONS = {"eq", "ne", "lt", "le", "gt", "ge"}
LIST_METHODS = {"str_list_eq", "str_set_eq", "spreadsheet_range"}
METHODS = (*sorted(COMPARISONS), "re", "re.FLAGS", "approx:TOLERANCE", "range.XY", *sorted(LIST_METHODS))
REGEX_FLAGS = frozenset(
    {"A", "ASCII", "I", "IGNORECASE", "L", "LOCALE", "M", "MULTILINE", "S", "DOTALL", "X", "VERBOSE"}
)
BOUNDS = {"t": operator.lt, "e": operator.le}


def match_value(value: Any, rule: dict[str, Any]) -> bool:
    """Whether ``value`` satisfies ``{"method": ..., "ref": ...}`` (an incomparable pair does not)."""
    method, ref = str(rule["method"]), rule["ref"]
    if method == "re" or method.startswith("re."):
        flags = 0
        for flag in method.split(".")[1:]:
            flags |= getattr(re, flag)
        return re.search(str(ref), "" if value is None else str(value), flags) is not None
    try:
        if method.startswith("approx:"):
            return abs(float(value) - float(ref)) <= float(method.split(":", 1)[1])
        if method.startswith("range."):
            low, high = BOUNDS[method[6]], BOUNDS[method[7]]
            return bool(low(ref[0], value) and high(value, ref[1]))
        if method in ("str_list_eq", "str_set_eq"):
            if not isinstance(value, str):
                return False
            items = value.strip("\"'").split(",")
            return items == list(ref) if method == "str_list_eq" else set(items) == set(ref)
        if method == "spreadsheet_range":
            return _within(ref[0], value) and _within(value, ref[1])
        return bool(getattr(operator, method)(value, ref))
    except (TypeError, ValueError):  # None < 3, "a" < 3, float("x"): not satisfied
        return False


def _within(inner: Any, outer: Any) -> bool:
    """Whether each range of ``inner`` lies within one range of ``outer`` (text such as
    ``"A1:B3 D5"``, or openpyxl's MultiCellRange)."""
    from openpyxl.worksheet.cell_range import MultiCellRange

    if inner is None or outer is None:
        return False
    covering = MultiCellRange(str(outer)).ranges
    return all(any(part.issubset(whole) for whole in covering) for part in MultiCellRange(str(inner)).ranges)


def method_ok(method: object, ref: object = None) -> bool:
    """Whether ``method`` is one of the methods above and ``ref`` has the shape it needs."""
    if not isinstance(method, str):
        return False
    if method in COMPARISONS or method == "re":
        return True
    if method.startswith("re."):
        return all(flag in REGEX_FLAGS for flag in method.split(".")[1:])
    if method.startswith("approx:"):
        try:
            return float(method.split(":", 1)[1]) >= 0
        except ValueError:
            return False
    pair = ref if isinstance(ref, list) and len(ref) == 2 else None
    if method.startswith("range."):
        return len(method) == 8 and method[6] in BOUNDS and method[7] in BOUNDS and pair is not None
    if method == "spreadsheet_range":
        return pair is not None and all(ranges_ok(part) for part in pair)
    return method in LIST_METHODS and isinstance(ref, list)


def ranges_ok(text: object) -> bool:
    """Whether ``text`` names cell ranges, as ``"A1:B6 D2"``."""
    from openpyxl.worksheet.cell_range import MultiCellRange

    try:
        return isinstance(text, str) and bool(MultiCellRange(text).ranges)
    except ValueError:
        return False
