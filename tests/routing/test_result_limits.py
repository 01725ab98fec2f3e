"""Results too long for a model's context are cut with a note, from a real MCP server over stdio
and from a Python function; shorter ones, and every result with the limit off, stay whole."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from palaestra.routing import Annotations, ApiExecutor, ApiRegistry, CallResult, api, register_callables
from palaestra.routing.sources.mcp import McpSource

SERVER_SCRIPT = Path(__file__).parent / "mcp_faulty_server.py"


def test_a_huge_mcp_result_is_cut_with_a_note() -> None:
    registry = ApiRegistry()

    async def main() -> tuple[CallResult, CallResult, CallResult]:
        async with McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry):
            cut = ApiExecutor(registry, max_result_chars=1_000)
            whole = ApiExecutor(registry, max_result_chars=None)
            return (
                await cut.call("faulty/big", {"chars": 3_000_000}),
                await cut.call("faulty/big", {"chars": 10}),
                await whole.call("faulty/big", {"chars": 3_000_000}),
            )

    huge, small, kept = asyncio.run(main())
    assert huge.ok and huge.truncated and isinstance(huge.content, str)
    text, _, note = huge.content.partition("\n[Result cut")
    assert len(text) == 1_000 and "3,000,0" in note and "ask the API for less" in note
    assert huge.for_model() == huge.content
    assert small.ok and not small.truncated and small.content == {"result": "x" * 10}
    assert kept.ok and not kept.truncated and len(kept.content["result"]) == 3_000_000


@api(namespace="db", annotations=Annotations(read_only=True, destructive=False, idempotent=True))
def dump_rows(count: int) -> list[dict[str, int]]:
    """Every row of the table."""
    return [{"id": i, "value": i * i} for i in range(count)]


def test_a_structured_result_is_cut_as_the_model_reads_it() -> None:
    registry = ApiRegistry()
    register_callables(registry, dump_rows)
    executor = ApiExecutor(registry)  # the default limit
    big = executor.call_sync("db/dump_rows", {"count": 100_000})
    assert big.ok and big.truncated and big.content.startswith('[{"id": 0, "value": 0}, {"id": 1')
    assert len(big.content) < 50_300
    small = executor.call_sync("db/dump_rows", {"count": 2})
    assert small.content == [{"id": 0, "value": 0}, {"id": 1, "value": 1}] and not small.truncated


def test_the_limit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_result_chars"):
        ApiExecutor(ApiRegistry(), max_result_chars=0)
