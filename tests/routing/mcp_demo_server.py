"""A tiny real MCP server for the routing tests (run over stdio, or served over streamable HTTP).

Tools: `add` (read-only, idempotent), `fail` (always reports an error), `delete_note` (no hints, so
destructive by MCP's defaults), `echo_later` (appears only after `grow`), and `grow`, which adds
`echo_later`, removes `fail` and announces the change both ways the SDK offers: the handshake-era
`notifications/tools/list_changed` and the 2026-07-28 subscription bus.
"""

from __future__ import annotations

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations


def build_server() -> MCPServer:
    server = MCPServer("demo", log_level="WARNING")

    @server.tool(
        annotations=ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)
    )
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(annotations=ToolAnnotations(read_only_hint=True))
    def fail(reason: str) -> str:
        """Always fail, with the given reason."""
        raise ToolError(reason)

    @server.tool()
    def delete_note(note_id: str) -> str:
        """Delete a note for good."""
        return f"deleted {note_id}"

    def echo_later(text: str) -> str:
        """Echo the text back."""
        return text

    @server.tool(annotations=ToolAnnotations(idempotent_hint=True, destructive_hint=False))
    async def grow(ctx: Context) -> str:
        """Change the tool list: add `echo_later`, remove `fail`."""
        server.add_tool(echo_later, name="echo_later", annotations=ToolAnnotations(read_only_hint=True))
        server.remove_tool("fail")
        await ctx.request_context.session.send_tool_list_changed()
        await ctx.notify_tools_changed()
        return "grown"

    return server


if __name__ == "__main__":
    build_server().run()
