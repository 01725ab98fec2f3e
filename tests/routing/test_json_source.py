"""JSON files in MCP `tools/list` shape: descriptions only, unless handlers are supplied."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.routing import (
    Annotations,
    ApiExecutor,
    ApiRegistry,
    ApiSourceError,
    load_tools_json,
    register_json,
)

TOOLS = {
    "tools": [
        {
            "name": "search_flights",
            "server": "travel agency",
            "description": "Find flights between two airports. Use before booking.",
            "inputSchema": {
                "$schema": "http://json-schema.org/draft-07/schema#",
                "type": "object",
                "properties": {"from": {"type": "string"}, "to": {"type": "string"}},
                "required": ["from", "to"],
            },
            "outputSchema": {"type": "object", "properties": {"flights": {"type": "array"}}},
            "annotations": {"readOnlyHint": True, "idempotentHint": True, "openWorldHint": True},
            "examples": ["search_flights(from='OSL', to='CDG')"],
            "composition": "Call book_flight with one of the results.",
        },
        {"name": "book_flight", "description": "Book a flight.", "inputSchema": {"type": "object"}},
        {"description": "No name at all."},
        {"name": "broken", "inputSchema": {"type": "array"}},
        "not even an object",
    ]
}


def test_file_with_rejections(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(json.dumps(TOOLS))
    registry = ApiRegistry()
    report = register_json(registry, path)
    assert registry.keys() == ["travel_agency/search_flights", "catalogue/book_flight"]
    # Items that cannot become records come first, then records the registry refused.
    assert [r.key for r in report.rejected] == ["catalogue/#2", "catalogue/#4", "catalogue/broken"]
    assert "has no `name`" in report.rejected[0].problem
    assert "is a str, not an object" in report.rejected[1].problem
    assert "root has type 'array'" in report.rejected[2].problem
    search = registry.get("travel_agency/search_flights")
    assert "$schema" not in search.parameters
    assert search.annotations == Annotations(
        read_only=True, destructive=True, idempotent=True, open_world=True
    )
    assert search.result == {"type": "object", "properties": {"flights": {"type": "array"}}}
    assert search.examples == ("search_flights(from='OSL', to='CDG')",)
    assert search.composition == "Call book_flight with one of the results."
    assert search.source == f"json:{path}"
    assert registry.get("catalogue/book_flight").annotations == Annotations()
    assert registry.handler("catalogue/book_flight") is None


class FakeSearch:
    async def call(self, arguments: dict[str, Any]) -> Any:
        return {"flights": [f"{arguments['from']}-{arguments['to']}"]}


def test_bare_list_namespace_override_and_handlers() -> None:
    registry = ApiRegistry()
    report = register_json(
        registry, TOOLS["tools"][:2], namespace="air", handlers={"search_flights": FakeSearch()}
    )
    assert report.ok and registry.keys() == ["air/search_flights", "air/book_flight"]
    executor = ApiExecutor(registry)
    result = asyncio.run(executor.call("air/search_flights", {"from": "OSL", "to": "CDG"}))
    assert result.ok and result.content == {"flights": ["OSL-CDG"]}
    described = asyncio.run(executor.call("air/book_flight", {}))
    assert described.error_kind == "not_allowed"  # no hints: destructive by MCP's defaults


def test_unreadable_sources(tmp_path: Path) -> None:
    with pytest.raises(ApiSourceError, match="cannot read tools file"):
        load_tools_json(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(ApiSourceError, match="not valid JSON"):
        load_tools_json(bad)
    with pytest.raises(ApiSourceError, match="expected a list of tools"):
        load_tools_json({"tools": "nope"})
