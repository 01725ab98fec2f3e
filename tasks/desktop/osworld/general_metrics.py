"""OSWorld's general metrics (its ``general.py`` and ``basic_os.py`` kind), written afresh with the
same names and arguments: values, lists and text compared, fuzzy matching by normalized indel
similarity, text and CSV files checked against rules. A missing result scores 0; the registry of
all metrics is `metrics`.
"""

from __future__ import annotations

import csv
import io
import re
from difflib import SequenceMatcher
from typing import Any

from palaestra.tasks.desktop.osworld.getters import FilePath, file_text


def _text(result: Any) -> str | None:
    """A result as text: a file getter's file is read, anything else is taken as it is."""
    if isinstance(result, FilePath):
        return file_text(result)
    return None if result is None else str(result)


def exact_match(result: Any, rules: dict[str, Any]) -> float:
    return float(result is not None and result == rules["expected"])


def match_in_list(result: Any, rules: dict[str, Any]) -> float:
    return float(result is not None and result in rules["expected"])


def is_in_list(result: Any, rules: dict[str, Any]) -> float:
    return float(result is not None and rules["expected"] in result)


def check_include_exclude(result: Any, rules: dict[str, Any]) -> float:
    text = _text(result)
    if text is None:
        return 0.0
    include, exclude = rules.get("include", []), rules.get("exclude", [])
    return float(all(s in text for s in include) and not any(s in text for s in exclude))


def literal_match(result: Any, expected: Any, type: str = "str", ignore_case: bool = False) -> float:
    """Equal as strings (``type: str``, optionally ignoring case) or as lists of strings (``list``)."""
    if result is None:
        return 0.0
    if type == "list":
        if not isinstance(result, list | tuple) or not isinstance(expected, list | tuple):
            return 0.0
        fold = (lambda s: str(s).lower()) if ignore_case else str
        return float([fold(r) for r in result] == [fold(e) for e in expected])
    got, want = str(result), str(expected)
    return float(got.lower() == want.lower() if ignore_case else got == want)


def indel_ratio(a: str, b: str) -> float:
    """2·LCS / (len a + len b): the normalized similarity OSWorld's fuzzy_match scores by, computed
    as OSWorld computes it (rapidfuzz's ratio over 100), so the two agree to the last bit."""
    from rapidfuzz import fuzz

    return float(fuzz.ratio(a, b)) / 100


def fuzzy_match(result: Any, rules: dict[str, Any]) -> float:
    text = _text(result)
    return 0.0 if text is None else indel_ratio(str(rules["expected"]), text)


def _normalise(text: str, ignore_blanks: bool, ignore_case: bool) -> str:
    if ignore_blanks:
        text = re.sub(r"\s+", " ", text).strip()
    return text.lower() if ignore_case else text


def compare_text_file(
    actual: Any, expected: Any, ignore_blanks: bool = False, ignore_case: bool = False
) -> float:
    got, want = file_text(actual), file_text(expected)
    if got is None or want is None:
        return 0.0
    return float(_normalise(got, ignore_blanks, ignore_case) == _normalise(want, ignore_blanks, ignore_case))


def diff_text_file(actual: Any, expected: Any) -> float:
    """How alike two text files are, as OSWorld measures it: the similarity of their lists of lines
    (a line differing by one letter counts as a whole line changed)."""
    got, want = file_text(actual), file_text(expected)
    if got is None or want is None:
        return 0.0
    return SequenceMatcher(None, got.splitlines(), want.splitlines()).ratio()


def _rows(path: Any) -> list[dict[str, str]] | None:
    text = file_text(path)
    return None if text is None else list(csv.DictReader(io.StringIO(text)))


def check_csv(result: Any, rules: dict[str, Any]) -> float:
    """Every ``expect`` row (a dict of column -> value) matches some row; no ``unexpect`` row does."""
    rows = _rows(result)
    if rows is None:
        return 0.0

    def present(wanted: dict[str, Any]) -> bool:
        return any(all(row.get(k) == str(v) for k, v in wanted.items()) for row in rows)

    expect, unexpect = rules.get("expect", []), rules.get("unexpect", [])
    return float(all(present(r) for r in expect) and not any(present(r) for r in unexpect))
