"""Reading dates for the ``convert/date_*`` tools: ISO, US (MM/DD/YYYY) and long ("March 3, 2025")
forms, with English month and weekday names spelled out, and whole-month arithmetic.

Apart from the tools (``palaestra.routing.tools.convert``) because the parsing is the part with
rules of its own (a stated weekday must match the date; slashes are read month first).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from palaestra.routing.tools._common import ConversionError

# English names spelled out here: `calendar.month_name` and `strftime` follow the process locale.
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
_MONTHS = {name.lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)}
_MONTHS.update({name[:3].lower(): number for number, name in enumerate(_MONTH_NAMES, start=1)})
_MONTHS["sept"] = 9
_ISO_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_ISO_TIMESTAMP = re.compile(r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}[\d:.+\-Z]*")
_US_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_WEEKDAY_PREFIX = r"(?:(?P<weekday>[A-Za-z]+),?\s+)?"
_MONTH_FIRST = re.compile(
    _WEEKDAY_PREFIX + r"(?P<month>[A-Za-z]+)\.?\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})",
    re.IGNORECASE,
)
_DAY_FIRST = re.compile(
    _WEEKDAY_PREFIX
    + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>[A-Za-z]+)\.?,?\s+(?P<year>\d{4})",
    re.IGNORECASE,
)
_FORMATS_HELP = "Write dates as YYYY-MM-DD (2025-03-03), MM/DD/YYYY (03/03/2025) or 'March 3, 2025'."


def parse_date(text: str) -> dt.date:
    """Read an ISO, US (MM/DD/YYYY) or long ("March 3, 2025") date; `ConversionError` otherwise."""
    cleaned = " ".join(text.strip().split())
    try:
        if match := _ISO_DATE.fullmatch(cleaned):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _ISO_TIMESTAMP.fullmatch(cleaned):
            return dt.date.fromisoformat(match[1])  # a timestamp: keep its date
        if match := _US_DATE.fullmatch(cleaned):
            month, day, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError as exc:
                raise ValueError(f"{exc} (dates with slashes are read month first, MM/DD/YYYY)") from None
        if match := _MONTH_FIRST.fullmatch(cleaned) or _DAY_FIRST.fullmatch(cleaned):
            return _long_date(match, text)
    except ConversionError:
        raise
    except ValueError as exc:
        raise ConversionError(f"`{text}` is not a valid date: {exc}. {_FORMATS_HELP}") from None
    raise ConversionError(f"Cannot read the date `{text}`. {_FORMATS_HELP}")


def _long_date(match: re.Match[str], text: str) -> dt.date:
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        raise ConversionError(f"`{match['month']}` in `{text}` is not a month name. {_FORMATS_HELP}")
    parsed = dt.date(int(match["year"]), month, int(match["day"]))
    stated = match["weekday"]
    if stated is not None:
        actual = _WEEKDAYS[parsed.weekday()]
        if not actual.lower().startswith(stated.lower()[:3]):
            raise ConversionError(f"`{text}` is inconsistent: {parsed.isoformat()} is a {actual}.")
    return parsed


def _shift_months(date: dt.date, months: int) -> dt.date:
    """Move by whole months, clamping the day to the target month's length (Jan 31 + 1 -> Feb 28/29)."""
    index = date.year * 12 + (date.month - 1) + months
    year, month = divmod(index, 12)
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise ConversionError(f"The result falls outside the years {dt.MINYEAR}-{dt.MAXYEAR}.")
    day = min(date.day, calendar.monthrange(year, month + 1)[1])
    return dt.date(year, month + 1, day)
