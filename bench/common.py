"""What the measurements share: progress on stderr, percentiles in milliseconds, verdicts, results."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def log(message: str) -> None:
    """Progress, on stderr (stdout carries the results)."""
    print(message, file=sys.stderr, flush=True)


def percentile_ms(seconds: Sequence[float], q: float, digits: int = 2) -> float:
    """The `q`th percentile of durations in seconds, in milliseconds, rounded."""
    return round(float(np.percentile(np.asarray(seconds) * 1e3, q)), digits)


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The value at fraction `q` (0-1) of `values` sorted: a percentile that is always a measured value."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def emit(result: dict[str, Any], path: Path | None) -> int:
    """Print the result as JSON on stdout and, given a path, write it there too; exit status 0."""
    text = json.dumps(result, indent=1)
    print(text)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)  # a --json path in a folder not made yet
        path.write_text(text + "\n")
    return 0
