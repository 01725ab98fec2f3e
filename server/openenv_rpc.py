"""OpenEnv's "production mode": plain JSON-RPC on ``POST /mcp``, so an agent deployed with OpenEnv's
``MCPToolClient(use_production_mode=True)`` acts through the same tools as everywhere else.

That client skips the step protocol: it asks ``openenv/session/create`` for a session id, then
``tools/list`` and ``tools/call`` with ``session_id`` in their params, and ``openenv/session/close``
at the end, each one JSON-RPC request answered by one JSON object (no MCP handshake, no event
stream). Here a created session plays the server's default task (``palaestra serve --task T``),
reset at once (the answer holds its ``goal`` beside the ``session_id``; that client keeps only the
id, and an agent reads the goal there or from the page); its tools are the session's MCP tools
(`palaestra.server.openenv_tools`, one step of the episode a call), and the verdict is the
session's, as after any MCP play (``GET /sessions/{id}``). Requests that are not these go on to
the MCP transport at ``/mcp``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from palaestra.server.auth import AuthError
from palaestra.server.openenv_tools import CallTool, ToolActions, call_tool
from palaestra.server.sessions import SessionError

if TYPE_CHECKING:
    from palaestra.server.app import ServerContext

#: OpenEnv's session methods, and the tool methods that name a session in their params.
SESSION_METHODS = ("openenv/session/create", "openenv/session/close")
TOOL_METHODS = ("tools/list", "tools/call")
#: JSON-RPC's error codes used here.
METHOD_NOT_FOUND, INVALID_PARAMS = -32601, -32602


def production_request(body: bytes) -> dict[str, Any] | None:
    """``body`` parsed, if it is one of OpenEnv's production-mode requests; None if it is MCP's own
    transport (or not JSON), which then reads the body itself."""
    try:
        request = json.loads(body)
    except ValueError:
        return None
    if not isinstance(request, dict):
        return None
    method, params = request.get("method"), request.get("params")
    if method in SESSION_METHODS or (
        method in TOOL_METHODS and isinstance(params, dict) and "session_id" in params
    ):
        return request
    return None


def _error(request_id: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}


class ProductionRpc:
    """The answers to one server's production-mode requests; one tool set per session."""

    def __init__(self, context: ServerContext) -> None:
        self.context = context
        self.tools: dict[str, ToolActions] = {}

    async def answer(self, owner: str, request: dict[str, Any]) -> dict[str, Any]:
        request_id, method = request.get("id"), request.get("method")
        params = request.get("params") or {}
        try:
            result = await self._result(owner, str(method), params)
        except _RpcError as exc:
            return _error(request_id, exc.code, str(exc))
        except (SessionError, AuthError) as exc:
            return _error(request_id, INVALID_PARAMS, str(exc))
        return {"jsonrpc": "2.0", "id": request_id, "result": result}

    async def _result(self, owner: str, method: str, params: dict[str, Any]) -> dict[str, Any]:
        sessions = self.context.sessions
        if method == "openenv/session/create":
            task = self.context.config.default_task
            if not task:
                raise _RpcError(
                    INVALID_PARAMS,
                    "openenv/session/create: this server has no default task, and production mode names "
                    "none. Fix: start it with `palaestra serve --task TASK`, or play with resets over /ws.",
                )
            action_set = params.get("action_set", "")
            if not isinstance(action_set, str):
                raise _RpcError(
                    INVALID_PARAMS, "openenv/session/create: params.action_set is a name, e.g. web."
                )
            # Another of the task's action sets (`POST /sessions`'s action_set): its tools follow it.
            session = await sessions.create(owner, task, action_set=action_set)

            async def forget(sid: str = session.id) -> None:
                self.tools.pop(sid, None)

            session.on_close.append(forget)
            await sessions.run(session, lambda: session.reset())
            return {"session_id": session.id, "goal": session.env.goal}
        sid = params.get("session_id")
        if not isinstance(sid, str) or not sid:
            raise _RpcError(
                INVALID_PARAMS, f"{method}: params.session_id is required (from openenv/session/create)."
            )
        session = sessions.get(owner, sid)
        if method == "openenv/session/close":
            await sessions.close(owner, sid)
            return {"session_id": sid, "closed": True}
        actions = self.tools.setdefault(sid, ToolActions(sessions))
        server = actions.server_of(session)
        listed = await server.list_tools()
        if method == "tools/list":
            return {
                "tools": [
                    {"name": t.name, "description": t.description or "", "inputSchema": t.input_schema}
                    for t in listed
                ]
            }
        if method == "tools/call":
            name, arguments = params.get("name"), params.get("arguments") or {}
            if not isinstance(name, str) or not name or not isinstance(arguments, dict):
                raise _RpcError(
                    INVALID_PARAMS,
                    "tools/call: params.name (a tool's name) and params.arguments (an object) are required.",
                )
            spec = CallTool(type="call_tool", tool_name=name, arguments=arguments)
            answer = await call_tool(server, spec, {t.name for t in listed})
            if answer["error"] is not None:
                raise _RpcError(INVALID_PARAMS, answer["error"]["message"])
            return dict(answer["result"])
        served = ", ".join((*SESSION_METHODS, *TOOL_METHODS))
        raise _RpcError(METHOD_NOT_FOUND, f"Unknown method {method!r}; production mode serves {served}.")


class _RpcError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
