"""What the measurements share: progress on stderr, percentiles in milliseconds, verdicts."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np


def log(message: str) -> None:
    """Progress, on stderr (stdout carries the results)."""
    print(message, file=sys.stderr, flush=True)


def percentile_ms(seconds: Sequence[float], q: float, digits: int = 2) -> float:
    """The `q`th percentile of durations in seconds, in milliseconds, rounded."""
    return round(float(np.percentile(np.asarray(seconds) * 1e3, q)), digits)


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"
