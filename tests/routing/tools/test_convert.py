"""Unit and date conversion: values, aliases, and errors that name the problem."""

from __future__ import annotations

from typing import Any

import pytest

from palaestra.routing.tools import (
    ConversionError,
    date_add,
    date_diff,
    date_format,
    parse_date,
    units,
    weekday,
)

# -- units -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "source", "target", "expected"),
    [
        (1, "km", "m", 1000.0),
        (5, "km", "mi", 3.1068559611866697),
        (1, "mi", "km", 1.609344),
        (12, "in", "ft", 1.0),
        (3, "ft", "yd", 1.0),
        (25.4, "mm", "in", 1.0),
        (1, "m", "cm", 100.0),
        (1, "lb", "kg", 0.45359237),
        (16, "oz", "lb", 1.0),
        (1, "t", "kg", 1000.0),
        (1500, "mg", "g", 1.5),
        (1, "gal", "l", 3.785411784),
        (1, "gal", "qt", 4.0),
        (1, "qt", "pt", 2.0),
        (1, "pt", "cup", 2.0),
        (1, "cup", "floz", 8.0),
        (1, "l", "ml", 1000.0),
        (1.5, "h", "min", 90.0),
        (1, "week", "day", 7.0),
        (1, "day", "s", 86400.0),
        (36, "km/h", "m/s", 10.0),
        (10, "knot", "km/h", 18.52),
        (60, "mph", "km/h", 96.56064),
        (212, "F", "C", 100.0),
        (100, "C", "F", 212.0),
        (-40, "C", "F", -40.0),
        (0, "C", "K", 273.15),
        (0, "K", "F", -459.67),
        (1, "GB", "MB", 1000.0),
        (1, "TB", "GB", 1000.0),
        (1, "KB", "B", 1000.0),
        (1, "GiB", "MiB", 1024.0),
        (1, "GiB", "MB", 1073.741824),
        (1, "MiB", "KiB", 1024.0),
    ],
)
def test_unit_conversions(value: float, source: str, target: str, expected: float) -> None:
    assert units(value, source, target) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("kilometers", "meters", 3000.0),
        ("Km", "M", 3000.0),
        ("KILOMETRES", "metre", 3000.0),
        ("miles per hour", "km per h", 4.828032),
        ("degrees Fahrenheit", "°C", -16.11111111111111),
        ("metric tons", "kilograms", 3000.0),
        ("fl oz", "milliliters", 88.7205886875),
        ("hrs", "mins", 180.0),
        ("kibibytes", "bytes", 3072.0),
        ("feet", "inches", 36.0),
    ],
)
def test_unit_aliases_and_case(source: str, target: str, expected: float) -> None:
    assert units(3, source, target) == pytest.approx(expected, rel=1e-12)


def test_unknown_unit_suggests_close_names() -> None:
    with pytest.raises(ConversionError) as caught:
        units(1, "kilomter", "m")
    message = str(caught.value)
    assert message.startswith("Unknown unit `kilomter`. Did you mean: `kilometer` (km)")
    assert "length: mm, cm, m, km, in, ft, yd, mi" in message
    with pytest.raises(ConversionError, match=r"Did you mean: `celsius` \(C\)"):
        units(1, "celcius", "F")


@pytest.mark.parametrize(
    ("source", "target", "needle"),
    [
        ("kg", "m", "Cannot convert kg to m: mass vs length"),
        ("kilograms", "miles", "Cannot convert kg to mi: mass vs length"),
        ("C", "km/h", "Cannot convert C to km/h: temperature vs speed"),
        ("GB", "s", "Cannot convert GB to s: data vs time"),
    ],
)
def test_incompatible_units_name_both_dimensions(source: str, target: str, needle: str) -> None:
    with pytest.raises(ConversionError) as caught:
        units(1, source, target)
    assert needle in str(caught.value)


