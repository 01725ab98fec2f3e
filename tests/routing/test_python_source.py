"""Python callables as APIs: schemas from type hints, descriptions from docstrings, and calls."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import enum
import threading
import types
from typing import Annotated, Any, Literal, TypedDict

import jsonschema
import pytest

from palaestra.routing import (
    Annotations,
    ApiCallError,
    ApiExecutor,
    ApiRegistry,
    api,
    from_callable,
    register_callables,
)


class Unit(enum.Enum):
    CELSIUS = "c"
    FAHRENHEIT = "f"


@dataclasses.dataclass
class Place:
    """A place on Earth."""

    city: str
    country: str = "NO"


class Reading(TypedDict):
    temp: float
    unit: str


def forecast(
    place: Place,
    when: dt.date,
    days: int = 3,
    unit: Unit = Unit.CELSIUS,
    detail: Literal["short", "long"] = "short",
    note: str | None = None,
    hours: list[int] | None = None,
    scale: float = 1.0,
    tags: Annotated[set[str], "Labels to attach."] = frozenset(),  # type: ignore[assignment]
) -> list[Reading]:
    """Forecast the weather for a place. Use when the user asks about coming days.

    Looks the place up first.

    Args:
        place: Where to forecast.
        when: The first day.
        days (int): How many days, counting `when`;
            at most 14.
        unit: Temperature unit.

    Returns:
        One reading per day.

    Examples:
        forecast(place={"city": "Oslo"}, when="2024-05-01")
    """
    assert isinstance(place, Place) and isinstance(when, dt.date) and isinstance(unit, Unit)
    assert isinstance(scale, float) and isinstance(tags, set | frozenset)
    base = 20.0 if unit is Unit.CELSIUS else 68.0
    return [{"temp": base * scale + i, "unit": unit.value} for i in range(days)]


def test_schema_from_hints_and_docstring() -> None:
    record, _ = from_callable(forecast, namespace="weather")
    assert record.key == "weather/forecast"
    assert record.description == (
        "Forecast the weather for a place. Use when the user asks about coming days."
        "\n\nLooks the place up first."
    )
    assert record.examples == ('forecast(place={"city": "Oslo"}, when="2024-05-01")',)
    assert record.source.endswith("test_python_source.forecast") and record.source.startswith("python:")
    props = record.parameters["properties"]
    assert record.parameters["required"] == ["place", "when"]
    assert props["place"] == {
        "type": "object",
        "properties": {"city": {"type": "string"}, "country": {"type": "string"}},
        "required": ["city"],
        "description": "Where to forecast.",
    }
    assert props["when"] == {"type": "string", "format": "date", "description": "The first day."}
    assert props["days"] == {
        "type": "integer",
        "description": "How many days, counting `when`; at most 14.",
        "default": 3,
    }
    assert props["unit"] == {"enum": ["c", "f"], "type": "string", "description": "Temperature unit."}
    assert props["detail"] == {"enum": ["short", "long"], "type": "string", "default": "short"}
    assert props["note"] == {"type": ["string", "null"], "default": None}
    assert props["hours"] == {"type": ["array", "null"], "items": {"type": "integer"}, "default": None}
    assert props["tags"] == {
        "type": "array",
        "items": {"type": "string"},
        "uniqueItems": True,
        "description": "Labels to attach.",
    }
    assert record.result == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"temp": {"type": "number"}, "unit": {"type": "string"}},
            "required": ["temp", "unit"],
        },
        "description": "One reading per day.",
    }
    jsonschema.Draft202012Validator.check_schema(record.parameters)


def test_calls_coerce_json_into_annotated_types() -> None:
    registry = ApiRegistry()
    registry.add(*from_callable(forecast, namespace="weather", annotations=Annotations(read_only=True)))
    executor = ApiExecutor(registry)
    result = asyncio.run(
        executor.call(
            "weather/forecast",
            {
                "place": {"city": "Oslo"},
                "when": "2024-05-01",
                "days": 2,
                "unit": "f",
                "scale": 2,
                "tags": ["x"],
            },
        )
    )
    assert result.ok, result.message
    assert result.content == [{"temp": 136.0, "unit": "f"}, {"temp": 137.0, "unit": "f"}]


def test_decorator_sync_functions_run_in_a_thread_async_ones_in_the_loop() -> None:
    threads: dict[str, int] = {}

    @api(namespace="calc", annotations=Annotations(read_only=True, destructive=False, idempotent=True))
    def add(a: int, b: int) -> int:
        """Add two integers."""
        threads["add"] = threading.get_ident()
        return a + b

    @api
    async def shout(text: str) -> str:
        """Upper-case the text."""
        threads["shout"] = threading.get_ident()
        return text.upper()

    registry = ApiRegistry()
    report = register_callables(registry, add, shout)
    assert report.ok
    assert registry.get("calc/add").annotations.idempotent is True
    assert registry.get("calc/add").result == {"type": "integer"}
    assert registry.get("test_python_source/shout").description == "Upper-case the text."

    async def main() -> tuple[Any, Any, int]:
        executor = ApiExecutor(registry, allow_destructive=True)
        added = await executor.call("calc/add", {"a": 2, "b": 40})
        shouted = await executor.call("test_python_source/shout", {"text": "hi"})
        return added.content, shouted.content, threading.get_ident()

    added, shouted, loop_thread = asyncio.run(main())
    assert (added, shouted) == (42, "HI")
    assert threads["shout"] == loop_thread
    assert threads["add"] != loop_thread


def test_register_module_collects_marked_functions_and_rejections() -> None:
    module = types.ModuleType("toolbox")

    @api(name="ok_tool")
    def ok(x: int) -> int:
        """Return x."""
        return x

    @api
    def needs_lock(lock: threading.Lock) -> None:
        """Cannot be described in JSON Schema."""

    @api
    def positional(x: int, /) -> int:
        """Positional-only."""
        return x

    def unmarked(y: int) -> int:
        return y

    for fn in (ok, needs_lock, positional, unmarked):
        setattr(module, fn.__name__, fn)
    registry = ApiRegistry()
    report = register_callables(registry, module, namespace="box")
    assert registry.keys() == ["box/ok_tool"]
    problems = {r.key: r.problem for r in report.rejected}
    assert set(problems) == {"box/needs_lock", "box/positional"}
    assert "parameter `lock`: no JSON Schema for type" in problems["box/needs_lock"]
    assert "positional-only" in problems["box/positional"]


def test_untyped_and_odd_signatures() -> None:
    def anything(value, *rest: Any, **extra: Any):  # type: ignore[no-untyped-def]
        return value

    record, handler = from_callable(anything, namespace="misc", description="Pass anything through.")
    assert record.parameters == {"type": "object", "properties": {"value": {}}, "required": ["value"]}
    assert record.result is None
    assert asyncio.run(handler.call({"value": [1]})) == [1]


def test_bad_argument_values_become_api_errors() -> None:
    def on(day: dt.date) -> str:
        """Name the weekday."""
        return day.strftime("%A")

    record, handler = from_callable(on, namespace="cal", annotations=Annotations(read_only=True))
    registry = ApiRegistry()
    registry.add(record, handler)
    executor = ApiExecutor(registry)
    assert asyncio.run(executor.call("cal/on", {"day": "2024-05-01"})).content == "Wednesday"
    # The schema's `format: date` catches it before the call...
    bad = asyncio.run(executor.call("cal/on", {"day": "May Day"}))
    assert bad.error_kind == "invalid_arguments"
    assert "- `day`: 'May Day' is not a 'date'" in bad.message
    # ...and the handler itself reports what it cannot convert.
    with pytest.raises(ApiCallError, match="argument `day` could not be converted"):
        asyncio.run(handler.call({"day": "May Day"}))


def test_an_argument_the_function_does_not_take_is_an_invalid_argument() -> None:
    """A model's extra argument passed validation and crashed the call (`TypeError: unexpected
    keyword argument`), reported and recorded as the API's own failure."""

    def on(day: dt.date) -> str:
        """Name the weekday."""
        return day.strftime("%A")

    def tolerant(day: str, **extra: Any) -> int:
        """Count what it was given."""
        return 1 + len(extra)

    registry = ApiRegistry()
    safe = Annotations(read_only=True, destructive=False)
    registry.add(*from_callable(on, namespace="cal", annotations=safe))
    registry.add(*from_callable(tolerant, namespace="cal", annotations=safe))
    executor = ApiExecutor(registry)
    extra = asyncio.run(executor.call("cal/on", {"day": "2024-05-01", "timezone": "UTC"}))
    assert extra.error_kind == "invalid_arguments"
    assert "('timezone' was unexpected)" in extra.message and "day (string, required)" in extra.message
    assert registry.get("cal/on").parameters["additionalProperties"] is False
    assert asyncio.run(executor.call("cal/tolerant", {"day": "x", "timezone": "UTC"})).content == 2


def test_registering_unannotated_functions_says_they_will_be_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A first plain `def` is destructive by MCP's default and refused by the default executor; the
    refusal is written for the model, so registration tells the developer, once, and the fix."""

    def weather(city: str) -> str:
        """Tell the weather."""
        return f"sun in {city}"

    @api(annotations=Annotations(read_only=True, destructive=False))
    def tides(harbour: str) -> str:
        """Tell the tides."""
        return f"tides at {harbour}"

    registry = ApiRegistry()
    register_callables(registry, weather, tides, namespace="sky")
    [warning] = [r.getMessage() for r in caplog.records if r.name.endswith("sources.python")]
    assert warning.startswith("1 function(s) registered without behaviour annotations count as destructive")
    assert "sky/weather." in warning and "sky/tides" not in warning and "@api(annotations=" in warning
    assert ApiExecutor(registry).call_sync("sky/weather", {"city": "Oslo"}).error_kind == "not_allowed"
