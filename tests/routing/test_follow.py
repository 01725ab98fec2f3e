"""A selector following a registry: records from every source are indexed without a rebuild, and
a live MCP server's tool list change (a real server over stdio) reaches the next search; and what
it chose, explained in words."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from palaestra.memory import HashingEmbedder
from palaestra.routing import Annotations, ApiExecutor, ApiRegistry, api, register_callables
from palaestra.routing.selector import ApiSelector
from palaestra.routing.sources.mcp import McpSource

DEMO_SERVER = Path(__file__).parent / "mcp_demo_server.py"
SAFE = Annotations(read_only=True, destructive=False, idempotent=True)


@api(namespace="weather", annotations=SAFE)
def forecast(city: str) -> str:
    """Forecast the weather for a city."""
    return f"sun in {city}"


@api(namespace="weather", annotations=SAFE)
def tides(harbour: str) -> str:
    """High and low tide times at a harbour."""
    return f"tides at {harbour}"


class CountingEmbedder(HashingEmbedder):
    """Counts the texts it embeds (to show changes are embedded in one batch, and only once)."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []

    def _embed_batch(self, texts: list[str]) -> object:
        self.batches.append(len(texts))
        return super()._embed_batch(texts)


def test_a_following_selector_sees_registrations_replacements_and_removals() -> None:
    registry = ApiRegistry()
    register_callables(registry, forecast)
    embedder = CountingEmbedder()  # embeds the records; queries go to a twin that counts nothing
    selector = ApiSelector(HashingEmbedder(), record_embedder=embedder)
    unsubscribe = selector.follow(registry)
    register_callables(registry, tides)
    assert selector.select("tide times at the harbour", k=1).keys == ["weather/tides"]
    assert embedder.batches == [2], "both records, one batch, at the first query"

    record = registry.get("weather/tides")
    registry.add(record, replace=True)  # same text: a removal and an addition, no new vector
    registry.remove("weather/forecast")
    assert selector.select("weather forecast for Oslo", k=5).keys == ["weather/tides"]
    assert embedder.batches == [2], "an unchanged text keeps its vector"

    unsubscribe()
    register_callables(registry, forecast)
    assert "weather/forecast" not in selector


def test_an_mcp_tool_list_change_reaches_the_next_search() -> None:
    registry = ApiRegistry()
    selector = ApiSelector(HashingEmbedder())

    async def main() -> tuple[list[str], list[str], int]:
        async with McpSource.stdio(sys.executable, [str(DEMO_SERVER)], registry=registry, mode="legacy"):
            selector.follow(registry)
            before = selector.select("echo the text back", k=5).keys
            assert (await ApiExecutor(registry).call("demo/grow")).ok
            for _ in range(750):
                if "demo/echo_later" in selector:
                    break
                await asyncio.sleep(0.02)
            after = selector.select("echo the text back", k=5).keys
        return before, after, len(selector)

    before, after, left = asyncio.run(main())
    assert "demo/echo_later" not in before and "demo/fail" in before
    assert after[0] == "demo/echo_later" and "demo/fail" not in after
    assert left == 0, "the session's tools leave the selector with it"


def test_a_selection_explains_itself() -> None:
    selector = ApiSelector(HashingEmbedder())
    registry = ApiRegistry()
    register_callables(registry, forecast, tides)
    selector.follow(registry)
    selection = selector.select("when is high tide at the harbour of Bergen", k=2)
    lines = selection.explain().splitlines()
    assert lines[0].startswith("Query 'when is high tide at the harbour of Bergen': ")
    assert selection.reason in lines[0]
    assert lines[1].startswith("1. weather/tides: score ") and "cosine" in lines[1]
    assert lines[1].endswith("query words it holds: high, tide, harbour")
    assert lines[2].startswith("2. weather/forecast") and lines[2].endswith("none (found by meaning)")
