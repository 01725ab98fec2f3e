"""A tiny real MCP server that misbehaves, for the routing tests (stdio, or streamable HTTP).

Tools: `add` (works), `hang` (sleeps as long as asked), `die` (ends the server's process at once,
as a crash would), `big` (returns a text of the asked length) and `pid` (the server's process id,
for a test to kill it from outside).
"""

from __future__ import annotations

import os
import time

from mcp.server.mcpserver import MCPServer
from mcp.types import ToolAnnotations

SAFE = ToolAnnotations(read_only_hint=True, idempotent_hint=True, open_world_hint=False)


def build_server() -> MCPServer:
    server = MCPServer("faulty", log_level="WARNING")

    @server.tool(annotations=SAFE)
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool(annotations=SAFE)
    def hang(seconds: float) -> str:
        """Sleep for this many seconds, then answer."""
        time.sleep(seconds)
        return "awake"

    @server.tool(annotations=SAFE)
    def die() -> str:
        """End the server's process without a word."""
        os._exit(3)

    @server.tool(annotations=SAFE)
    def big(chars: int) -> str:
        """A text of this many characters."""
        return "x" * chars

    @server.tool(annotations=SAFE)
    def pid() -> int:
        """The server's process id."""
        return os.getpid()

    return server


if __name__ == "__main__":
    build_server().run()
