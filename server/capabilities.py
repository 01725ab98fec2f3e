"""What a server can do beyond its first routes, declared once, and a client's reading of it.

Clients and servers are upgraded apart (a run on a laptop, ``palaestra serve`` on a machine with the
sites), so a client must know which routes and fields the server it talks to has before using them:
a server older than the client answers a route it lacks with a bare 404 (``Not Found``, no error
body), and a field it lacks with a 422. A server therefore lists its `CAPABILITIES` in ``GET
/metadata`` (``"capabilities": [...]``), and `ServerFeatures` is the client's reading of that list,
asked once when the client is made. Decisions go by these names, never by an error's text.

A server that lists none predates the list itself; there `ServerFeatures.has` answers None
(unknown) and the client tries the route, taking a 404 or 405 without the server's error body
(`route_missing`) as the route's absence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import httpx

from palaestra import __version__
from palaestra.server.remote_errors import RemoteEnvError, ServerTooOld

#: The views of ``POST /sessions`` (``"views": ["browsergym"]``): BrowserGym's or OSWorld's dict.
VIEWS = "views"
#: ``POST /sessions/{id}/early_stop``: an unanswered episode judged as WebArena's harness does.
EARLY_STOP = "early_stop"
#: ``GET /sessions/{id}/evidence``: the ended episode's evidence, for ``palaestra judge``.
EVIDENCE = "evidence"
#: ``POST /sessions``'s ``screenshot_once``: a view's screenshot that is the observation's is sent
#: once, as the observation's (``"screenshot_from": "observation"`` in the view).
SCREENSHOT_ONCE = "screenshot_once"
#: ``POST /sessions``'s ``action_set`` (and ``GET /tasks/{task}?action_set=``): the session's
#: environment parses that action set (``palaestra eval --action-set``) instead of its task's own.
ACTION_SET = "action_set"
#: What this server has, in the order they were added.
CAPABILITIES = (VIEWS, EARLY_STOP, EVIDENCE, SCREENSHOT_ONCE, ACTION_SET)
#: What each capability is, for the error a client raises when its server lacks it.
DESCRIBED = {
    VIEWS: "no views (POST /sessions's views: BrowserGym's or OSWorld's observation dict)",
    EARLY_STOP: "no early_stop endpoint (POST /sessions/{id}/early_stop)",
    EVIDENCE: "no evidence endpoint (GET /sessions/{id}/evidence)",
    SCREENSHOT_ONCE: "no screenshot_once (a view's screenshot sent once, as the observation's)",
    ACTION_SET: "no action_set (POST /sessions's action_set: another of the task's action sets)",
}


@dataclass(frozen=True)
class ServerFeatures:
    """A server's declared capabilities as a client read them; ``declared`` None when the server
    lists none (it is older than the list, see the module doc); ``missing``, what the client found
    missing on such a server since."""

    server: str
    declared: frozenset[str] | None
    version: str = ""
    missing: frozenset[str] = frozenset()

    def has(self, name: str) -> bool | None:
        """Whether the server has capability ``name``: None when it declares none (try and see)."""
        if name in self.missing:
            return False
        return None if self.declared is None else name in self.declared

    def without(self, name: str) -> ServerFeatures:
        """The same, ``name`` found missing (a route the server answered as unknown)."""
        return replace(self, missing=self.missing | {name})

    def too_old(self, name: str, fix: str = "") -> ServerTooOld:
        """The error a client raises for a capability the server lacks, naming the fix: upgrading
        the server, or ``fix`` (what the client can do without it)."""
        running = f" (it runs Palaestra {self.version})" if self.version else ""
        return ServerTooOld(
            f"The environment server at {self.server} is older than this client{running}: it has "
            f"{DESCRIBED[name]}. Fix: upgrade the server's Palaestra to this client's ({__version__} "
            f"or later, whose GET /metadata lists {name!r} among its capabilities)"
            + (f", or {fix}." if fix else "."),
            capability=name,
        )


def read_features(client: httpx.Client, server: str) -> ServerFeatures:
    """The capabilities ``GET /metadata`` lists; none declared when it lists none or fails (an
    unreachable server is told by the request that follows, which needs it)."""
    try:
        response = client.get("/metadata")
        data = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        data = {}
    listed = data.get("capabilities") if isinstance(data, dict) else None
    version = str(data.get("version") or "") if isinstance(data, dict) else ""
    declared = frozenset(str(name) for name in listed) if isinstance(listed, list) else None
    return ServerFeatures(server, declared, version)


def route_missing(error: RemoteEnvError) -> bool:
    """The server has no such route at all: 404 or 405 with no error body of its own (a route it
    has answers ``{"error": {"code", ...}}``, and its code is then not the bare status)."""
    return error.status in (404, 405) and error.code == str(error.status)
