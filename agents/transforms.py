"""Typed values that are a goal's argument in another format.

An exemplar typed "marcella" for 'Type "MARCELLA" in all lower case letters', "2010-05-20" for
"Enter 05/20/2010 as the date" and "21:37" for "Enter 9:37 PM as the time". Substituting strings
cannot carry these over; finding which of a few common formattings turns the exemplar's argument
into what it typed, and formatting the new argument the same way, does. The formats are generic
(case, ISO dates, 24-hour times), not tied to any task.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

Transform = Callable[[str], "str | None"]
DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
TIME = re.compile(r"^(\d{1,2}):(\d{2})\s*([AaPp][Mm])$")


def _iso_date(text: str) -> str | None:
    m = DATE.match(text)
    return f"{m[3]}-{int(m[1]):02d}-{int(m[2]):02d}" if m else None


def _short_date(text: str) -> str | None:
    m = DATE.match(text)
    return f"{int(m[1])}/{int(m[2])}/{m[3]}" if m else None


def _hour24(m: re.Match[str]) -> int:
    hour = int(m[1]) % 12
    return hour + 12 if m[3].lower() == "pm" else hour


def _time_24h(text: str) -> str | None:
    m = TIME.match(text)
    return f"{_hour24(m):02d}:{m[2]}" if m else None


def _time_24h_short(text: str) -> str | None:
    m = TIME.match(text)
    return f"{_hour24(m)}:{m[2]}" if m else None


#: Tried in order; the first that turns the exemplar's argument into the typed value wins.
TRANSFORMS: tuple[tuple[str, Transform], ...] = (
    ("same", lambda s: s),
    ("lower", str.lower),
    ("upper", str.upper),
    ("title", str.title),
    ("iso-date", _iso_date),
    ("short-date", _short_date),
    ("24h-time", _time_24h),
    ("24h-time-short", _time_24h_short),
)


def carry(value: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    """``value`` rewritten for the new goal if it is, whole, a formatting of one of the exemplar's
    arguments (``pairs`` maps them to the new goal's, longest first); None if it is not."""
    for old, new in pairs:
        for _, transform in TRANSFORMS:
            if transform(old) == value:
                result = transform(new)
                if result is not None:
                    return result
    return None
