"""The typed failures of session requests, each with the HTTP status and code it maps to.

Apart from the sessions themselves (`session.py`, `sessions.py`) because every transport reads them
(the HTTP routes, OpenEnv, MCP, the UI) to answer a client with a status and a stable code rather
than a message to match.
"""

from __future__ import annotations

from typing import ClassVar

from palaestra.errors import PalaestraError


class SessionError(PalaestraError):
    """A session request that cannot be served; ``status`` is the HTTP status it maps to."""

    status = 400
    code = "SESSION_ERROR"


class SessionNotFound(SessionError, LookupError):
    status = 404
    code = "SESSION_NOT_FOUND"


class CapacityError(SessionError):
    status = 503
    code = "CAPACITY_REACHED"


class RequestTimeout(SessionError, TimeoutError):
    status = 504
    code = "REQUEST_TIMEOUT"


class SessionBusy(SessionError):
    """A request waited ``request_timeout`` for its session's turn (the session serves one request
    at a time) and was not run: a client that sends many at once would otherwise queue them for
    as long as the ones before take."""

    status = 409
    code = "SESSION_BUSY"


class EnvironmentFailure(SessionError):
    """The environment raised (a reset that failed even after replacing its browser)."""

    status = 502
    code = "ENVIRONMENT_ERROR"


class EpisodeNotStarted(SessionError):
    status = 409
    code = "NOT_RESET"


class EpisodeNotEnded(SessionError):
    """Evidence asked of an episode still being played: it is what the episode ends as."""

    status = 409
    code = "EPISODE_NOT_ENDED"


class NoEvidence(SessionError, LookupError):
    """The ended episode's task keeps no evidence (MiniWoB++, desktop tasks: judged on the live page)."""

    status = 404
    code = "NO_EVIDENCE"


class ActionSetRefused(SessionError, ValueError):
    """A session asked for an action set its task's environment does not parse (or no such set)."""

    status = 422
    code = "VALIDATION_ERROR"
    fields: ClassVar[list[dict[str, str]]] = [
        {"field": "action_set", "message": "not an action set of the task's environment"}
    ]
