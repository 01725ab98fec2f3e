"""OpenEnv's tool actions on its WebSocket, so OpenEnv's own ``MCPToolClient`` drives a session.

OpenEnv's MCP client (``openenv.core.mcp_client.MCPToolClient``, in its default mode) does not speak
MCP's transport: it sends ``step`` messages whose ``data`` is ``{"type": "list_tools"}`` or
``{"type": "call_tool", "tool_name": ..., "arguments": {...}}`` on ``/ws``, and reads the answer's
observation as a tool list (``tools``) or a tool's result (``tool_name``, ``result``, ``error``).
Here those actions reach the same tools as ``/mcp/{id}`` (`palaestra.server.mcp`: Playwright MCP's
names, or a desktop's), built once per session, so a tool call is one step of the episode exactly as
over MCP. A result is MCP's ``CallToolResult`` as JSON, with ``data`` holding its text when it is
all text (which the client's ``call_tool`` returns). That client keeps nothing of a reset's
observation but ``metadata``, so every tool answer's ``metadata`` holds the goal (``list_tools``
gives it first). A failed call is OpenEnv's ``ToolError`` (``tool_not_found``, ``invalid_args``,
``execution_error``), which that client raises; an action the page refused is no failure: it is in
the text, as the observation's ``last_action_error`` is.
"""

from __future__ import annotations

from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field, ValidationError

from palaestra.server.http import validate
from palaestra.server.mcp import build_mcp_server
from palaestra.server.models import Strict
from palaestra.server.sessions import Session, SessionManager
from palaestra.server.wire import episode_fields

#: The ``type`` of a step's ``data`` that is a tool action, not an action string.
TOOL_ACTIONS = ("list_tools", "call_tool")
#: OpenEnv's ``ToolErrorType`` values.
TOOL_NOT_FOUND, INVALID_ARGS, EXECUTION_ERROR = "tool_not_found", "invalid_args", "execution_error"


class ListTools(Strict):
    type: Literal["list_tools"]


class CallTool(Strict):
    type: Literal["call_tool"]
    tool_name: str = Field(min_length=1, max_length=200)
    arguments: dict[str, Any] = Field(default_factory=dict)


def is_tool_action(data: dict[str, Any]) -> bool:
    return data.get("type") in TOOL_ACTIONS


class ToolActions:
    """One connection's tool actions: the MCP server of its current session, made when first asked."""

    def __init__(self, sessions: SessionManager) -> None:
        self.sessions = sessions
        self._server: tuple[str, MCPServer] | None = None

    def server_of(self, session: Session) -> MCPServer:
        if self._server is None or self._server[0] != session.id:
            self._server = (session.id, build_mcp_server(session, self.sessions))
        return self._server[1]

    async def answer(self, session: Session, data: dict[str, Any]) -> dict[str, Any]:
        """OpenEnv's step answer (``observation``, ``reward``, ``done``) to one tool action."""
        server = self.server_of(session)
        if data.get("type") == "list_tools":
            validate(ListTools, data, ("data",))
            tools = await server.list_tools()
            observation: dict[str, Any] = {
                "tools": [
                    {"name": t.name, "description": t.description or "", "input_schema": t.input_schema}
                    for t in tools
                ]
            }
        else:
            spec = validate(CallTool, data, ("data",))
            known = {t.name for t in await server.list_tools()}
            observation = {"tool_name": spec.tool_name, **await call_tool(server, spec, known)}
        last = session.last
        if last is not None:
            observation.update(episode_fields(last.terminated, last.truncated, last.info))
        # The client keeps only ``metadata`` of a reset's observation: the goal travels here too.
        observation["metadata"] = {"goal": session.env.goal if last is not None else ""}
        return {
            "observation": observation,
            "reward": last.reward if last is not None else 0.0,
            "done": session.ended,
        }


async def call_tool(server: MCPServer, spec: CallTool, known: set[str]) -> dict[str, Any]:
    """OpenEnv's ``result`` and ``error`` for one tool call (``known``: the tools' names)."""
    try:
        result = await server.call_tool(spec.tool_name, spec.arguments)
    except ToolError as exc:
        cause = exc.__cause__
        if spec.tool_name not in known:
            kind, message = TOOL_NOT_FOUND, str(exc)
        else:  # bad arguments are named by `PalaestraMCP`, which keeps pydantic's error as the cause
            kind = INVALID_ARGS if isinstance(cause, ValidationError) else EXECUTION_ERROR
            message = str(exc).removeprefix(f"Error executing tool {spec.tool_name}: ")
        return {"result": None, "error": {"error_type": kind, "message": message}}
    dumped = result.model_dump(mode="json", by_alias=True, exclude_none=True)
    content = dumped.get("content") or []
    if content and all(part.get("type") == "text" for part in content):
        dumped["data"] = "\n".join(part.get("text", "") for part in content)
    return {"result": dumped, "error": None}
