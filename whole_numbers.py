"""Whole numbers as models write them: ``12``, ``12.0`` and ``"12"`` mean the same id or count.

Small models write an element's id as a number (``{"target": 12}``) and a count as a string
(``"100"``); both are read as the whole number they say. What does not say one is left as given, so
the caller's own check refuses it with its own words: ``12.5`` is no id and no count (truncating it
would act on another element than the one named), and ``true`` is a boolean (Python's ``int(True)``
is 1, which no model meant).
"""

from __future__ import annotations

import math
from typing import Any


def whole_number(value: Any) -> Any:
    """``value`` as an ``int`` when it reads as a whole number (``12``, ``12.0``, ``"12"``,
    ``" 12 "``), else ``value`` unchanged (``12.5``, ``True``, ``"twelve"``, ``None``)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return value
        return int(number) if math.isfinite(number) and number.is_integer() else value
    return value


def as_element_id(value: Any) -> str | None:
    """An element id as models write it: a string as it is, a whole number (``12``, ``12.0``) as
    its digits; None for anything else (``12.5``, ``true``), which names no element."""
    if isinstance(value, str):
        return value
    number = whole_number(value)
    return str(number) if isinstance(number, int) and not isinstance(number, bool) else None
