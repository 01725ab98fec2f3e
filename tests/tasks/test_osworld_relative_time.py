"""OSWorld's ``rule_relativeTime``: days named relative to the verdict's day, on fixed days (a
Sunday in December, a Wednesday in August) and written in a task's date format; and a task
judging a URL part against "this month" that loads and scores as it should, with its rule checked
when the file is loaded."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.relative_time import RELATIVE, written

SUNDAY = date(2026, 12, 6)
WEDNESDAY = date(2026, 8, 12)


def day(name: str, today: date, start: str = "") -> date:
    return RELATIVE[name](today, start)


def test_relative_days_are_osworlds() -> None:
    assert day("tomorrow", SUNDAY) == date(2026, 12, 7)
    assert day("5th next month", SUNDAY) == date(2027, 1, 5)  # across the year
    assert day("10th next month", WEDNESDAY) == date(2026, 9, 10)
    assert day("next Monday", SUNDAY) == date(2026, 12, 7) and day("next Monday", WEDNESDAY) == date(
        2026, 8, 17
    )
    assert day("this Saturday", WEDNESDAY) == date(2026, 8, 15) and day("this Sunday", WEDNESDAY) == date(
        2026, 8, 16
    )
    assert day("next Friday", WEDNESDAY, "next Monday") == date(2026, 8, 21)  # the Friday after next Monday
    assert day("next Friday", WEDNESDAY, "tomorrow") == date(2026, 8, 14)
    assert day("next Friday", SUNDAY, "next Monday") == date(2026, 12, 11)
    assert day("first monday four months later", WEDNESDAY) == date(
        2026, 12, 7
    )  # OSWorld's crashes in August
    assert day("first monday four months later", SUNDAY) == date(2027, 4, 5)


def test_dates_are_written_in_the_tasks_format() -> None:
    assert written("{DoW}, {DayD} {Month} {Year}, 10:00", date(2027, 1, 5)) == "Tue, 5 Jan 2027, 10:00"
    assert written("{Year}-{Month0D}-{Day0D}", date(2027, 1, 5)) == "2027-01-05"
    assert written("{month}-weather / {MonthFull}", date(2027, 1, 5)) == "january-weather / January"
    assert written("{DayD} {DayD}", date(2027, 1, 5)) == "5 {DayD}"  # each field once, as OSWorld fills it


def task(folder: Path, rules: Any) -> Path:
    data = {
        "id": "month",
        "snapshot": "chrome",
        "instruction": "Find this month's forecast.",
        "config": [{"type": "launch", "parameters": {"command": ["google-chrome"]}}],
        "related_apps": ["chrome"],
        "evaluator": {
            "func": "check_direct_json_object",
            "result": {
                "type": "url_dashPart",
                "goto_prefix": "http://",
                "partIndex": -2,
                "returnType": "json",
                "key": "time",
            },
            "expected": {"type": "rule_relativeTime", "rules": rules},
        },
    }
    (folder / "month.json").write_text(json.dumps(data))
    return folder / "month.json"


def shown(home: Path, url: str) -> DesktopOutcome:
    bar = {"role": "entry", "name": "Address and search bar", "value": url}
    return DesktopOutcome(home=home, elements=[bar], windows=[], messages=[])


def test_a_task_judged_against_this_month(tmp_path: Path) -> None:
    rules = {"relativeTime": {"from": "this month"}, "expected": {"time": "{month}-weather"}}
    loaded = load_task(task(tmp_path, rules))
    month = f"{datetime.now():%B}".lower()
    assert loaded.evaluate(shown(tmp_path, f"127.0.0.1:8000/manchester/{month}-weather/1")).reward == 1.0
    other = "february" if month != "february" else "march"
    assert loaded.evaluate(shown(tmp_path, f"127.0.0.1:8000/manchester/{other}-weather/1")).reward == 0.0
    with pytest.raises(UnsupportedEvaluatorError, match="Did you mean: `next Monday`"):
        load_task(task(tmp_path, {**rules, "relativeTime": {"from": "next monday"}}))
    with pytest.raises(OSWorldTaskError, match='needs "time": a date pattern'):
        load_task(task(tmp_path, {**rules, "expected": {"from": "{month}"}}))
    with pytest.raises(OSWorldTaskError, match='needs "from": a date pattern'):
        load_task(
            task(
                tmp_path,
                {"relativeTime": {"from": "next Monday", "to": "next Friday"}, "expected": {"to": "x"}},
            )
        )
