"""OSWorld's checks of a text file a task leaves (its general metrics), written afresh with the same
names, arguments and semantics: the file holds every expected string, or as many lines stamped
with a time of day (``HH:MM:SS``, as ``sar`` prints them) as expected, or (``check_list``) lines
that match every expected pattern and none that matches an unexpected one. A missing file scores 0."""

from __future__ import annotations

import re
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import file_text

#: A time of day, as OSWorld's ``check_line_number`` finds it in a line.
TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


def file_contains(path: Any, rules: dict[str, Any]) -> float:
    """Every string of ``rules["expected"]`` is in the file."""
    text = file_text(path)
    return 0.0 if text is None else float(all(str(s) in text for s in rules["expected"]))


def check_line_number(path: Any, rules: dict[str, Any]) -> float:
    """The file has ``rules["expected"]`` lines holding a time of day (a number, or its text)."""
    text = file_text(path)
    if text is None:
        return 0.0
    try:
        wanted = int(rules["expected"])
    except (TypeError, ValueError):
        return 0.0
    return float(sum(1 for line in text.splitlines() if TIME_OF_DAY.search(line)) == wanted)


def check_list(path: Any, rules: dict[str, Any]) -> float:
    """Each ``expect`` pattern (a regular expression) is found in some line, and no line holds an
    ``unexpect`` one (OSWorld lists a folder or the processes with a command and checks the lines)."""
    text = file_text(path)
    if text is None:
        return 0.0
    lines = text.splitlines()
    expect = [re.compile(p) for p in rules.get("expect", [])]
    unexpect = [re.compile(p) for p in rules.get("unexpect", [])]
    found = all(any(p.search(line) for line in lines) for p in expect)
    return float(found and not any(p.search(line) for p in unexpect for line in lines))


def check_list_rules(rules: Any, source: str, where: str) -> None:
    """``check_list``'s rules: ``expect``/``unexpect`` lists of regular expressions that compile."""
    if not isinstance(rules, dict) or not set(rules) <= {"expect", "unexpect"}:
        raise OSWorldTaskError(
            source, where, f'check_list takes {{"expect": [...], "unexpect": [...]}}, got {rules!r}'
        )
    for key, patterns in rules.items():
        if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
            raise OSWorldTaskError(
                source, where, f"check_list's {key!r} must be a list of regular expressions"
            )
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise OSWorldTaskError(
                    source, where, f"check_list's {key!r} pattern {pattern!r}: {exc}"
                ) from None