def test_temperatures_below_absolute_zero_are_refused() -> None:
    with pytest.raises(ConversionError, match="below absolute zero"):
        units(-300, "C", "F")


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2025-03-03",
        "2025-3-3",
        "03/03/2025",
        "3/3/2025",
        "March 3, 2025",
        "march 3 2025",
        "Mar. 3, 2025",
        "Monday, March 3, 2025",
        "3 March 2025",
        "2025-03-03T14:30:00",
    ],
)
def test_dates_are_read_in_iso_us_and_long_forms(text: str) -> None:
    assert parse_date(text).isoformat() == "2025-03-03"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("tomorrow", "Cannot read the date `tomorrow`. Write dates as YYYY-MM-DD"),
        ("2025-02-30", "not a valid date: day is out of range for month"),
        ("2023-02-29", "not a valid date: day is out of range for month"),
        ("31/12/2025", "read month first, MM/DD/YYYY"),
        ("Smarch 3, 2025", "`Smarch` in `Smarch 3, 2025` is not a month name"),
        ("Tuesday, March 3, 2025", "2025-03-03 is a Monday"),
    ],
)
def test_unreadable_dates_are_explained(text: str, needle: str) -> None:
    with pytest.raises(ConversionError) as caught:
        parse_date(text)
    assert needle in str(caught.value)


@pytest.mark.parametrize(
    ("date", "shift", "expected"),
    [
        ("2025-03-03", {"days": 30}, "2025-04-02"),
        ("2025-03-03", {"days": -3}, "2025-02-28"),
        ("2025-03-03", {"weeks": 2}, "2025-03-17"),
        ("2025-01-31", {"months": 1}, "2025-02-28"),
        ("2024-01-31", {"months": 1}, "2024-02-29"),
        ("2025-03-31", {"months": 1}, "2025-04-30"),
        ("2025-03-31", {"months": -1}, "2025-02-28"),
        ("2025-11-15", {"months": 3}, "2026-02-15"),
        ("2025-01-15", {"months": -1}, "2024-12-15"),
        ("2024-02-29", {"years": 1}, "2025-02-28"),
        ("2024-02-29", {"years": 4}, "2028-02-29"),
        ("2025-01-31", {"months": 1, "days": 1}, "2025-03-01"),
        ("March 3, 2025", {"years": -1, "weeks": 1}, "2024-03-10"),
    ],
)
def test_date_add(date: str, shift: dict[str, int], expected: str) -> None:
    assert date_add(date, **shift) == expected


def test_date_add_out_of_range_is_an_error() -> None:
    with pytest.raises(ConversionError, match="outside the years 1-9999"):
        date_add("9999-12-31", days=1)
    with pytest.raises(ConversionError, match="outside the years 1-9999"):
        date_add("9999-12-31", months=1)


@pytest.mark.parametrize(
    ("start", "end", "unit", "expected"),
    [
        ("2025-03-01", "2025-03-15", "days", 14),
        ("2025-03-15", "2025-03-01", "days", -14),
        ("2024-02-01", "2024-03-01", "days", 29),
        ("2025-02-01", "2025-03-01", "days", 28),
        ("2024-01-01", "2025-01-01", "days", 366),
        ("2025-03-01", "2025-03-20", "weeks", 2),
        ("2025-03-20", "2025-03-01", "weeks", -2),
        ("01/01/2025", "March 3, 2025", "days", 61),
    ],
)
def test_date_diff(start: str, end: str, unit: Any, expected: int) -> None:
    assert date_diff(start, end, unit) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("2025-03-03", "Monday"),
        ("02/29/2024", "Thursday"),
        ("2000-01-01", "Saturday"),
        ("July 4, 1776", "Thursday"),
    ],
)
def test_weekday(date: str, expected: str) -> None:
    assert weekday(date) == expected


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("iso", "2025-03-04"),
        ("us", "03/04/2025"),
        ("eu", "04/03/2025"),
        ("long", "Tuesday, March 4, 2025"),
    ],
)
def test_date_format(fmt: Any, expected: str) -> None:
    assert date_format("2025-03-04", fmt) == expected
    assert (
        parse_date(date_format("2025-03-04", fmt) if fmt != "eu" else "2025-03-04").isoformat()
        == "2025-03-04"
    )
