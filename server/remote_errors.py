"""The typed failures a client of the environment server raises (`palaestra.server.remote.RemoteEnv`).

Apart from the client so that `palaestra.server.capabilities` can raise them too; ``remote`` imports
them back, so ``palaestra.server.remote.RemoteEnvError`` is where it always was.
"""

from __future__ import annotations

from palaestra.errors import PalaestraError

#: `RemoteEnvError.code` when the server could not be reached at all (no HTTP status).
UNREACHABLE = "UNREACHABLE"
#: `RemoteEnvError.code` of `ServerTooOld`.
SERVER_TOO_OLD = "SERVER_TOO_OLD"


class RemoteEnvError(PalaestraError, RuntimeError):
    """The server refused a request (its message says why and how to fix it).

    ``code`` is the server's error code from its structured error body (``SESSION_NOT_FOUND``,
    ``CAPACITY_REACHED``...; the HTTP status as text when the body had none) and ``status`` the
    HTTP status: callers decide on these, never on the message.
    """

    def __init__(self, message: str, *, code: str, status: int) -> None:
        super().__init__(message)
        self.code, self.status = code, status


class ServerTooOld(RemoteEnvError):
    """The server lacks a capability this client needs (`palaestra.server.capabilities`): it is
    older than the client. ``capability`` names what it lacks; the message names the fix."""

    def __init__(self, message: str, *, capability: str) -> None:
        super().__init__(message, code=SERVER_TOO_OLD, status=0)
        self.capability = capability
