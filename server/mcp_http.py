"""MCP over Streamable HTTP at /mcp/{session} (see `palaestra.server.mcp`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from palaestra.server.app import ServerContext


def mcp_routes(context: ServerContext) -> list[BaseRoute]:
    return []
