"""What every route shares: who the caller is, validated bodies, errors as JSON that name the field.

Errors have one shape, whatever went wrong::

    {"error": {"code": "VALIDATION_ERROR", "message": "seed: Input should be ...",
               "fields": [{"field": "seed", "message": "Input should be ..."}]}}
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palaestra.config import ConfigError
from palaestra.envs.views import ViewUnavailable
from palaestra.errors import UnknownNameError
from palaestra.server.auth import UNAUTHORIZED, AuthError
from palaestra.server.sessions import CLIENT, SessionError
from palaestra.server.wire import dumps

if TYPE_CHECKING:
    from palaestra.server.app import ServerContext

M = TypeVar("M", bound=BaseModel)
#: The error code of a view the session's environment cannot give (`ViewUnavailable`).
VIEW_UNAVAILABLE = "VIEW_UNAVAILABLE"


class BadRequest(SessionError):
    """A request body that is not what the route takes; ``fields`` names the culprits."""

    status = 422
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or []


class WireResponse(JSONResponse):
    """JSON as `palaestra.server.wire.dumps` writes it (compact; numpy values converted)."""

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


class UnsupportedMedia(SessionError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"


def error_response(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="palaestra"'} if status == 401 else None
    return JSONResponse({"error": {"code": code, "message": message, **extra}}, status, headers=headers)


def error_of(exc: BaseException) -> tuple[int, str, str, dict[str, Any]]:
    """(status, code, message, extra) for the errors routes raise on purpose."""
    if isinstance(exc, BadRequest):
        return exc.status, exc.code, str(exc), {"fields": exc.fields}
    if isinstance(exc, SessionError):  # some name the field at fault, as a body's 422 does
        fields = getattr(exc, "fields", None)
        return exc.status, exc.code, str(exc), {"fields": fields} if fields else {}
    if isinstance(exc, AuthError):
        return 401, UNAUTHORIZED, str(exc), {}
    if isinstance(exc, UnknownNameError):
        return 422, "VALIDATION_ERROR", f"task: {exc}", {"fields": [{"field": "task", "message": str(exc)}]}
    if isinstance(exc, ViewUnavailable):  # a ConfigError too: the view names the fix
        return 422, VIEW_UNAVAILABLE, str(exc), {"fields": [{"field": "views", "message": str(exc)}]}
    if isinstance(exc, ConfigError):
        return 400, "BAD_REQUEST", str(exc), {}
    raise exc


async def handle_error(request: Request, exc: Exception) -> JSONResponse:
    status, code, message, extra = error_of(exc)
    return error_response(status, code, message, **extra)


def field_errors(exc: ValidationError, prefix: tuple[str | int, ...] = (), whole: str = "body") -> BadRequest:
    """A pydantic error as a `BadRequest` naming each field by its dotted path (``whole`` when the
    error is about the value as a whole)."""
    fields = []
    for error in exc.errors():
        loc = [str(p) for p in (*prefix, *error["loc"])]
        fields.append({"field": ".".join(loc) or whole, "message": error["msg"]})
    message = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return BadRequest(message, fields)


def validate(model: type[M], data: Any, prefix: tuple[str | int, ...] = ()) -> M:
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as exc:
        raise field_errors(exc, prefix) from None


async def body(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model``; an empty body is ``{}``."""
    raw = await request.body()
    if not raw.strip():
        return validate(model, {})
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        # A web page may send text/plain to localhost without asking; JSON makes browsers ask first.
        raise UnsupportedMedia("body: send JSON with `Content-Type: application/json`.")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body: not JSON ({exc})", [{"field": "body", "message": "not JSON"}]) from None
    if not isinstance(data, dict):
        raise BadRequest("body: expected a JSON object", [{"field": "body", "message": "expected an object"}])
    return validate(model, data)


def context_of(conn: HTTPConnection) -> ServerContext:
    """The server a request reached, from any route or mounted sub-app (lifespan state)."""
    context: ServerContext | None = getattr(conn.state, "palaestra", None)
    if context is None:  # no lifespan ran (an ASGI test transport): the app keeps it too
        context = conn.app.state.palaestra
    assert context is not None
    return context


def owner_of(conn: HTTPConnection) -> str:
    """The caller's owner id (raises `AuthError`, answered with 401, when it has no valid token)."""
    return context_of(conn).auth.owner(conn.headers, conn.cookies)


class BodyLimit:
    """Refuse HTTP bodies over ``limit`` bytes with 413, by Content-Length or as they stream in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await self._refuse(scope, receive, send)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413, "TOO_LARGE", f"body: larger than this server's limit of {self.limit} bytes."
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


class ClientAddress:
    """Note each request's client address (`palaestra.server.sessions.CLIENT`) while it is served,
    so that what the sessions log says which client asked (a WebSocket: for as long as it is open)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] not in ("http", "websocket") or not client:
            await self.app(scope, receive, send)
            return
        noted = CLIENT.set(f"{client[0]}:{client[1]}")
        try:
            await self.app(scope, receive, send)
        finally:
            CLIENT.reset(noted)


class LoopbackHosts:
    """On a server without a token, answer only requests addressed to a loopback name, so that a
    web page whose DNS name is rebound to 127.0.0.1 cannot read what this server answers."""

    ALLOWED = frozenset({"127.0.0.1", "localhost", "::1"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.startswith("[") else host[1:].split("]")[0]
            if name not in self.ALLOWED:
                if scope["type"] == "http":
                    response = error_response(421, "MISDIRECTED", f"Host {host!r} is not this server's.")
                    await response(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


class SameOrigin:
    """Refuse requests a web page of another site sends: an ``Origin`` header (which browsers add to
    every WebSocket handshake and to cross-site POSTs) that is not this server's own address.

    Browsers let any page open a WebSocket to ``ws://127.0.0.1:8765/ws`` and read its answers, and
    post an empty body (``fetch(url, {method: "POST", mode: "no-cors"})``) without asking the server
    first: without this, a page a researcher visits could play, watch and open sessions of a
    loopback server that has no token. Clients that are not browsers send no ``Origin`` and pass.
    Paths under ``own_rules`` (sub-apps of extensions, such as the UI, that answer cross-site
    requests their own way) are left to them.
    """

    def __init__(self, app: ASGIApp, own_rules: tuple[str, ...] = ()) -> None:
        self.app, self.own_rules = app, own_rules

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] in ("http", "websocket") and not any(
            path == p or path.startswith(p.rstrip("/") + "/") for p in self.own_rules
        ):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin")
            if origin is not None and not _same_origin(origin, headers.get(b"host", b"")):
                shown = origin.decode("latin-1")
                if scope["type"] == "http":
                    message = (
                        f"Refused a request from the web page at {shown!r}: this server answers its own "
                        "pages and clients that are not browsers only."
                    )
                    await error_response(403, "CROSS_SITE", message)(scope, receive, send)
                else:
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def _same_origin(origin: bytes, host: bytes) -> bool:
    """Whether ``Origin: scheme://host[:port]`` names the address ``Host`` says was asked for."""
    try:
        netloc = urlsplit(origin.decode("latin-1").strip()).netloc
    except ValueError:
        return False
    return bool(netloc) and netloc.lower() == host.decode("latin-1").strip().lower()
