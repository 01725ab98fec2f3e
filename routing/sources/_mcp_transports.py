"""How an MCP source reaches its server, made anew for every session.

The SDK's transports are one-shot context managers: a `stdio_client(...)` or `streamable_http_client(...)`
object opens one connection and cannot be entered again. A source that can restart its server
(`McpSource.restart`) therefore keeps a recipe instead, a function returning a fresh transport, for
the cases that need more than the SDK's plain URL or `StdioServerParameters` (which it re-reads
itself): a stdio server whose stderr goes to a file, an HTTP server that wants headers (a bearer
token, an API key).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, TextIO

import httpx2
from mcp import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

#: What a source connects with: the SDK's own server forms, or a recipe for a fresh transport.
TransportRecipe = Callable[[], AbstractAsyncContextManager[Any]]
#: The SDK's timeouts for MCP over HTTP: a response stream may stay open for minutes.
CONNECT_TIMEOUT_S = 30.0
STREAM_READ_TIMEOUT_S = 300.0


def stdio_recipe(params: StdioServerParameters, errlog: TextIO) -> TransportRecipe:
    """A fresh stdio transport per session, the server's stderr going to `errlog`."""
    return lambda: stdio_client(params, errlog=errlog)


def http_recipe(url: str, headers: Mapping[str, str]) -> TransportRecipe:
    """A fresh streamable-HTTP transport per session, every request carrying `headers`."""
    fixed = dict(headers)

    @asynccontextmanager
    async def transport() -> AsyncIterator[Any]:
        timeout = httpx2.Timeout(CONNECT_TIMEOUT_S, read=STREAM_READ_TIMEOUT_S)
        client = httpx2.AsyncClient(headers=fixed, timeout=timeout)
        async with client, streamable_http_client(url, http_client=client) as streams:
            yield streams

    return transport
