"""Register the tools of an MCP server, and call them, through the official `mcp` SDK (2.x).

An `McpSource` is one live session with one server (a subprocess over stdio, or a streamable
HTTP endpoint). Its lifetime is explicit: tools are callable inside `async with`, and on exit the
source removes the records it registered, since their handlers die with the session.

    async with McpSource.stdio(sys.executable, ["server.py"], registry=registry) as source:
        await executor.call(f"{source.namespace}/add", {"a": 1, "b": 2})

The tool list is cached and refreshed when the server says it changed: through
`notifications/tools/list_changed` on handshake-era connections (protocol <= 2025-11-25), and
through a `subscriptions/listen` stream on 2026-07-28 connections, where that is how the change
is delivered. A refresh diffs the new list against the cached one, so the registry (and every
index subscribed to it) sees only the tools that were added, removed or changed.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack
from types import TracebackType
from typing import Any, TextIO

import anyio
import anyio.abc
import anyio.lowlevel
import mcp_types
import pydantic
from mcp import Client, StdioServerParameters, stdio_client
from mcp.client.subscriptions import ListenNotSupportedError, SubscriptionLost
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from palaestra.routing.errors import (
    ApiCallError,
    ApiSourceError,
    ApiTimeoutError,
    ApiTransportError,
    DuplicateApiError,
    InvalidApiRecordError,
    InvalidResultError,
)
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import ApiRegistry, Rejection
from palaestra.routing.schema import normalize_record
from palaestra.routing.sources.json_file import annotations_from_mcp, safe_namespace

log = logging.getLogger(__name__)
_PAGE_CAP = 100


class McpToolHandler:
    """An `ApiHandler` that calls one tool through its source's live session."""

    def __init__(self, source: McpSource, tool: str) -> None:
        self.source, self.tool = source, tool

    async def call(self, arguments: dict[str, Any]) -> Any:
        """Call the tool; see `McpSource.call_tool` for how results and errors are mapped."""
        return await self.source.call_tool(self.tool, arguments)

    def __repr__(self) -> str:
        return f"McpToolHandler({self.source.label!r}, {self.tool!r})"


