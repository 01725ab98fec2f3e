"""The unit table behind ``convert/units``: every unit as an exact rational factor (and, for
temperature, an offset) to its dimension's base unit, its names and aliases, and the lookup of a
unit by name with did-you-mean suggestions.

Apart from the tool (``palaestra.routing.tools.convert``) because it is data and a lookup, read
and checked on its own (a name shared by two units fails at import).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from fractions import Fraction

from palaestra.routing.tools._common import ConversionError


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
