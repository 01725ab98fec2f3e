"""MCP over Streamable HTTP, at ``/mcp/{session}`` of the server (and ``/mcp`` for `palaestra mcp`).

A harness opens a session (``POST /sessions``), hands its agent the URL ``/mcp/{id}``, and reads
the verdict from ``GET /sessions/{id}`` when the agent has submitted. Each session gets its own MCP
server (its goal is that server's instructions), started at the first request and stopped when the
session closes. The same token rules hold as everywhere: only the session's owner reaches it. On
loopback the MCP SDK's DNS-rebinding protection checks the Host and Origin headers too.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from mcp.server.mcpserver import MCPServer
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from palaestra.server.auth import AuthError
from palaestra.server.http import error_of, error_response
from palaestra.server.mcp import build_mcp_server
from palaestra.server.openenv_rpc import ProductionRpc, production_request
from palaestra.server.sessions import Session, SessionError

if TYPE_CHECKING:
    from palaestra.server.app import ServerContext

#: `ServerContext.extras` key of the session ``/mcp`` (no id) serves, when there is one.
DEFAULT_SESSION = "mcp_default_session"


class McpEndpoint:
    """One session's MCP server on Streamable HTTP; its session manager runs in a task of its own."""

    def __init__(self, server: MCPServer, host: str) -> None:
        self.server = server
        server.streamable_http_app(streamable_http_path="/", host=host)  # creates the session manager
        self.manager = server.session_manager
        self._stop = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        ready = asyncio.create_task(self._ready.wait())
        await asyncio.wait({self._task, ready}, return_when=asyncio.FIRST_COMPLETED)
        if not self._ready.is_set():
            ready.cancel()
            await self._task  # raises what stopped it

    async def _run(self) -> None:
        async with self.manager.run():
            self._ready.set()
            await self._stop.wait()

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.manager.handle_request(scope, receive, send)


class McpDispatch:
    """The ASGI app behind ``/mcp/{sid}``: finds the caller's session and its MCP endpoint."""

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.endpoints: dict[str, McpEndpoint] = {}
        self._lock = asyncio.Lock()
        self.production = ProductionRpc(context)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        conn = HTTPConnection(scope)
        try:
            owner = self.context.auth.owner(conn.headers, conn.cookies)
        except AuthError as exc:
            status, code, message, extra = error_of(exc)
            await error_response(status, code, message, **extra)(scope, receive, send)
            return
        if scope.get("method") == "POST" and not scope.get("path_params", {}).get("sid"):
            body = await read_body(receive)
            request = production_request(body) if len(body) <= self.context.config.max_body_bytes else None
            if request is not None:  # OpenEnv's production mode (`openenv_rpc`)
                await JSONResponse(await self.production.answer(owner, request))(scope, receive, send)
                return
            receive = replay(body, receive)
        try:
            sid = scope.get("path_params", {}).get("sid") or self.context.extras.get(DEFAULT_SESSION, "")
            session = self.context.sessions.get(owner, sid)
        except (AuthError, SessionError) as exc:
            status, code, message, extra = error_of(exc)
            await error_response(status, code, message, **extra)(scope, receive, send)
            return
        endpoint = await self._endpoint(session)
        session.last_used = time.monotonic()
        await endpoint(scope, receive, send)

    async def _endpoint(self, session: Session) -> McpEndpoint:
        async with self._lock:
            endpoint = self.endpoints.get(session.id)
            if endpoint is None:
                server = build_mcp_server(session, self.context.sessions)
                endpoint = McpEndpoint(server, self.context.config.host)
                await endpoint.start()
                self.endpoints[session.id] = endpoint

                async def release(sid: str = session.id) -> None:
                    gone = self.endpoints.pop(sid, None)
                    if gone is not None:
                        await gone.stop()

                session.on_close.append(release)
            return endpoint


async def read_body(receive: Receive) -> bytes:
    """A request's whole body (the server's body limit applies before this app is reached)."""
    chunks, more = [], True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for an app after the body was read here: the body once, then what comes next."""
    sent = False

    async def again() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def mcp_routes(context: ServerContext) -> list[BaseRoute]:
    dispatch = McpDispatch(context)
    context.extras["mcp"] = dispatch
    methods = ["GET", "POST", "DELETE"]
    return [
        Route("/mcp/{sid}", dispatch, methods=methods, include_in_schema=False),
        Route("/mcp", dispatch, methods=methods, include_in_schema=False),
    ]