class McpSource:
    """A session with one MCP server, its cached tool records, and their registration."""

    def __init__(
        self,
        server: StdioServerParameters | str | Any,
        *,
        namespace: str | None = None,
        registry: ApiRegistry | None = None,
        mode: str = "auto",
        read_timeout_s: float | None = None,
        watch: bool = True,
        label: str | None = None,
    ) -> None:
        """`server` is `StdioServerParameters`, a streamable-HTTP URL, or an SDK `Transport`.

        `namespace` defaults to the server's reported name; `mode` is the SDK's protocol
        negotiation ("auto", "legacy" or a protocol version); `watch` follows list changes.
        """
        self.server, self.registry, self.mode = server, registry, mode
        self.read_timeout_s, self.watch = read_timeout_s, watch
        self.namespace = namespace
        self.label = label or _label(server)
        self.rejected: list[Rejection] = []
        self.refresh_count = 0
        self._records: dict[str, ApiRecord] = {}
        self._registered: set[str] = set()
        self._client: Client | None = None
        self._stack: AsyncExitStack | None = None
        self._tasks: anyio.abc.TaskGroup | None = None
        self._wake = anyio.Event()
        self._refresh_lock = anyio.Lock()

    @classmethod
    def stdio(
        cls,
        command: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        errlog: TextIO | None = None,
        **options: Any,
    ) -> McpSource:
        """A source that starts `command args` as a subprocess and speaks MCP over its stdio."""
        params = StdioServerParameters(
            command=command, args=list(args), env=dict(env) if env else None, cwd=cwd
        )
        options.setdefault("label", " ".join([command, *args]))
        return cls(stdio_client(params, errlog=errlog) if errlog is not None else params, **options)

    @classmethod
    def http(cls, url: str, **options: Any) -> McpSource:
        """A source that speaks MCP's streamable HTTP transport to `url` (e.g. `.../mcp`)."""
        return cls(url, **options)

    @property
    def records(self) -> tuple[ApiRecord, ...]:
        """The cached (normalised) records of the server's tools."""
        return tuple(self._records.values())

    @property
    def protocol_version(self) -> str | None:
        """The negotiated MCP protocol version while connected."""
        return self._client.protocol_version if self._client is not None else None

    @property
    def connected(self) -> bool:
        """True inside `async with`."""
        return self._client is not None

    async def __aenter__(self) -> McpSource:
        self._wake, self._refresh_lock = anyio.Event(), anyio.Lock()  # bound to this event loop
        stack = AsyncExitStack()
        client = Client(
            self.server,
            mode=self.mode,
            read_timeout_seconds=self.read_timeout_s,
            message_handler=self._on_message,
            cache=None,  # this source keeps its own cache and refreshes it on change
        )
        try:
            await stack.enter_async_context(client)
            info = client.server_info
            if self.namespace is None:
                self.namespace = safe_namespace(info.name if info else "", "mcp")
            self._client, self._stack = client, stack
            await self.refresh()
            if self.watch:
                self._tasks = await stack.enter_async_context(anyio.create_task_group())
                self._tasks.start_soon(self._refresh_on_wake)
                if client.protocol_version in MODERN_PROTOCOL_VERSIONS and _announces_changes(client):
                    self._tasks.start_soon(self._listen)
        except BaseException as exc:
            self._unregister_all()
            self._client, self._stack, self._tasks = None, None, None
            await stack.aclose()
            if isinstance(exc, Exception):
                raise ApiSourceError(
                    f"could not start a session with MCP server {self.label!r}: {exc!r}"
                ) from exc
            raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._tasks is not None:
            self._tasks.cancel_scope.cancel()
        self._unregister_all()
        self._client, self._tasks = None, None
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    async def list_tools(self, *, refresh: bool = False) -> tuple[ApiRecord, ...]:
        """The tool records, from the cache unless `refresh` (or nothing was listed yet)."""
        if refresh or not self.refresh_count:
            await self.refresh()
        return self.records

    async def refresh(self) -> list[ApiRecord]:
        """Re-list the tools, update the cache, and bring the registry (if any) in line."""
        async with self._refresh_lock:
            tools = await self._list_all()
            fresh: dict[str, ApiRecord] = {}
            rejected: list[Rejection] = []
            for tool in tools:
                try:
                    fresh[tool.name] = normalize_record(self._record(tool))
                except InvalidApiRecordError as exc:
                    rejected.append(Rejection(exc.key, str(exc)))
            if self.registry is not None:
                rejected.extend(self._sync_registry(fresh))
            self._records, self.rejected = fresh, rejected
            self.refresh_count += 1
            return list(fresh.values())

    async def call_tool(self, name: str, arguments: dict[str, Any]) -> Any:
        """Call a tool and return `structuredContent`, else the content (a lone text block as text).

        Raises `ApiCallError` when the tool reports `isError` or the server answers with a JSON-RPC
        error, `ApiTransportError`/`ApiTimeoutError` when the session is gone or the request timed
        out, and `InvalidResultError` when the result breaks the tool's output schema.
        """
        client = self._client
        if client is None:
            raise ApiTransportError(
                f"MCP server {self.label!r} is not connected; use the source in `async with`."
            )
        try:
            result = await client.call_tool(name, arguments, read_timeout_seconds=self.read_timeout_s)
        except MCPError as exc:
            if exc.code == mcp_types.CONNECTION_CLOSED:
                raise ApiTransportError(f"MCP server {self.label!r} closed the connection.") from exc
            if exc.code == mcp_types.REQUEST_TIMEOUT:
                raise ApiTimeoutError(f"MCP tool `{name}` timed out: {exc.message}") from exc
            raise ApiCallError(f"MCP error {exc.code}: {exc.message}", content=exc.data) from exc
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError) as exc:
            raise ApiTransportError(f"lost the connection to MCP server {self.label!r}: {exc!r}") from exc
        except (RuntimeError, pydantic.ValidationError) as exc:  # the SDK's output-schema check
            raise InvalidResultError(f"MCP tool `{name}` returned an invalid result: {exc}") from exc
        blocks = [block.model_dump(mode="json", by_alias=True, exclude_none=True) for block in result.content]
        if result.is_error:
            text = " ".join(b.get("text", "") for b in blocks if b.get("type") == "text").strip()
            raise ApiCallError(text or f"MCP tool `{name}` reported an error.", content=blocks)
        if result.structured_content is not None:
            return result.structured_content
        if len(blocks) == 1 and blocks[0].get("type") == "text":
            return blocks[0].get("text", "")
        return blocks

    # -- internals ------------------------------------------------------------------------------

    def _record(self, tool: mcp_types.Tool) -> ApiRecord:
        hints = tool.annotations.model_dump(by_alias=True, exclude_none=True) if tool.annotations else None
        title = tool.title or (tool.annotations.title if tool.annotations else None)
        assert self.namespace is not None
        return ApiRecord(
            namespace=self.namespace,
            name=tool.name,
            description=tool.description or title or "",
            parameters=tool.input_schema,
            result=tool.output_schema,
            annotations=annotations_from_mcp(hints),
            source=f"mcp:{self.label}",
        )

    async def _list_all(self) -> list[mcp_types.Tool]:
        client = self._client
        if client is None:
            raise ApiTransportError(f"MCP server {self.label!r} is not connected.")
        tools: list[mcp_types.Tool] = []
        cursor: str | None = None
        for _ in range(_PAGE_CAP):
            page = await client.list_tools(cursor=cursor)
            tools.extend(page.tools)
            cursor = page.next_cursor
            if cursor is None:
                break
        return tools

    def _sync_registry(self, fresh: dict[str, ApiRecord]) -> list[Rejection]:
        assert self.registry is not None
        rejected: list[Rejection] = []
        for name in set(self._records) - set(fresh):
            self._unregister(self._records[name].key)
        for name, record in fresh.items():
            if record.key in self._registered and self._records.get(name) == record:
                continue
            try:
                self.registry.add(record, McpToolHandler(self, name), replace=record.key in self._registered)
                self._registered.add(record.key)
            except (InvalidApiRecordError, DuplicateApiError) as exc:
                rejected.append(Rejection(record.key, str(exc)))
        return rejected

    def _unregister(self, key: str) -> None:
        if self.registry is not None and key in self._registered:
            self.registry.discard(key)
        self._registered.discard(key)

    def _unregister_all(self) -> None:
        for key in list(self._registered):
            self._unregister(key)

    async def _on_message(self, message: Any) -> None:
        if isinstance(message, mcp_types.ToolListChangedNotification):
            self._wake.set()
        elif isinstance(message, Exception):
            log.debug("MCP server %r: transport reported %r", self.label, message)
        await anyio.lowlevel.checkpoint()

    async def _refresh_on_wake(self) -> None:
        while True:
            await self._wake.wait()
            self._wake = anyio.Event()
            try:
                await self.refresh()
            except Exception as exc:  # a background task: a bad listing must not kill the session
                log.warning("MCP server %r: could not refresh its tool list: %r", self.label, exc)

    async def _listen(self) -> None:
        client = self._client
        if client is None:
            return
        try:
            async with client.listen(tools_list_changed=True) as subscription:
                async for _event in subscription:
                    self._wake.set()
        except (ListenNotSupportedError, SubscriptionLost, MCPError, TimeoutError) as exc:
            log.info("MCP server %r: not following tool list changes: %r", self.label, exc)


def _announces_changes(client: Client) -> bool:
    tools = client.server_capabilities.tools
    return bool(tools and tools.list_changed)


def _label(server: Any) -> str:
    if isinstance(server, StdioServerParameters):
        return " ".join([server.command, *server.args])
    return server if isinstance(server, str) else type(server).__name__
