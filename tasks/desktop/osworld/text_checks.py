"""OSWorld's checks of a text file a task leaves (its general metrics), written afresh with the same
names, arguments and semantics: the file holds every expected string, or as many lines stamped
with a time of day (``HH:MM:SS``, as ``sar`` prints them) as expected. A missing file scores 0."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: A time of day, as OSWorld's ``check_line_number`` finds it in a line.
TIME_OF_DAY = re.compile(r"([01]\d|2[0-3]):[0-5]\d:[0-5]\d")


def _text(path: Any) -> str | None:
    if not path or not Path(str(path)).is_file():
        return None
    try:
        return Path(str(path)).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def file_contains(path: Any, rules: dict[str, Any]) -> float:
    """Every string of ``rules["expected"]`` is in the file."""
    text = _text(path)
    return 0.0 if text is None else float(all(str(s) in text for s in rules["expected"]))


def check_line_number(path: Any, rules: dict[str, Any]) -> float:
    """The file has ``rules["expected"]`` lines holding a time of day (a number, or its text)."""
    text = _text(path)
    if text is None:
        return 0.0
    try:
        wanted = int(rules["expected"])
    except (TypeError, ValueError):
        return 0.0
    return float(sum(1 for line in text.splitlines() if TIME_OF_DAY.search(line)) == wanted)
