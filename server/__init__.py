"""The environment server: every registered environment served to agents in any process or language.

One ASGI app (`create_app`), one process, many sessions, each session one environment. It speaks
OpenEnv's protocol (``WS /ws`` and its HTTP routes), Palaestra's own session API, and MCP (tools
shaped like Playwright MCP's, at ``/mcp/{session}`` or over stdio with ``palaestra mcp``).
`RemoteEnv` is the Gymnasium environment on the other side of the wire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.lazy import lazy_exports

if TYPE_CHECKING:
    from palaestra.server.app import Extension, ServerContext, create_app
    from palaestra.server.auth import Auth, AuthError
    from palaestra.server.config import ServerConfig
    from palaestra.server.http import context_of, owner_of
    from palaestra.server.remote import RemoteEnv
    from palaestra.server.sessions import Session, SessionManager

__all__ = [
    "Auth",
    "AuthError",
    "Extension",
    "RemoteEnv",
    "ServerConfig",
    "ServerContext",
    "Session",
    "SessionManager",
    "context_of",
    "create_app",
    "owner_of",
]

_LAZY = {
    "Auth": "palaestra.server.auth",
    "AuthError": "palaestra.server.auth",
    "Extension": "palaestra.server.app",
    "RemoteEnv": "palaestra.server.remote",
    "ServerConfig": "palaestra.server.config",
    "ServerContext": "palaestra.server.app",
    "Session": "palaestra.server.sessions",
    "SessionManager": "palaestra.server.sessions",
    "context_of": "palaestra.server.http",
    "create_app": "palaestra.server.app",
    "owner_of": "palaestra.server.http",
}

__getattr__ = lazy_exports(__name__, _LAZY)
