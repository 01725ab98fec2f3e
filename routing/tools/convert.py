"""Unit conversion and calendar arithmetic tools (namespace `convert`).

Models convert units and count days unreliably, and tasks (shipping weights, travel distances,
"return within 30 days of March 3") need exact answers. Units are defined as exact rational
factors (and, for temperature, an offset) to the dimension's base unit, and converted with
`fractions.Fraction`, so the result is the correctly rounded float of the exact answer
(212 F is exactly 100 C, 1 mi is exactly 1.609344 km). Unit names are matched case-insensitively
through an alias table ("kilometers", "km", "Km"); an unknown name gets did-you-mean suggestions.

Dates are read in ISO (2025-03-03), US (03/03/2025) and long ("March 3, 2025") forms, never with
`strptime`, whose month names depend on the process locale.

This module holds the tools themselves (their signatures and docstrings are what a model sees);
the unit table is in ``_units`` and the reading of dates in ``_dates``.
"""

from __future__ import annotations

import datetime as dt
import math
from fractions import Fraction
from typing import Literal

from palaestra.routing.sources.python import api
from palaestra.routing.tools._common import OFFLINE, ConversionError
from palaestra.routing.tools._dates import _MONTH_NAMES, _WEEKDAYS, _shift_months, parse_date
from palaestra.routing.tools._units import _DIMENSIONS, Unit, find_unit

__all__ = ["Unit", "date_add", "date_diff", "date_format", "find_unit", "parse_date", "units", "weekday"]


@api(namespace="convert", annotations=OFFLINE)
def units(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a quantity between units (length, mass, volume, time, speed, temperature, data size).

    Exact factors (US customary gallon, metric tonne; KB/MB/GB are powers of 1000, KiB/MiB/GiB of
    1024). Unit names are case-insensitive and may be spelled out ("kilometers", "pounds", "mph").

    Args:
        value: The quantity to convert, in `from_unit`.
        from_unit: The unit of `value`, e.g. "km", "lb", "F", "GB", "cup".
        to_unit: The unit wanted, of the same kind as `from_unit`.

    Returns:
        The value expressed in `to_unit`.

    Examples:
        units(value=5, from_unit="km", to_unit="mi") -> 3.1068559611866697
        units(value=212, from_unit="F", to_unit="C") -> 100.0
    """
    source, target = find_unit(from_unit), find_unit(to_unit)
    if not math.isfinite(value):
        raise ConversionError(f"The value must be a finite number, got {value}.")
    if source.dimension != target.dimension:
        raise ConversionError(
            f"Cannot convert {source.symbol} to {target.symbol}: {source.dimension} vs {target.dimension}. "
            f"{target.dimension.capitalize()} units are {', '.join(_DIMENSIONS[target.dimension])}."
        )
    base = Fraction(value) * source.scale + source.offset
    if source.dimension == "temperature" and base < 0:
        raise ConversionError(f"{value:g} {source.symbol} is below absolute zero; check the value and unit.")
    return float((base - target.offset) / target.scale)


# -- dates ---------------------------------------------------------------------------------------


@api(namespace="convert", annotations=OFFLINE)
def date_add(date: str, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0) -> str:
    """Compute the date a number of days, weeks, months or years before or after a date.

    Use it for deadlines and "N days/months from" questions. Years and months are applied first and
    clamp to the month's end (2024-01-31 plus 1 month is 2024-02-29), then weeks and days. Negative
    amounts go back in time.

    Args:
        date: The starting date: YYYY-MM-DD, MM/DD/YYYY or "March 3, 2025".
        days: Days to add (negative to subtract).
        weeks: Weeks to add (negative to subtract).
        months: Calendar months to add (negative to subtract).
        years: Calendar years to add (negative to subtract).

    Returns:
        The resulting date as YYYY-MM-DD.

    Examples:
        date_add(date="2025-01-31", months=1) -> "2025-02-28"
    """
    start = parse_date(date)
    try:
        shifted = _shift_months(start, 12 * years + months)
        return (shifted + dt.timedelta(days=days, weeks=weeks)).isoformat()
    except OverflowError:
        raise ConversionError(f"The result falls outside the years {dt.MINYEAR}-{dt.MAXYEAR}.") from None


@api(namespace="convert", annotations=OFFLINE)
def date_diff(start: str, end: str, unit: Literal["days", "weeks"] = "days") -> int:
    """Count the days (or whole weeks) from one date to another; use it for "how long between" questions.

    Args:
        start: The earlier date: YYYY-MM-DD, MM/DD/YYYY or "March 3, 2025".
        end: The later date, in any of the same forms.
        unit: "days", or "weeks" for whole weeks (partial weeks are dropped).

    Returns:
        `end` minus `start` in the unit; negative when `end` comes before `start`.

    Examples:
        date_diff(start="2025-03-01", end="2025-03-15") -> 14
    """
    days = (parse_date(end) - parse_date(start)).days
    if unit == "weeks":
        return int(days / 7)  # toward zero, so -10 days is -1 whole week, as 10 days is 1
    return days


@api(namespace="convert", annotations=OFFLINE)
def weekday(date: str) -> str:
    """Tell which day of the week a date falls on (Monday ... Sunday).

    Args:
        date: The date: YYYY-MM-DD, MM/DD/YYYY or "March 3, 2025".

    Returns:
        The English weekday name, e.g. "Monday".
    """
    return _WEEKDAYS[parse_date(date).weekday()]


@api(namespace="convert", annotations=OFFLINE)
def date_format(date: str, format: Literal["iso", "us", "eu", "long"]) -> str:
    """Rewrite a date in another notation, e.g. to fill a form that wants MM/DD/YYYY.

    Args:
        date: The date: YYYY-MM-DD, MM/DD/YYYY or "March 3, 2025".
        format: "iso" (2025-03-03), "us" (03/03/2025, month first), "eu" (03/03/2025, day first) or
            "long" ("Monday, March 3, 2025").

    Returns:
        The date in the requested notation.
    """
    parsed = parse_date(date)
    if format == "us":
        return f"{parsed.month:02d}/{parsed.day:02d}/{parsed.year:04d}"
    if format == "eu":
        return f"{parsed.day:02d}/{parsed.month:02d}/{parsed.year:04d}"
    if format == "long":
        weekday_name = _WEEKDAYS[parsed.weekday()]
        return f"{weekday_name}, {_MONTH_NAMES[parsed.month - 1]} {parsed.day}, {parsed.year}"
    return parsed.isoformat()
