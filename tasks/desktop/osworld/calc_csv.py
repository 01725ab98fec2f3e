"""OSWorld's CSV comparisons: ``compare_csv`` (line by line) and ``compare_table`` without rules
(Palaestra's own use: cell by cell). A file that is missing scores 0."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any


def _text(path: Any) -> str | None:
    try:
        return Path(str(path)).read_text(encoding="utf-8", errors="replace") if path else None
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def compare_csv_cells(result: Any, expected: Any) -> float:
    """Two CSV files with the same cells (blank rows ignored)."""
    got, want = _text(result), _text(expected)
    if got is None or want is None:
        return 0.0
    parse = lambda text: [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]  # noqa: E731
    return float(parse(got) == parse(want))


def compare_csv(result: Any, expected: Any, strict: bool = True, ignore_case: bool = False) -> float:
    """Two CSV (text) files with the same lines; ``strict: false`` ignores blanks around each line."""
    got, want = _text(result), _text(expected)
    if got is None or want is None:
        return 0.0
    lines = [got.splitlines(), want.splitlines()]
    if not strict:
        lines = [[line.strip() for line in side] for side in lines]
    if ignore_case:
        lines = [[line.lower() for line in side] for side in lines]
    return float(lines[0] == lines[1])
