"""Who may use the UI, and what the browser may do with its pages.

The server that mounts the UI decides who may use it (its tokens, its owners; on loopback with no
token, anyone on this machine, and it refuses Host names that are not loopback against DNS
rebinding). A browser cannot send a bearer header on a link, so a person's first visit carries the
token in the URL (`?token=...`, as `palaestra ui` prints it) and gets it back as the server's
HttpOnly, SameSite=Strict cookie, and the token leaves the address bar at once.

The UI adds what pages in a browser need: cross-site requests that change things are refused (the
Origin header must be this server's, and bodies must be JSON, which a plain form on another site
cannot send), and every page carries a Content-Security-Policy that allows only this server's own
scripts, styles and images, so text that slipped through unescaped still could not run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palaestra.errors import PalaestraError

COOKIE = "palaestra_token"
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
#: A cookie or header the server does not know: most often a cookie kept from an earlier `palaestra
#: ui`, whose generated token changed when it restarted.
_TOKEN_WRONG = (
    "The token this browser sent is not this server's (a UI started again makes a new token): open "
    "the URL `palaestra ui` printed last (it carries ?token=...)."
)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Guard:
    """Who may use the UI, as the server that mounts it decides.

    ``identify(request)`` names the owner of a request or raises (no valid credential: 401);
    ``accepts(token)`` says whether a token from a link is one the server knows.
    """

    identify: Callable[[Request], str]
    accepts: Callable[[str], bool]

    def owner(self, request: Request) -> str:
        """Who made a request (live environments are private to it)."""
        return self.identify(request)

    def check(self, request: Request) -> Response | None:
        """None when the request may go on; otherwise the response that refuses it."""
        query_token = request.query_params.get("token")
        if query_token is not None and request.method == "GET":
            return self._accept_link(request, query_token)
        try:
            self.identify(request)
        except (PermissionError, PalaestraError):
            # The server's own text asks for a bearer header, which a browser on a link cannot send.
            sent = request.headers.get("authorization") or request.cookies.get(COOKIE)
            return _refuse(request, 401, _TOKEN_WRONG if sent else _TOKEN_NEEDED)
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


def _refuse(request: Request, status: int, message: str) -> Response:
    if "/api/" in request.url.path:
        return JSONResponse({"error": message}, status)
    return PlainTextResponse(message, status)


class GuardMiddleware:
    """Applies a ``Guard`` to every HTTP request and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, guard: Guard) -> None:
        self.app, self.guard = app, guard

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
