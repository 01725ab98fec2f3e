"""The tools side of an MCP source: the server's tool list as cached records, kept in line with a
registry, and calls to those tools with their results and errors mapped to ours.

A mixin of ``McpSource`` (``palaestra.routing.sources.mcp``), kept apart from it because the source
itself is about the session: starting and ending it, and following the server's list changes.
"""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp_types
import pydantic
from mcp import Client
from mcp.shared.exceptions import MCPError

from palaestra.routing.errors import (
    ApiCallError,
    ApiTimeoutError,
    ApiTransportError,
    ApiUnavailableError,
    DuplicateApiError,
    InvalidApiRecordError,
    InvalidResultError,
)
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import ApiRegistry, Rejection
from palaestra.routing.schema import normalize_record
from palaestra.routing.sources.json_file import annotations_from_mcp

_PAGE_CAP = 100

log = logging.getLogger("palaestra.routing.sources.mcp")


class McpToolHandler:
    """An `ApiHandler` that calls one tool through its source's live session."""

    def __init__(self, source: McpTools, tool: str) -> None:
        self.source, self.tool = source, tool

    async def call(self, arguments: dict[str, Any]) -> Any:
        """Call the tool; see `McpSource.call_tool` for how results and errors are mapped."""
        return await self.source.call_tool(self.tool, arguments)

    def __repr__(self) -> str:
        return f"McpToolHandler({self.source.label!r}, {self.tool!r})"


class McpTools:
    """The cached tool records of one MCP session, their registration, and calls to the tools."""

    label: str
    namespace: str | None
    registry: ApiRegistry | None
    read_timeout_s: float | None
    rejected: list[Rejection]
    refresh_count: int
    #: Why the server was lost (it exited, or stopped answering), while the source still holds its
    #: session; None while it works. Its tools then fail at once with this reason.
    lost: str | None
    _records: dict[str, ApiRecord]
    _registered: set[str]
    _client: Client | None
    _refresh_lock: anyio.Lock

    @property
    def records(self) -> tuple[ApiRecord, ...]:
        """The cached (normalised) records of the server's tools."""
        return tuple(self._records.values())

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
        if self.lost is not None:
            raise ApiUnavailableError(self._lost_message())
        if client is None:
            raise ApiTransportError(
                f"MCP server {self.label!r} is not connected; use the source in `async with`."
            )
        try:
            result = await client.call_tool(name, arguments, read_timeout_seconds=self.read_timeout_s)
        except MCPError as exc:
            if exc.code == mcp_types.CONNECTION_CLOSED:
                self.mark_lost(exc)
                raise ApiUnavailableError(self._lost_message()) from exc
            if exc.code == mcp_types.REQUEST_TIMEOUT:
                raise ApiTimeoutError(f"MCP tool `{name}` timed out: {exc.message}") from exc
            raise ApiCallError(f"MCP error {exc.code}: {exc.message}", content=exc.data) from exc
        except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError) as exc:
            self.mark_lost(exc)
            raise ApiUnavailableError(self._lost_message()) from exc
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

    def mark_lost(self, cause: BaseException) -> None:
        """Remember that the server is gone (the first cause wins), say so once in the log, and
        mark its tools unavailable in the registry, so that selectors stop offering them."""
        if self.lost is None:
            self.lost = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
            log.warning(
                "MCP server %r was lost (%s); its tools fail until it is started again.",
                self.label,
                self.lost,
            )
            # Left registered (a call names the stop and the restart), but out of selection.
            if self.registry is not None:
                for key in list(self._registered):
                    if key in self.registry:
                        self.registry.set_unavailable(key, self._lost_message())

    def _lost_message(self) -> str:
        return (
            f"MCP server {self.label!r} has stopped ({self.lost}); its tools cannot be called until the "
            "source is started again (`await source.restart()`)"
        )

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
            except DuplicateApiError:
                holder = self.registry.get(record.key).source or "another source"
                problem = (
                    f"API `{record.key}` is registered already, from {holder}. Give this server a "
                    f"namespace of its own: McpSource(..., namespace='{self.namespace}_2') or any other."
                )
                rejected.append(Rejection(record.key, problem))
            except InvalidApiRecordError as exc:
                rejected.append(Rejection(record.key, str(exc)))
        if rejected:
            log.warning(
                "MCP server %r: %d tool(s) not registered; the first: %s",
                self.label,
                len(rejected),
                rejected[0].problem,
            )
        return rejected

    def _unregister(self, key: str) -> None:
        if self.registry is not None and key in self._registered:
            self.registry.discard(key)
        self._registered.discard(key)

    def _unregister_all(self) -> None:
        for key in list(self._registered):
            self._unregister(key)
