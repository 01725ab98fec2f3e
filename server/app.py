"""The server as one ASGI app: OpenEnv's routes, the session API, MCP at /mcp, and extensions.

    from palaestra.server import ServerConfig, create_app
    app = create_app(ServerConfig(max_sessions=8))        # run it with uvicorn

Everything a route needs hangs off one `ServerContext` (configuration, auth, sessions), reachable
from any request, in this app or in a mounted sub-app, as `palaestra.server.http.context_of(request)`
(``request.state.palaestra``). Extensions such as the debugging UI add their routes through
``extensions``: each is called with the context and returns Starlette routes (``Mount("/ui", ...)``),
uses ``owner_of(request)`` for the same auth rules (a sub-app passes `EXCEPTION_HANDLERS` to its
``Starlette`` so a missing token is a 401 there too) and ``context.sessions`` for live environments:
``await sessions.create(owner, task, parts=..., record=...)``, then
``await sessions.run(session, lambda: session.step(action))`` (one request at a time, timed out).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route

from palaestra.config import ConfigError
from palaestra.errors import UnknownNameError
from palaestra.server import api, openenv
from palaestra.server.auth import Auth, AuthError
from palaestra.server.config import ServerConfig
from palaestra.server.http import BodyLimit, ClientAddress, LoopbackHosts, SameOrigin, handle_error
from palaestra.server.openapi import openapi_document
from palaestra.server.sessions import EnvFactory, SessionError, SessionManager

log = logging.getLogger(__name__)


@dataclass
class ServerContext:
    """One server's shared state: what every transport and extension works through."""

    config: ServerConfig
    auth: Auth
    sessions: SessionManager
    #: Coroutines run at startup and shutdown (extensions add theirs).
    on_startup: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    on_shutdown: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    #: Sub-systems keep their state here by name (e.g. "mcp"), so extensions can find them.
    extras: dict[str, Any] = field(default_factory=dict)


#: An extension: given the server's context, the routes it adds (mounted sub-apps included).
Extension = Callable[[ServerContext], Iterable[BaseRoute]]
#: How the errors routes raise on purpose become JSON answers (401, 404, 422, ...); a mounted
#: sub-app passes them to its own ``Starlette(exception_handlers=...)`` to answer the same way.
EXCEPTION_HANDLERS: dict[Any, Any] = {
    error: handle_error for error in (SessionError, AuthError, UnknownNameError, ConfigError)
}


def create_app(
    config: ServerConfig | None = None,
    *,
    env_factory: EnvFactory | None = None,
    extensions: Sequence[Extension] = (),
    mcp: bool = True,
) -> Starlette:
    """The server's ASGI app. ``env_factory`` builds each session's environment (`make_env`)."""
    config = (config or ServerConfig()).check()
    sessions = SessionManager(config, env_factory) if env_factory else SessionManager(config)
    context = ServerContext(config=config, auth=Auth(config.tokens), sessions=sessions)
    routes: list[BaseRoute] = [*openenv.routes(), *api.routes()]
    if mcp:
        from palaestra.server.mcp_http import mcp_routes

        routes += mcp_routes(context)
    mounted: list[str] = []  # extensions' sub-apps, which refuse cross-site requests their own way
    for extension in extensions:
        added = list(extension(context))
        mounted += [r.path for r in added if isinstance(r, Mount)]
        routes += added
    app_routes = list(routes)

    async def openapi(request: Request) -> JSONResponse:
        return JSONResponse(openapi_document(app_routes))

    routes.append(Route("/openapi.json", openapi, methods=["GET"], include_in_schema=False))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        await sessions.start()
        for start in context.on_startup:
            await start()
        try:
            yield {"palaestra": context}
        finally:
            for stop in reversed(context.on_shutdown):
                try:
                    await stop()
                except Exception:  # an extension's own code: one failing must not keep the rest from stopping
                    log.warning("A shutdown callback of the server failed: %r", stop, exc_info=True)
            await sessions.stop()

    handlers = dict(EXCEPTION_HANDLERS)
    middleware = [
        Middleware(ClientAddress),
        Middleware(SameOrigin, own_rules=tuple(mounted)),
        Middleware(BodyLimit, limit=config.max_body_bytes),
    ]
    if not context.auth.required:
        middleware.insert(0, Middleware(LoopbackHosts))
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers, middleware=middleware)
    app.state.palaestra = context
    return app
