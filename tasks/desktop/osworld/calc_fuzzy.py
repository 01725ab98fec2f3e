"""``compare_table``'s ``sheet_fuzzy`` rule: cells of two sheets compared range by range as text,
after the clean-ups each of its ``rules`` asks for, by inclusion, equality or fuzzy similarity.

Each rule is ``{"range": ["A1:B6", ...], "type": ..., ...}`` with the type one of ``exact_match``,
``includes`` (the first sheet's text contains the second's), ``included_by`` (the reverse) or
``fuzzy_match`` (OSWorld's indel similarity, 0-100, at least ``threshold``, 85 by default); before
comparing, ``normalization`` pairs are replaced (``[["Rd", "Road"]]``), ``trim_leadings`` and
``trim_trailings`` characters stripped, ``ignore_chars`` removed and, with ``ignore_case``, case
ignored. A cell's text is as OSWorld reads it from the file: numbers (and dates, as Excel's serial
days) as floats (``10.0``), an empty, true/false or error cell as ``None``.
"""

from __future__ import annotations

import datetime
from typing import Any

from palaestra.tasks.desktop.osworld.calc_match import ranges_ok
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

MATCH_TYPES = ("exact_match", "includes", "included_by", "fuzzy_match")
#: Each optional key of a fuzzy rule, the JSON types it takes, and their name in an error.
OPTIONS: dict[str, tuple[tuple[type, ...], str]] = {
    "threshold": ((int, float), "number"),
    "ignore_case": ((bool,), "true or false"),
    "ignore_chars": ((str,), "text"),
    "trim_leadings": ((str,), "text"),
    "trim_trailings": ((str,), "text"),
    "normalization": ((list,), "list"),
}


def check_fuzzy_rules(rules: object, source: str, where: str) -> None:
    """Refuse a ``sheet_fuzzy`` rule's ``rules`` unless each is well formed."""
    if not isinstance(rules, list) or not rules or not all(isinstance(rule, dict) for rule in rules):
        raise OSWorldTaskError(
            source, where, 'sheet_fuzzy needs "rules": [{"range": ["A1:B6"], "type": "exact_match"}]'
        )
    for rule in rules:
        for key, value in rule.items():
            if key not in ("range", "type", *OPTIONS):
                raise UnsupportedEvaluatorError(
                    source, where, "sheet_fuzzy rule key", key, ("range", "type", *OPTIONS)
                )
            if key in OPTIONS and not _typed(key, value):
                raise OSWorldTaskError(source, where, f"sheet_fuzzy's `{key}` takes {OPTIONS[key][1]}")
        if rule.get("type") not in MATCH_TYPES:
            raise UnsupportedEvaluatorError(
                source, where, "sheet_fuzzy type", str(rule.get("type")), MATCH_TYPES
            )
        if not _ranges_ok(rule.get("range")):
            raise OSWorldTaskError(source, where, 'sheet_fuzzy\'s "range" is cell ranges: ["A1:B6", "C2:E5"]')
        pairs = rule.get("normalization", [])
        if not all(isinstance(p, list) and len(p) == 2 and all(isinstance(t, str) for t in p) for p in pairs):
            raise OSWorldTaskError(source, where, 'sheet_fuzzy\'s "normalization" is [["from", "to"], ...]')


def _typed(key: str, value: object) -> bool:
    types = OPTIONS[key][0]
    return isinstance(value, types) and (bool in types or not isinstance(value, bool))  # True is no number


def _ranges_ok(ranges: object) -> bool:
    texts = [ranges] if isinstance(ranges, str) else ranges
    if not isinstance(texts, list) or not texts or not all(isinstance(text, str) for text in texts):
        return False
    return ranges_ok(" ".join(texts))


def sheets_match(first: Any, second: Any, rules: list[dict[str, Any]]) -> bool:
    """Whether every cell of every rule's ranges compares as the rule says between the two sheets."""
    from openpyxl.worksheet.cell_range import MultiCellRange

    for rule in rules:
        ranges = rule["range"] if isinstance(rule["range"], list) else [rule["range"]]
        for part in MultiCellRange(" ".join(ranges)).ranges:
            for row, column in part.cells:
                one, other = (_clean(_text(sheet, row, column), rule) for sheet in (first, second))
                if not _compare(one, other, rule):
                    return False
    return True


def _text(sheet: Any, row: int, column: int) -> str:
    from openpyxl.utils.datetime import to_excel

    cell = sheet._cells.get((row, column))  # no new cells in the shared workbook
    value = None if cell is None or cell.data_type in ("b", "e") else cell.value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time | datetime.timedelta):
        value = to_excel(value, sheet.parent.epoch)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)
    return str(value)


def _clean(text: str, rule: dict[str, Any]) -> str:
    for old, new in rule.get("normalization", []):
        text = text.replace(old, new)
    if "trim_leadings" in rule:
        text = text.lstrip(rule["trim_leadings"])
    if "trim_trailings" in rule:
        text = text.rstrip(rule["trim_trailings"])
    if "ignore_chars" in rule:
        text = "".join(ch for ch in text if ch not in rule["ignore_chars"])
    return text.lower() if rule.get("ignore_case", False) else text


def _compare(one: str, other: str, rule: dict[str, Any]) -> bool:
    kind = rule["type"]
    if kind == "includes":
        return other in one
    if kind == "included_by":
        return one in other
    if kind == "fuzzy_match":
        from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio

        return indel_ratio(one, other) * 100 >= float(rule.get("threshold", 85))
    return one == other
