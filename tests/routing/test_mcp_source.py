"""MCP source: a real server over stdio (subprocess) and over streamable HTTP (loopback thread).

Each session is checked end to end: tools/list -> records (annotation mapping included), calls
through the executor (structured content, isError, argument validation before sending), a
tools/list change followed into the registry, and clean unregistration when the session ends.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from palaestra.routing import Annotations, ApiExecutor, ApiRegistry
from palaestra.routing.errors import ApiSourceError, ApiTransportError
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import RegistryEvent
from palaestra.routing.sources.mcp import McpSource

SERVER_SCRIPT = Path(__file__).parent / "mcp_demo_server.py"


async def _wait_for(predicate: Callable[[], bool], timeout_s: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        assert loop.time() < deadline, "timed out waiting for the tool list change to reach the registry"
        await asyncio.sleep(0.02)


async def _exercise(source: McpSource, registry: ApiRegistry) -> list[tuple[RegistryEvent, str]]:
    """The checks both transports share; returns the registry events seen after `grow`."""
    assert source.namespace == "demo"
    assert sorted(registry.keys()) == ["demo/add", "demo/delete_note", "demo/fail", "demo/grow"]
    add = registry.get("demo/add")
    assert add.annotations == Annotations(read_only=True, destructive=True, idempotent=True, open_world=False)
    assert add.parameters["required"] == ["a", "b"]
    assert add.parameters["properties"]["a"]["type"] == "integer"
    assert add.description == "Add two integers."
    assert add.source.startswith("mcp:")
    # No hints at all: MCP's defaults (destructive, not read-only) hold.
    assert registry.get("demo/delete_note").annotations == Annotations()

    executor = ApiExecutor(registry, timeout_s=10)
    result = await executor.call("demo/add", {"a": 2, "b": 3})
    assert result.ok, result.message
    assert result.content == {"result": 5}  # MCPServer wraps a bare int as structured content

    failed = await executor.call("demo/fail", {"reason": "the printer is on fire"})
    assert failed.error_kind == "api_error"
    assert "the printer is on fire" in failed.message

    invalid = await executor.call("demo/add", {"a": "two"})
    assert invalid.error_kind == "invalid_arguments"
    assert "`a`: 'two' is not of type 'integer'" in invalid.message
    assert "'b' is a required property" in invalid.message

    refused = await executor.call("demo/delete_note", {"note_id": "n1"})
    assert refused.error_kind == "not_allowed"
    allowed = await ApiExecutor(registry, allow_destructive={"demo/delete_note"}).call(
        "demo/delete_note", {"note_id": "n1"}
    )
    assert allowed.ok and allowed.content == {"result": "deleted n1"}

    events: list[tuple[RegistryEvent, str]] = []

    def on_change(event: RegistryEvent, record: ApiRecord) -> None:
        events.append((event, record.key))

    registry.subscribe(on_change)
    grown = await executor.call("demo/grow")
    assert grown.ok, grown.message
    await _wait_for(lambda: "demo/echo_later" in registry and "demo/fail" not in registry)
    echoed = await executor.call("demo/echo_later", {"text": "hello"})
    assert echoed.ok and echoed.content == {"result": "hello"}
    assert {r.name for r in source.records} == {"add", "delete_note", "grow", "echo_later"}
    return events


def test_stdio_server_handshake_era_list_changed_notification() -> None:
    """Over stdio, forced to the handshake-era protocol: the change arrives as a notification."""
    registry = ApiRegistry()

    async def main() -> list[tuple[RegistryEvent, str]]:
        source = McpSource.stdio(
            sys.executable, [str(SERVER_SCRIPT)], registry=registry, mode="legacy", errlog=sys.stderr
        )
        async with source:
            assert source.connected
            assert source.protocol_version is not None and source.protocol_version < "2026-07-28"
            events = await _exercise(source, registry)
        assert not source.connected
        return events

    events = asyncio.run(main())
    assert ("added", "demo/echo_later") in events
    assert ("removed", "demo/fail") in events
    assert len(registry) == 0, "the session's records must leave with it"


def test_streamable_http_server_subscription_list_changed(
    serve_app: Callable[[Any], AbstractContextManager[str]], mcp_demo: ModuleType
) -> None:
    """Over streamable HTTP with the default negotiation (2026-07-28): the change comes via listen."""
    registry = ApiRegistry()
    app = mcp_demo.build_server().streamable_http_app(host="127.0.0.1")

    async def main() -> list[tuple[RegistryEvent, str]]:
        async with McpSource.http(f"{base}/mcp", registry=registry, namespace="demo") as source:
            assert source.protocol_version == "2026-07-28"
            return await _exercise(source, registry)

    with serve_app(app) as base:
        events = asyncio.run(main())
    assert ("added", "demo/echo_later") in events
    assert len(registry) == 0


def test_calls_outside_the_session_are_transport_errors() -> None:
    source = McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)])
    with pytest.raises(ApiTransportError, match="not connected"):
        asyncio.run(source.call_tool("add", {"a": 1, "b": 2}))


@pytest.mark.parametrize(
    ("source", "cause"),
    [
        (McpSource.stdio("/nonexistent/mcp-server"), "FileNotFoundError"),
        (McpSource.http("http://127.0.0.1:9/mcp"), "ConnectError"),
    ],
    ids=["stdio", "http"],
)
def test_unreachable_servers_raise_source_errors(source: McpSource, cause: str) -> None:
    registry = ApiRegistry()
    source.registry = registry

    async def main() -> None:
        async with source:
            pass

    with pytest.raises(ApiSourceError, match="could not start a session with MCP server") as caught:
        asyncio.run(main())
    assert cause in str(caught.value)
    assert not source.connected and len(registry) == 0


def test_servers_that_clash_by_name_say_so_and_how_to_fix_it(caplog: pytest.LogCaptureFixture) -> None:
    """Two servers that report one name: the second registered nothing, silently, and its
    rejections advised `replace=True`, which an MCP source has no way to pass. Now a source none
    of whose tools register refuses to start, and a partial clash is logged; both name the fix."""
    registry = ApiRegistry()
    registry.add(ApiRecord("demo", "add", "Add numbers, the local way.", source="python:local.add"))

    async def main() -> tuple[list[str], list[str], str]:
        async with McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry) as first:
            clashing = [r.problem for r in first.rejected]
            with pytest.raises(ApiSourceError) as refused:
                async with McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry):
                    pass
            keys = registry.keys()
        return clashing, keys, str(refused.value)

    clashing, keys, refused = asyncio.run(main())
    [problem] = clashing
    assert "`demo/add` is registered already, from python:local.add" in problem
    assert "namespace='demo_2'" in problem and "replace=True" not in problem
    assert sorted(keys) == ["demo/add", "demo/delete_note", "demo/fail", "demo/grow"]
    assert "has 4 tools and none could be registered" in refused and "namespace=" in refused
    assert "1 tool(s) not registered" in caplog.text
    assert registry.keys() == ["demo/add"], "each session took only its own tools away"


class _BearerOnly:
    """ASGI middleware: 401 for any HTTP request without `Authorization: Bearer <token>`."""

    def __init__(self, app: Any, token: str) -> None:
        self.app, self.expected = app, f"Bearer {token}".encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and dict(scope["headers"]).get(b"authorization") != self.expected:
            await send({"type": "http.response.start", "status": 401, "headers": []})
            await send({"type": "http.response.body", "body": b"unauthorised"})
            return
        await self.app(scope, receive, send)


def test_http_servers_that_want_a_token_get_it_on_every_session(
    serve_app: Callable[[Any], AbstractContextManager[str]], mcp_demo: ModuleType
) -> None:
    """`McpSource.http(url, headers=...)` sends the headers with every request, in every session
    (a restart builds a fresh transport): there was no way to pass them but to build the SDK's
    transport by hand, which then served a single session."""
    app = _BearerOnly(mcp_demo.build_server().streamable_http_app(host="127.0.0.1"), "s3cret")
    registry = ApiRegistry()

    async def main(base: str) -> tuple[Any, Any]:
        source = McpSource.http(f"{base}/mcp", registry=registry, headers={"Authorization": "Bearer s3cret"})
        async with source:
            first = await ApiExecutor(registry).call("demo/add", {"a": 1, "b": 2})
            await source.restart()
            second = await ApiExecutor(registry).call("demo/add", {"a": 2, "b": 2})
        with pytest.raises(ApiSourceError, match="could not start a session"):
            async with McpSource.http(f"{base}/mcp", registry=ApiRegistry()):
                pass
        return first.content, second.content

    with serve_app(app) as base:
        assert asyncio.run(main(base)) == ({"result": 3}, {"result": 4})


def test_a_stdio_server_logging_to_a_file_can_restart(tmp_path: Path) -> None:
    registry = ApiRegistry()

    async def main() -> Any:
        with (tmp_path / "server.log").open("w") as errlog:
            source = McpSource.stdio(sys.executable, [str(SERVER_SCRIPT)], registry=registry, errlog=errlog)
            async with source:
                await source.restart()
                return (await ApiExecutor(registry).call("demo/add", {"a": 1, "b": 1})).content

    assert asyncio.run(main()) == {"result": 2}
