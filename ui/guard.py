"""Who may use the UI, from where, and what the browser may do with its pages.

The rules are the environment server's: on 127.0.0.1 with no token anyone on this machine may use
it; any other address needs a bearer token. A browser cannot send a bearer header on a link, so the
first visit carries the token in the URL (`?token=...`, as `palaestra ui` prints it) and gets it
back as an HttpOnly, SameSite=Strict cookie, and the token leaves the address bar at once.

Two attacks reach a loopback server from a web page the person happens to have open, and both are
refused: DNS rebinding (a page's own domain re-pointed at 127.0.0.1: the Host header is checked
against loopback names) and cross-site requests that change things (a POST from another origin:
the Origin header must be this server's, and bodies must be JSON, which a plain form cannot send).
Every page carries a Content-Security-Policy that allows only this server's own scripts, styles and
images, so text that slipped through unescaped still could not run.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palaestra.errors import PalaestraError

COOKIE = "palaestra_token"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
CSP = (
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'; object-src 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-store",
}
_TOKEN_NEEDED = (
    "A token is required: open the URL `palaestra ui` printed (it carries ?token=...), "
    "or send Authorization: Bearer <token>."
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Guard:
    """Who may use the UI. Built for the UI's own launcher (`Guard(token)`) or for a server that
    mounts it (`Guard.mounted`), whose own credentials then decide.

    ``identify(request)`` names the owner of a request or raises (no valid credential);
    ``accepts(token)`` says whether a token from a link is valid; ``loopback_only`` refuses any
    Host header that does not name this machine (the rule when no token is needed at all).
    """

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self.identify: Callable[[Request], str] = self._own_owner
        self.accepts: Callable[[str], bool] = self._own_accepts
        self.loopback_only = token is None

    @classmethod
    def mounted(
        cls, identify: Callable[[Request], str], accepts: Callable[[str], bool], *, loopback_only: bool
    ) -> Guard:
        """The rules of a server mounting the UI: its owners, its tokens, its loopback rule."""
        guard = cls()
        guard.identify, guard.accepts, guard.loopback_only = identify, accepts, loopback_only
        return guard

    def owner(self, request: Request) -> str:
        """Who made a request (live environments are private to it)."""
        return self.identify(request)

    def _own_owner(self, request: Request) -> str:
        given = _token_of(request)
        if self.token is None:
            return "local"
        if not secrets.compare_digest(given.encode(), self.token.encode()):
            raise PermissionError(_TOKEN_NEEDED)
        return "token:" + hashlib.sha256(given.encode()).hexdigest()[:16]

    def _own_accepts(self, token: str) -> bool:
        return self.token is not None and secrets.compare_digest(token.encode(), self.token.encode())

    def check(self, request: Request) -> Response | None:
        """None when the request may go on; otherwise the response that refuses it."""
        if self.loopback_only:
            host = (urlsplit("//" + request.headers.get("host", "")).hostname or "").lower()
            if host not in LOOPBACK_HOSTS and f"[{host}]" not in LOOPBACK_HOSTS:
                return _refuse(request, 403, f"Refused: this UI serves loopback only, not host {host!r}.")
        query_token = request.query_params.get("token")
        if query_token is not None and request.method == "GET":
            return self._accept_link(request, query_token)
        try:
            self.identify(request)
        except (PermissionError, PalaestraError) as exc:
            return _refuse(request, 401, str(exc) or _TOKEN_NEEDED)
        if request.method in UNSAFE_METHODS:
            origin = request.headers.get("origin")
            if origin and urlsplit(origin).netloc != request.headers.get("host", ""):
                return _refuse(request, 403, f"Refused a cross-site request from {origin}.")
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind != "application/json":
                return _refuse(request, 415, "Send the request body as application/json.")
        return None

    def _accept_link(self, request: Request, given: str) -> Response:
        if not self.accepts(given):
            return _refuse(request, 401, "The token in the link is wrong: copy the URL that was printed.")
        rest = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "token"]
        target = request.url.path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(COOKIE, given, httponly=True, samesite="strict", path="/",
                            secure=request.url.scheme == "https")  # fmt: skip
        return response


def _token_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE, "")


def _refuse(request: Request, status: int, message: str) -> Response:
    if "/api/" in request.url.path:
        return JSONResponse({"error": message}, status)
    return PlainTextResponse(message, status)


class GuardMiddleware:
    """Applies a ``Guard`` to every HTTP request and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, guard: Guard | None) -> None:
        self.app, self.guard = app, guard or Guard()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.guard.check(Request(scope))
        if refusal is not None:
            await _with_headers(refusal, scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode().lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _with_headers(response: Response, scope: Scope, receive: Receive, send: Send) -> None:
    for key, value in SECURITY_HEADERS.items():
        response.headers.setdefault(key, value)
    await response(scope, receive, send)
