"""Unit conversion and calendar arithmetic tools (namespace `convert`).

Models convert units and count days unreliably, and tasks (shipping weights, travel distances,
"return within 30 days of March 3") need exact answers. Units are defined as exact rational
factors (and, for temperature, an offset) to the dimension's base unit, and converted with
`fractions.Fraction`, so the result is the correctly rounded float of the exact answer
(212 F is exactly 100 C, 1 mi is exactly 1.609344 km). Unit names are matched case-insensitively
through an alias table ("kilometers", "km", "Km"); an unknown name gets did-you-mean suggestions.

Dates are read in ISO (2025-03-03), US (03/03/2025) and long ("March 3, 2025") forms, never with
`strptime`, whose month names depend on the process locale.
"""

from __future__ import annotations

import calendar
import datetime as dt
import difflib
import math
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from palaestra.routing.sources.python import api
from palaestra.routing.tools._common import OFFLINE, ConversionError


@dataclass(frozen=True)
class Unit:
    """A unit as an affine map to its dimension's base unit: `base = value * scale + offset`."""

    symbol: str
    dimension: str
    scale: Fraction
    offset: Fraction = Fraction(0)


_INCH = Fraction(254, 10_000)  # metres, exact by definition
_POUND = Fraction(45_359_237, 100_000_000)  # kilograms, exact by definition
_GALLON = Fraction(3_785_411_784, 1_000_000_000)  # litres (US liquid gallon), exact
_MILE = 5280 * 12 * _INCH
_HOUR = Fraction(3600)
_FIVE_NINTHS = Fraction(5, 9)
_ZERO_C = Fraction(27_315, 100)

#: (unit, aliases). Aliases are matched lower-cased; plurals of spelled-out names are added below.
_UNIT_TABLE: tuple[tuple[Unit, tuple[str, ...]], ...] = (
    (Unit("mm", "length", Fraction(1, 1000)), ("millimeter", "millimetre")),
    (Unit("cm", "length", Fraction(1, 100)), ("centimeter", "centimetre")),
    (Unit("m", "length", Fraction(1)), ("meter", "metre")),
    (Unit("km", "length", Fraction(1000)), ("kilometer", "kilometre", "kms")),
    (Unit("in", "length", _INCH), ("inch", "inches", '"')),
    (Unit("ft", "length", 12 * _INCH), ("foot", "feet", "'")),
    (Unit("yd", "length", 36 * _INCH), ("yard", "yds")),
    (Unit("mi", "length", _MILE), ("mile",)),
    (Unit("mg", "mass", Fraction(1, 1_000_000)), ("milligram",)),
    (Unit("g", "mass", Fraction(1, 1000)), ("gram", "gr")),
    (Unit("kg", "mass", Fraction(1)), ("kilogram", "kilo", "kgs")),
    (Unit("lb", "mass", _POUND), ("pound", "lbs")),
    (Unit("oz", "mass", _POUND / 16), ("ounce",)),
    (Unit("t", "mass", Fraction(1000)), ("tonne", "metric ton", "metric tonne")),
    (Unit("ml", "volume", Fraction(1, 1000)), ("milliliter", "millilitre")),
    (Unit("l", "volume", Fraction(1)), ("liter", "litre", "ltr")),
    (Unit("gal", "volume", _GALLON), ("gallon", "us gallon", "gal (us)", "gals")),
    (Unit("qt", "volume", _GALLON / 4), ("quart", "qts")),
    (Unit("pt", "volume", _GALLON / 8), ("pint", "pts")),
    (Unit("cup", "volume", _GALLON / 16), ("cups",)),
    (Unit("floz", "volume", _GALLON / 128), ("fl oz", "fluid ounce", "fl. oz", "fl.oz")),
    (Unit("s", "time", Fraction(1)), ("second", "sec", "secs")),
    (Unit("min", "time", Fraction(60)), ("minute", "mins")),
    (Unit("h", "time", _HOUR), ("hour", "hr", "hrs")),
    (Unit("day", "time", 24 * _HOUR), ("d",)),
    (Unit("week", "time", 7 * 24 * _HOUR), ("wk", "wks")),
    (Unit("m/s", "speed", Fraction(1)), ("meters per second", "metres per second", "mps")),
    (Unit("km/h", "speed", 1000 / _HOUR), ("kilometers per hour", "kilometres per hour", "kph", "kmh")),
    (Unit("mph", "speed", _MILE / _HOUR), ("miles per hour", "mi/h")),
    (Unit("knot", "speed", 1852 / _HOUR), ("kn", "kt", "kts")),
    (Unit("C", "temperature", Fraction(1), _ZERO_C), ("celsius", "centigrade", "degc", "deg c")),
    (
        Unit("F", "temperature", _FIVE_NINTHS, _ZERO_C - 32 * _FIVE_NINTHS),
        ("fahrenheit", "degf", "deg f"),
    ),
    (Unit("K", "temperature", Fraction(1)), ("kelvin",)),
    (Unit("B", "data", Fraction(1)), ("byte",)),
    (Unit("KB", "data", Fraction(1000)), ("kilobyte", "kbyte")),
    (Unit("MB", "data", Fraction(1000**2)), ("megabyte", "mbyte")),
    (Unit("GB", "data", Fraction(1000**3)), ("gigabyte", "gbyte")),
    (Unit("TB", "data", Fraction(1000**4)), ("terabyte", "tbyte")),
    (Unit("KiB", "data", Fraction(1024)), ("kibibyte",)),
    (Unit("MiB", "data", Fraction(1024**2)), ("mebibyte",)),
    (Unit("GiB", "data", Fraction(1024**3)), ("gibibyte",)),
    (Unit("TiB", "data", Fraction(1024**4)), ("tebibyte",)),
)


