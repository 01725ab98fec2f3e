"""MCP servers that fail under a live session: a tool that hangs, a server that dies (a stdio
process that exits, an HTTP endpoint that goes away). Real servers, real transports.

A server that dies must cost the calls to its tools, never the program holding the session: its
tools fail at once with a message saying the server stopped (not retried, since no retry can
help), the source says it is lost, and the session still ends cleanly.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from palaestra.memory import HashingEmbedder
from palaestra.routing import Annotations, ApiExecutor, ApiRegistry, CallResult, api, register_callables
from palaestra.routing.selector import ApiSelector
from palaestra.routing.sources.mcp import McpSource

SERVER_SCRIPT = Path(__file__).parent / "mcp_faulty_server.py"


@api(namespace="calc", annotations=Annotations(read_only=True, destructive=False, idempotent=True))
def subtract(a: int, b: int) -> int:
    """Subtract the second integer from the first."""
    return a - b


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


def test_a_killed_servers_tools_leave_selection_until_it_is_restarted() -> None:
    """A stdio server killed between calls kept its tools in the selector's answers, each call then
    failing. The heartbeat notices the death with no call made; the tools stay registered (a call
    names the stop and the restart) but leave selection, and come back with the restart."""
    registry = ApiRegistry()
    register_callables(registry, subtract)
    selector = ApiSelector(HashingEmbedder())
    selector.follow(registry)
    query = "add two integers"

    async def main() -> tuple[list[str], list[str], CallResult, list[str], CallResult]:
        source = McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry, heartbeat_s=0.2)
        async with source:
            executor = ApiExecutor(registry, max_retries=2, backoff_s=0)
            before = selector.select(query, k=3).keys
            pid = (await executor.call("faulty/pid")).content["result"]
            os.kill(pid, signal.SIGKILL)
            for _ in range(600):  # until the heartbeat notices (no call is made meanwhile)
                if not source.connected:
                    break
                await asyncio.sleep(0.05)
            lost = selector.select(query, k=3).keys
            assert "faulty/add" in registry  # still registered: the call below says why it fails
            called = await executor.call("faulty/add", {"a": 1, "b": 2})
            await source.restart()
            back = selector.select(query, k=3).keys
            return (
                before,
                lost,
                called,
                back,
                await executor.call("faulty/add", {"a": 2, "b": 2}),
            )

    before, lost, called, back, again = asyncio.run(main())
    assert before[0] == "faulty/add", before
    assert lost and not any(key.startswith("faulty/") for key in lost), lost
    _assert_server_stopped(called)
    assert back[0] == "faulty/add", back
    assert again.ok and again.content == {"result": 4}
    assert registry.unavailable() == {}


def test_a_selector_with_every_api_unavailable_says_so() -> None:
    registry = ApiRegistry()
    register_callables(registry, subtract)
    selector = ApiSelector(HashingEmbedder())
    selector.follow(registry)
    registry.set_unavailable("calc/subtract", "its server stopped")
    selection = selector.select("subtract two integers")
    assert selection.keys == [] and selection.abstained
    assert "available" in selection.reason
    registry.set_available("calc/subtract")
    assert selector.select("subtract two integers").keys[:1] == ["calc/subtract"]
