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

A server that is lost (its process exited, its endpoint went away) is noticed by the call that
fails, or between calls by a question every `heartbeat_s` seconds; its tools then stay registered but
marked unavailable, so a selector following the registry stops offering them, and a call names the
stop and the fix (`await source.restart()`, which brings them back with the same keys).
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
from mcp import Client, StdioServerParameters
from mcp.client.subscriptions import ListenNotSupportedError, SubscriptionLost
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from palaestra.routing.errors import ApiSourceError
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import ApiRegistry, Rejection
from palaestra.routing.sources._mcp_tools import McpToolHandler, McpTools
from palaestra.routing.sources._mcp_transports import http_recipe, stdio_recipe
from palaestra.routing.sources.json_file import safe_namespace

__all__ = ["McpSource", "McpToolHandler"]

log = logging.getLogger(__name__)
#: How often a session asks its server something to notice that it is gone, in seconds (set by
#: hand: a tool list costs a server next to nothing, and a lost server's tools are offered this
#: long at most).
HEARTBEAT_S = 5.0
#: How long that question may go unanswered before it is given up (the server is busy, not lost).
PING_TIMEOUT_S = 10.0


class McpSource(McpTools):
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
        heartbeat_s: float | None = HEARTBEAT_S,
    ) -> None:
        """`server` is `StdioServerParameters`, a streamable-HTTP URL, a function returning a
        fresh SDK `Transport` for each session, or one SDK `Transport` (which serves one session
        only: such a source cannot restart).

        `namespace` defaults to the server's reported name; `mode` is the SDK's protocol
        negotiation ("auto", "legacy" or a protocol version); `watch` follows list changes;
        `heartbeat_s` is how often the session asks the server for its tools to notice that it is gone
        (None: only a failing call notices).
        """
        if heartbeat_s is not None and not heartbeat_s > 0:
            raise ValueError(
                f"heartbeat_s must be a positive number of seconds, or None; got {heartbeat_s!r}."
            )
        self.heartbeat_s = heartbeat_s
        self.server, self.registry, self.mode = server, registry, mode
        self._sessions = 0
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
        self._stop = anyio.Event()
        self.lost: str | None = None

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
        return cls(stdio_recipe(params, errlog) if errlog is not None else params, **options)

    @classmethod
    def http(cls, url: str, *, headers: Mapping[str, str] | None = None, **options: Any) -> McpSource:
        """A source that speaks MCP's streamable HTTP transport to `url` (e.g. `.../mcp`), every
        request carrying `headers` (e.g. `{"Authorization": f"Bearer {token}"}`)."""
        options.setdefault("label", url)
        return cls(http_recipe(url, headers) if headers else url, **options)

    @property
    def protocol_version(self) -> str | None:
        """The negotiated MCP protocol version while connected."""
        return self._client.protocol_version if self._client is not None else None

    @property
    def connected(self) -> bool:
        """True inside `async with`, until the server is lost (`lost` then says why)."""
        return self._client is not None and self.lost is None

    async def __aenter__(self) -> McpSource:
        self._wake, self._refresh_lock = anyio.Event(), anyio.Lock()  # bound to this event loop
        self._stop, self.lost = anyio.Event(), None
        stack = AsyncExitStack()
        client = Client(
            self._transport(),
            mode=self.mode,
            read_timeout_seconds=self.read_timeout_s,
            message_handler=self._on_message,
            cache=None,  # this source keeps its own cache and refreshes it on change
        )
        try:
            session = await stack.enter_async_context(anyio.create_task_group())
            await session.start(self._hold_session, client)
            info = client.server_info
            if self.namespace is None:
                self.namespace = safe_namespace(info.name if info else "", "mcp")
            self._client, self._stack = client, stack
            await self.refresh()
            if self._records and not self._registered and self.registry is not None:
                raise ApiSourceError(
                    f"MCP server {self.label!r} has {len(self._records)} tools and none could be "
                    f"registered: {self.rejected[0].problem}"
                )
            self._tasks = await stack.enter_async_context(anyio.create_task_group())
            if self.watch:
                self._tasks.start_soon(self._refresh_on_wake)
                if client.protocol_version in MODERN_PROTOCOL_VERSIONS and _announces_changes(client):
                    self._tasks.start_soon(self._listen)
            if self.heartbeat_s is not None:
                self._tasks.start_soon(self._heartbeat, client, self.heartbeat_s)
        except BaseException as exc:
            self._unregister_all()
            self._client, self._stack, self._tasks = None, None, None
            self._stop.set()
            await stack.aclose()
            if isinstance(exc, Exception) and not isinstance(exc, ApiSourceError):
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
        self._stop.set()
        if self._stack is not None:
            stack, self._stack = self._stack, None
            await stack.aclose()

    def _transport(self) -> Any:
        """What this session connects with (a recipe's fresh transport; a transport object once)."""
        self._sessions += 1
        if isinstance(self.server, str | StdioServerParameters):
            return self.server
        if callable(self.server):
            return self.server()
        if self._sessions > 1:
            raise ApiSourceError(
                f"MCP server {self.label!r} was given as a transport object, which serves one session; "
                "give a URL, StdioServerParameters or a function returning a fresh transport to start "
                "it again."
            )
        return self.server

    async def restart(self) -> McpSource:
        """End the session and start a new one (a lost server's process is started again).

        Call it from the code holding the `async with`: the session's tasks belong to that task.
        Tools keep their keys; the registry sees each removed and added again, which a selector
        that follows it indexes without embedding anything anew.
        """
        await self.__aexit__(None, None, None)
        return await self.__aenter__()

    async def _hold_session(
        self, client: Client, *, task_status: anyio.abc.TaskStatus[None] = anyio.TASK_STATUS_IGNORED
    ) -> None:
        """Open the session in a task of its own and hold it until `__aexit__`.

        The SDK runs the transport in task groups of the session's task: when a server dies (an
        HTTP endpoint refusing connections), their failure cancels that task and is raised where
        the session ends. Held here, that failure ends this task only and is kept in `lost`,
        instead of cancelling the code inside `async with` and escaping it as an exception group.
        """
        started = False
        try:
            async with client:
                started = True
                task_status.started()
                await self._stop.wait()
        except Exception as exc:
            if not started:
                raise
            self.mark_lost(_first_cause(exc))

    # -- internals ------------------------------------------------------------------------------

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
        except MCPError as exc:
            if exc.code == mcp_types.CONNECTION_CLOSED:
                self.mark_lost(exc)
            else:
                log.info("MCP server %r: not following tool list changes: %r", self.label, exc)
        except (ListenNotSupportedError, SubscriptionLost, TimeoutError) as exc:
            log.info("MCP server %r: not following tool list changes: %r", self.label, exc)
        except Exception as exc:  # the transport failed under the stream: the session says so on its own
            log.info("MCP server %r: stopped following tool list changes: %r", self.label, _first_cause(exc))

    async def _heartbeat(self, client: Client, every_s: float) -> None:
        """Ask the server something every `every_s` seconds until it is lost: a stdio server that
        exited between calls is noticed only by a request, and until then a selector would offer
        its tools. The question is the first page of its tool list (MCP's ping is gone from
        2026-07-28 connections); it is not read. One left unanswered is a busy server, not a lost one."""
        while self.lost is None:
            await anyio.sleep(every_s)
            try:
                with anyio.move_on_after(max(every_s, PING_TIMEOUT_S)):
                    await client.list_tools()
            except MCPError as exc:
                if exc.code == mcp_types.CONNECTION_CLOSED:
                    self.mark_lost(exc)
            except (anyio.ClosedResourceError, anyio.BrokenResourceError, anyio.EndOfStream, OSError) as exc:
                self.mark_lost(exc)
            except Exception as exc:  # a background task: an odd answer must not end the session
                log.debug("MCP server %r: heartbeat failed: %r", self.label, exc)


def _announces_changes(client: Client) -> bool:
    tools = client.server_capabilities.tools
    return bool(tools and tools.list_changed)


def _first_cause(exc: BaseException) -> BaseException:
    """The first leaf of an exception group (what actually failed), else the exception itself."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _label(server: Any) -> str:
    if isinstance(server, StdioServerParameters):
        return " ".join([server.command, *server.args])
    return server if isinstance(server, str) else type(server).__name__
