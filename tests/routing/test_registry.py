"""The registry: add/get/remove with did-you-mean, bulk registration, change events, handlers."""

from __future__ import annotations

from typing import Any

import pytest

from palaestra.routing import (
    ApiRecord,
    ApiRegistry,
    DuplicateApiError,
    InvalidApiRecordError,
    UnknownApiError,
)
from palaestra.routing.registry import RegistryEvent


def record(namespace: str, name: str, **fields: Any) -> ApiRecord:
    return ApiRecord(namespace=namespace, name=name, description=f"{name} things.", **fields)


class Echo:
    async def call(self, arguments: dict[str, Any]) -> Any:
        return arguments


def test_add_get_normalises_and_keeps_handlers() -> None:
    registry = ApiRegistry()
    stored = registry.add(
        record("web", "search", parameters={"properties": {"q": {"type": "string"}}}), Echo()
    )
    assert stored.parameters == {"type": "object", "properties": {"q": {"type": "string"}}}
    assert registry.get("web/search") is stored
    assert isinstance(registry.handler("web/search"), Echo)
    assert "web/search" in registry and len(registry) == 1
    assert registry.version == 1
    registry.add(record("web", "fetch"))
    assert registry.handler("web/fetch") is None
    assert [r.key for r in registry] == ["web/search", "web/fetch"]


def test_unknown_keys_suggest_close_ones() -> None:
    registry = ApiRegistry()
    registry.add(record("weather", "forecast"))
    with pytest.raises(UnknownApiError) as caught:
        registry.get("weather/forcast")
    assert str(caught.value) == (
        "Unknown API `weather/forcast`. Did you mean: `weather/forecast`? "
        "Keys have the form `namespace/name`."
    )
    assert caught.value.suggestions == ["weather/forecast"]
    with pytest.raises(UnknownApiError):
        registry.remove("weather/nothing")
    with pytest.raises(UnknownApiError):
        registry.handler("weather/nothing")
    assert isinstance(caught.value, LookupError)


def test_provider_names_resolve_and_must_not_collide() -> None:
    registry = ApiRegistry()
    registry.add(record("my.tools", "look-up"))
    assert registry.resolve("my_tools__look-up").key == "my.tools/look-up"
    with pytest.raises(InvalidApiRecordError, match=r"collides with `my\.tools/look-up`"):
        registry.add(record("my_tools", "look-up"))


def test_duplicates_and_replacement_emit_remove_then_add() -> None:
    registry = ApiRegistry()
    events: list[tuple[RegistryEvent, str, str]] = []
    registry.subscribe(lambda event, r: events.append((event, r.key, r.description)))
    registry.add(record("a", "x"))
    with pytest.raises(DuplicateApiError, match="replace=True"):
        registry.add(record("a", "x"))
    registry.add(ApiRecord(namespace="a", name="x", description="Newer."), replace=True)
    assert events == [
        ("added", "a/x", "x things."),
        ("removed", "a/x", "x things."),
        ("added", "a/x", "Newer."),
    ]
    assert registry.version == 2


def test_subscribe_replay_and_unsubscribe() -> None:
    registry = ApiRegistry()
    registry.add(record("a", "x"))
    seen: list[tuple[RegistryEvent, str]] = []
    unsubscribe = registry.subscribe(lambda event, r: seen.append((event, r.key)), replay=True)
    registry.remove("a/x")
    unsubscribe()
    registry.add(record("a", "y"))
    assert seen == [("added", "a/x"), ("removed", "a/x")]


def test_a_failing_subscriber_does_not_starve_the_others() -> None:
    registry = ApiRegistry()
    seen: list[str] = []

    def broken(event: RegistryEvent, r: ApiRecord) -> None:
        raise RuntimeError("index bug")

    registry.subscribe(broken)
    registry.subscribe(lambda event, r: seen.append(r.key))
    with pytest.raises(RuntimeError, match="index bug"):
        registry.add(record("a", "x"))
    assert seen == ["a/x"] and "a/x" in registry


def test_add_many_registers_the_valid_and_reports_the_rest() -> None:
    registry = ApiRegistry()
    registry.add(record("a", "taken"))
    report = registry.add_many(
        [
            record("a", "ok1"),
            (record("a", "ok2"), Echo()),
            record("a", "bad", parameters={"type": "string"}),
            record("a", "taken"),
            record("a/b", "slash"),
        ]
    )
    assert [r.key for r in report.added] == ["a/ok1", "a/ok2"]
    assert [r.key for r in report.rejected] == ["a/bad", "a/taken", "a/b/slash"]
    assert "root has type 'string'" in report.rejected[0].problem
    assert "registered already" in report.rejected[1].problem
    assert not report.ok
    assert isinstance(registry.handler("a/ok2"), Echo)


def test_namespaces_remove_discard_and_set_handler() -> None:
    registry = ApiRegistry()
    registry.add_many([record("b", "one"), record("a", "two"), record("b", "three")])
    assert registry.namespaces() == ["a", "b"]
    assert [r.name for r in registry.by_namespace("b")] == ["one", "three"]
    assert registry.by_namespace("zzz") == []
    assert registry.discard("b/one") is not None
    assert registry.discard("b/one") is None
    registry.set_handler("a/two", Echo())
    assert isinstance(registry.handler("a/two"), Echo)
    registry.set_handler("a/two", None)
    assert registry.handler("a/two") is None
    with pytest.raises(InvalidApiRecordError, match="no `async def call"):
        registry.add(record("a", "four"), object())  # type: ignore[arg-type]
