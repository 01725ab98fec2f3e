"""OSWorld's ``rule_relativeTime`` expected getter: a ``rule`` whose expected dates are named
relative to the day of the verdict ("next Monday", "10th next month"), written out in the format
the task gives (``"{DoW}, {DayD} {Month} {Year}"``), so that a task about booking a date can be
judged on any day. Its days and its format fields are OSWorld's, read afresh; a day name it does
not know is refused when the file is loaded (OSWorld would fail at the verdict).

The format's fields: ``{DoW}`` (Mon), ``{Month}`` (Jan), ``{MonthFull}`` (January), ``{month}``
(january), ``{DayD}`` (5), ``{Day0D}`` (05), ``{Month0D}`` (01) and ``{Year}``; each is filled
once, where it first appears, as OSWorld fills it. Names are English whatever the machine's locale.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = (
    *("January", "February", "March", "April", "May", "June"),
    *("July", "August", "September", "October", "November", "December"),
)


def _next_month(today: date, day: int) -> date:
    return date(today.year + today.month // 12, today.month % 12 + 1, day)


def _first_monday_four_months_on(today: date) -> date:
    first = date(today.year + (today.month + 3) // 12, (today.month + 3) % 12 + 1, 1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def _next_friday(today: date, start: str) -> date:
    """The Friday after ``today``'s week; OSWorld's rule, which weighs what the range starts on."""
    weekday = today.weekday()
    if weekday < 4 and start == "next Monday":
        return today + timedelta(days=4 - weekday + 7)
    return today + timedelta(days=4 - weekday if weekday < 4 else 6 - weekday + 5)


#: OSWorld's relative days: each gives the date from the day of the verdict (and the range's start).
RELATIVE: dict[str, Callable[[date, str], date]] = {
    "tomorrow": lambda today, _start: today + timedelta(days=1),
    "this month": lambda today, _start: today,
    "5th next month": lambda today, _start: _next_month(today, 5),
    "10th next month": lambda today, _start: _next_month(today, 10),
    "11th next month": lambda today, _start: _next_month(today, 11),
    "this Saturday": lambda today, _start: today + timedelta(days=5 - today.weekday()),
    "this Sunday": lambda today, _start: today + timedelta(days=6 - today.weekday()),
    "next Monday": lambda today, _start: today + timedelta(days=7 - today.weekday()),
    "next Friday": _next_friday,
    "first monday four months later": lambda today, _start: _first_monday_four_months_on(today),
}


def written(pattern: str, day: date) -> str:
    """``pattern`` with ``day`` in its fields (see the module's docstring)."""
    fields = {
        "{DoW}": DAYS[day.weekday()],
        "{Month}": MONTHS[day.month - 1][:3],
        "{DayD}": str(day.day),
        "{Year}": str(day.year),
        "{Month0D}": f"{day.month:02d}",
        "{month}": MONTHS[day.month - 1].lower(),
        "{MonthFull}": MONTHS[day.month - 1],
        "{Day0D}": f"{day.day:02d}",
    }
    for field, value in fields.items():
        pattern = pattern.replace(field, value, 1)
    return pattern


def _slots(rules: Any, source: str, where: str) -> dict[str, str]:
    """Which relative day fills which expected value: ``from`` fills ``time`` alone, or ``from``
    and ``to`` fill the values of those names."""
    relative = rules.get("relativeTime") if isinstance(rules, dict) else None
    expected = rules.get("expected") if isinstance(rules, dict) else None
    if not isinstance(relative, dict) or not isinstance(expected, dict) or "from" not in relative:
        raise OSWorldTaskError(
            source,
            where,
            '`rule_relativeTime` needs "rules": {"relativeTime": {"from": ...}, "expected": {...}}',
        )
    slots = {"from": "from", "to": "to"} if "to" in relative else {"from": "time"}
    for end, key in slots.items():
        if relative[end] not in RELATIVE:
            raise UnsupportedEvaluatorError(source, where, "relative time", str(relative[end]), RELATIVE)
        if not isinstance(expected.get(key), str):
            raise OSWorldTaskError(source, where, f'"expected" needs "{key}": a date pattern, for "{end}"')
    return slots


def rule_relative_time(spec: dict[str, Any], source: str, where: str) -> Callable[[Any], dict[str, Any]]:
    """The spec's rules with their expected dates written out for the day of the verdict."""
    rules = spec.get("rules")
    slots = _slots(rules, source, where)
    assert isinstance(rules, dict)

    def read(_outcome: Any) -> dict[str, Any]:
        today = datetime.now().date()
        filled = copy.deepcopy(rules)
        start = str(rules["relativeTime"]["from"])
        for end, key in slots.items():
            day = RELATIVE[str(rules["relativeTime"][end])](today, start)
            filled["expected"][key] = written(rules["expected"][key], day)
        return filled

    return read
