"""Who is asking: bearer tokens, compared in constant time, and the owner each token stands for.

A server bound to loopback may run without a token: every local client is then the one owner
``local``. Bound to any other address it refuses to start without one (`ServerConfig.check`).
With tokens, every request but ``GET /health`` must carry one, as ``Authorization: Bearer T``,
as HTTP Basic credentials whose password is ``T`` (what a WebSocket client sends for a URL
``ws://user:T@host``, the only way OpenEnv's client can authenticate), or as the ``palaestra_token``
cookie a browser keeps. Sessions belong to the token that made them: another token cannot see,
step or close them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping

from palaestra.errors import PalaestraError

#: The environment variable holding a server's token: `palaestra serve` takes it, clients send it.
TOKEN_VARIABLE = "PALAESTRA_SERVER_TOKEN"

#: The error code of a request without a valid token, in answers and in clients' errors.
UNAUTHORIZED = "UNAUTHORIZED"

#: The owner of every session when the server has no token (loopback only).
LOCAL_OWNER = "local"
COOKIE = "palaestra_token"


class AuthError(PalaestraError, PermissionError):
    """A request without a valid token."""


def new_token() -> str:
    """A fresh random token (32 bytes, URL-safe)."""
    return secrets.token_urlsafe(32)


class Auth:
    """The tokens a server accepts. ``owner(headers, cookies)`` names the caller or raises."""

    def __init__(self, tokens: Iterable[str] = ()) -> None:
        self._tokens = [t.encode() for t in tokens if t]

    @property
    def required(self) -> bool:
        return bool(self._tokens)

    def owner_of_token(self, token: str) -> str:
        """The owner ``token`` stands for; raises `AuthError` for an unknown one.

        Every known token is compared, each with ``hmac.compare_digest``, so the time taken says
        nothing about which token, or how much of one, matched.
        """
        given = token.encode()
        matched = b""
        for known in self._tokens:
            if hmac.compare_digest(given, known):
                matched = known
        if not matched:
            raise AuthError("Invalid token.")
        return "t-" + hashlib.sha256(matched).hexdigest()[:16]

    def owner(self, headers: Mapping[str, str], cookies: Mapping[str, str] | None = None) -> str:
        """The caller's owner id from its request headers (lower-case names) and cookies."""
        if not self.required:
            return LOCAL_OWNER
        token = token_from(headers, cookies or {})
        if token is None:
            raise AuthError(
                "This server needs a token. Send `Authorization: Bearer <token>` "
                "(the token `palaestra serve` printed or was given with --token)."
            )
        return self.owner_of_token(token)


def token_from(headers: Mapping[str, str], cookies: Mapping[str, str]) -> str | None:
    header = headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic" and value.strip():
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    return cookies.get(COOKIE) or None