def _build_aliases() -> dict[str, Unit]:
    """Lower-cased symbol, alias and plural -> unit; fails at import if two units share a name."""
    aliases: dict[str, Unit] = {}
    for unit, names in _UNIT_TABLE:
        words = [n for n in (unit.symbol, *names) if len(n) >= 3 and n.replace(" ", "").isalpha()]
        plurals = [f"{n}s" for n in words if not n.endswith("s")]
        for name in (unit.symbol, *names, *plurals):
            key = name.lower()
            if key in aliases and aliases[key] is not unit:
                raise AssertionError(f"unit alias {key!r} is ambiguous")  # a table bug, caught at import
            aliases[key] = unit
    return aliases


_ALIASES = _build_aliases()
#: The names suggestions are drawn from: symbols and written aliases, not the generated plurals.
_SUGGESTABLE = {name.lower(): unit for unit, names in _UNIT_TABLE for name in (unit.symbol, *names)}
_DIMENSIONS: dict[str, list[str]] = {}
for _unit, _ in _UNIT_TABLE:
    _DIMENSIONS.setdefault(_unit.dimension, []).append(_unit.symbol)
_KNOWN_UNITS = "; ".join(f"{dim}: {', '.join(symbols)}" for dim, symbols in _DIMENSIONS.items())


def find_unit(name: str) -> Unit:
    """The unit called `name` (symbol or alias, any case); `ConversionError` with suggestions if none."""
    key = " ".join(name.lower().replace("°", " ").split())
    bare = re.sub(r"^deg(?:ree)?s?\s+", "", key)  # "degrees celsius", "deg F"
    for candidate in (key, bare, key.replace(" per ", "/"), key.replace(" ", "")):
        if candidate in _ALIASES:
            return _ALIASES[candidate]
    raise ConversionError(f"Unknown unit `{name}`.{_suggest(key)} Known units: {_KNOWN_UNITS}.")


def _suggest(key: str) -> str:
    """ " Did you mean: `kilometer` (km)?" for the closest names, one per unit, or ""."""
    picked: dict[str, str] = {}
    for close in difflib.get_close_matches(key, _SUGGESTABLE, n=8, cutoff=0.6):
        symbol = _SUGGESTABLE[close].symbol
        if symbol not in picked and len(picked) < 3:
            picked[symbol] = f"`{symbol}`" if close == symbol.lower() else f"`{close}` ({symbol})"
    return f" Did you mean: {', '.join(picked.values())}?" if picked else ""


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
