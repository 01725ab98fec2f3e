"""MCP servers that fail under a live session: a tool that hangs, a server that dies (a stdio
process that exits, an HTTP endpoint that goes away). Real servers, real transports.

A server that dies must cost the calls to its tools, never the program holding the session: its
tools fail at once with a message saying the server stopped (not retried, since no retry can
help), the source says it is lost, and the session still ends cleanly.
"""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from palaestra.routing import ApiExecutor, ApiRegistry, CallResult
from palaestra.routing.sources.mcp import McpSource

SERVER_SCRIPT = Path(__file__).parent / "mcp_faulty_server.py"


def _faulty_app() -> Any:
    spec = importlib.util.spec_from_file_location("routing_mcp_faulty_server", SERVER_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_server().streamable_http_app(host="127.0.0.1")


def _assert_server_stopped(result: CallResult) -> None:
    assert result.error_kind == "transport", result
    assert "has stopped" in result.message and "Do this step another way." in result.message
    assert "await source.restart()" in result.message
    assert "It may work again later" not in result.message and ".." not in result.message
    assert result.attempts == 1, "a server that is gone is not called again"


def test_a_stdio_server_that_exits_fails_its_tools_until_restarted() -> None:
    registry = ApiRegistry()

    async def main() -> tuple[CallResult, CallResult, str | None]:
        async with McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry) as source:
            executor = ApiExecutor(registry, max_retries=2, backoff_s=0)
            assert (await executor.call("faulty/add", {"a": 1, "b": 2})).content == {"result": 3}
            died = await executor.call("faulty/die")
            after = await executor.call("faulty/add", {"a": 1, "b": 2})
            assert not source.connected
            lost = source.lost

            await source.restart()
            assert source.connected and source.lost is None
            restarted = await executor.call("faulty/add", {"a": 2, "b": 2})
            assert restarted.ok and restarted.content == {"result": 4}
            return died, after, lost

    died, after, lost = asyncio.run(main())
    _assert_server_stopped(died)
    _assert_server_stopped(after)
    assert lost is not None and "Connection closed" in lost
    assert len(registry) == 0


def test_an_http_server_that_goes_away_does_not_cancel_the_code_holding_the_session(
    serve_app: Callable[[Any], AbstractContextManager[str]],
) -> None:
    """The SDK's transport task fails when the endpoint refuses connections; held in a task of its
    own, that failure becomes the tools' error instead of cancelling this code and escaping
    `async with` as an exception group."""
    registry = ApiRegistry()
    serving = serve_app(_faulty_app())
    base = serving.__enter__()

    async def main() -> tuple[CallResult, CallResult, bool]:
        async with McpSource.http(f"{base}/mcp", registry=registry) as source:
            executor = ApiExecutor(registry, max_retries=2, backoff_s=0)
            assert (await executor.call("faulty/add", {"a": 1, "b": 2})).ok
            await asyncio.to_thread(serving.__exit__, None, None, None)
            gone = await executor.call("faulty/add", {"a": 1, "b": 2})
            again = await executor.call("faulty/add", {"a": 2, "b": 2})
            return gone, again, source.connected

    gone, again, connected = asyncio.run(main())
    _assert_server_stopped(gone)
    _assert_server_stopped(again)
    assert not connected and len(registry) == 0


def test_a_hung_tool_times_out_and_the_session_keeps_working() -> None:
    registry = ApiRegistry()

    async def main() -> tuple[CallResult, CallResult]:
        async with McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry):
            executor = ApiExecutor(registry, max_retries=0, timeout_s=1)
            hung = await executor.call("faulty/hang", {"seconds": 30})
            return hung, await executor.call("faulty/add", {"a": 2, "b": 3})

    hung, after = asyncio.run(main())
    assert hung.error_kind == "timeout" and "did not answer within 1 s" in hung.message
    assert after.ok and after.content == {"result": 5}
