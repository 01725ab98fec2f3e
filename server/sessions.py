"""Sessions: one environment each, owned by the token that made it, closed when left idle.

Every transport (OpenEnv's WebSocket and HTTP routes, the session API, MCP, the debugging UI)
goes through `SessionManager`, so the limits hold whatever a client speaks: at most
``max_sessions`` open, each closed after ``idle_timeout`` seconds unused, each request bounded
by ``request_timeout``, and a session visible only to its owner (another owner's id is reported
as unknown, not as forbidden, so ids cannot be probed).

One session's own doings are in `session.py`, the typed errors in `session_errors.py`; both are
named here too, where every transport has always imported them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from pathlib import Path
from typing import TypeVar

from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.obs import PARTS, VIEWS, ObsConfig
from palaestra.envs.views import ViewUnavailable
from palaestra.errors import ConfigError, UnknownNameError
from palaestra.server.config import ServerConfig
from palaestra.server.env_options import env_options
from palaestra.server.recordings import RecordingBudget, RecordingFull
from palaestra.server.session import Session, StepOutcome
from palaestra.server.session_errors import (
    ActionSetRefused,
    CapacityError,
    EnvironmentFailure,
    EpisodeNotStarted,
    RequestTimeout,
    SessionBusy,
    SessionError,
    SessionNotFound,
)

__all__ = [
    "DEFAULT_PARTS",
    "CapacityError",
    "EnvFactory",
    "EnvironmentFailure",
    "EpisodeNotStarted",
    "RecordingFull",
    "RequestTimeout",
    "Session",
    "SessionBusy",
    "SessionError",
    "SessionManager",
    "SessionNotFound",
    "StepOutcome",
]

T = TypeVar("T")
log = logging.getLogger(__name__)
#: The address of the client whose request is being served (``host:port``, set for each request by
#: `palaestra.server.http.ClientAddress`), so the log says who opened a session; "" off a request.
CLIENT: ContextVar[str] = ContextVar("palaestra_client", default="")
#: What a session computes unless told: all but the set-of-marks screenshot, which few clients read.
DEFAULT_PARTS = ("axtree", "dom", "elements", "screenshot")
EnvFactory = Callable[..., PalaestraEnv]


class SessionManager:
    """Creates, finds, times and closes sessions. One per server; every transport shares it."""

    def __init__(self, config: ServerConfig, env_factory: EnvFactory = make_env) -> None:
        self.config = config
        self.env_factory = env_factory
        self.sessions: dict[str, Session] = {}
        #: Sessions opened since the server started.
        self.opened = 0
        self._creating: Counter[str] = Counter()  # sessions being built, by owner
        self._reaper: asyncio.Task[None] | None = None
        #: The cap on the recordings' total size, which every recorded session shares.
        self.recording_budget = (
            RecordingBudget(Path(config.trajectories), config.max_recording_bytes)
            if config.trajectories
            else None
        )

    # -- lifetime ---------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._reaper is None:
            self._reaper = asyncio.create_task(self._reap_forever())

    async def stop(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        await self.close_all()

    async def close_all(self) -> None:
        """Close every session (and its environment)."""
        open_sessions = list(self.sessions.values())
        await asyncio.gather(
            *(self._discard(s, "the server is stopping") for s in open_sessions), return_exceptions=True
        )

    async def _reap_forever(self) -> None:
        period = max(0.05, min(self.config.idle_timeout / 4, 5.0))
        while True:
            await asyncio.sleep(period)
            await self.reap()

    async def reap(self) -> list[str]:
        """Close the sessions idle for longer than ``idle_timeout``; returns their ids."""
        now = time.monotonic()
        idle = [
            s for s in self.sessions.values()
            if not s.busy and now - s.last_used > self.config.idle_timeout
        ]  # fmt: skip
        why = f"unused for more than {self.config.idle_timeout:g} s (--idle-timeout)"
        await asyncio.gather(*(self._discard(s, why) for s in idle), return_exceptions=True)
        return [s.id for s in idle]

    # -- sessions ---------------------------------------------------------------------------------

    async def create(
        self,
        owner: str,
        task: str,
        *,
        parts: Iterable[str] | None = None,
        record: bool = False,
        sid: str | None = None,
        views: Iterable[str] = (),
        action_set: str = "",
    ) -> Session:
        """A new session for ``task`` (any registered id), its environment built but not reset;
        ``action_set`` is another of its environment's sets (a run's ``--action-set``), "" its own.

        With ``views`` (`palaestra.envs.obs.VIEWS`), each reset and step also makes those views
        (`StepOutcome.views`), and the session computes the parts they are made from; a view the
        environment cannot give is refused (`ViewUnavailable`, 422).
        """
        chosen = tuple(DEFAULT_PARTS if parts is None else parts)
        unknown = [p for p in chosen if p not in PARTS]
        if unknown:
            raise SessionError(f"parts: unknown observation part(s) {unknown}; choose among {list(PARTS)}.")
        asked_views = set(views)
        wanted_views = tuple(v for v in VIEWS if v in asked_views)
        strange = sorted(asked_views - set(VIEWS))
        if strange:
            raise SessionError(f"views: unknown view(s) {strange}; choose among {list(VIEWS)}.")
        if action_set:
            check_session_action_set(action_set, task)
        if record and not self.config.trajectories:
            raise SessionError(
                "record: this server records no trajectories (start it with --trajectories DIR)."
            )
        if record and self.recording_budget is not None:
            await asyncio.to_thread(self.recording_budget.check, "record")  # the first walks DIR
        self._check_capacity(owner)
        self._creating[owner] += 1
        try:
            obs_config = ObsConfig(
                axtree="axtree" in chosen, dom="dom" in chosen, elements="elements" in chosen,
                screenshot="screenshot" in chosen, som="som" in chosen,
            ).including(wanted_views)  # fmt: skip
            computed = chosen + tuple(p for p in obs_config.parts() if p not in chosen)  # + the views'
            options = {"obs_config": obs_config, "step_timeout": self.config.step_timeout}
            if action_set:  # only when chosen: environments with a single set take no such option
                options["action_set"] = action_set
            env = self.env_factory(task, **options, **env_options(self.config, task))
            sid = sid or secrets.token_urlsafe(9)
            session = Session(sid, owner, task, env, computed)
            session.asked_parts, session.asked_action_set = chosen, action_set
            try:
                session.make_views(wanted_views)
            except ViewUnavailable:  # its environment goes before the error
                await env.aclose()
                raise
        finally:
            self._creating[owner] -= 1
        if record:
            session.record_root = Path(self.config.trajectories, owner, sid)
            session.recording_budget = self.recording_budget
        self.sessions[sid] = session
        self.opened += 1
        log.info(
            "Session %s opened: task %s%s, owner %s, client %s%s (%d of %d open).", sid, task,
            f", action set {action_set}" if action_set else "", owner, CLIENT.get() or "in the server",
            ", recorded" if record else "", len(self.sessions), self.config.max_sessions,
        )  # fmt: skip
        return session

    def _check_capacity(self, owner: str) -> None:
        """Refuse a new session past the server's cap or its owner's (`CapacityError`, 503), naming
        the flag that sets the cap and what the client can do."""
        if len(self.sessions) + self._creating.total() >= self.config.max_sessions:
            log.warning("Refused a session to owner %s, client %s: the server holds its maximum of %d.",
                        owner, CLIENT.get() or "in the server", self.config.max_sessions)  # fmt: skip
            raise CapacityError(
                f"The server holds its maximum of {self.config.max_sessions} sessions (its operator sets "
                "it: `palaestra serve --max-sessions`, `palaestra ui --max-live`); close one "
                "(DELETE /sessions/{id}) or wait for idle ones to time out "
                f"(--idle-timeout {self.config.idle_timeout:g} s)."
            )
        cap = self.config.max_sessions_per_token
        if cap and len(self.owned_by(owner)) + self._creating[owner] >= cap:
            log.warning("Refused a session to owner %s, client %s: it holds its maximum of %d.",
                        owner, CLIENT.get() or "in the server", cap)  # fmt: skip
            raise CapacityError(
                f"Your token holds its maximum of {cap} open sessions (`palaestra serve "
                "--max-sessions-per-token`); close one of yours (GET /sessions lists them, DELETE "
                "/sessions/{id} closes one) or wait for idle ones to time out "
                f"(--idle-timeout {self.config.idle_timeout:g} s)."
            )

    def get(self, owner: str, sid: str) -> Session:
        session = self.sessions.get(sid)
        if session is None or session.owner != owner or session.closed:
            raise SessionNotFound(f"No session `{sid}` (closed, timed out, or never made with this token).")
        return session

    def owned_by(self, owner: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.owner == owner]

    async def close(self, owner: str, sid: str, why: str = "closed by its client") -> None:
        """Close ``owner``'s session ``sid``; ``why`` is what the log says of it."""
        await self._discard(self.get(owner, sid), why)

    async def _discard(self, session: Session, why: str) -> None:
        if self.sessions.pop(session.id, None) is not None:
            log.info(
                "Session %s closed: %s (task %s, owner %s, %d episode(s), %d step(s) in the last).",
                session.id, why, session.task, session.owner, session.episodes, session.step_count,
            )  # fmt: skip
        await session.close()

    async def run(self, session: Session, work: Callable[[], Awaitable[T]]) -> T:
        """Run one request on ``session``: one at a time, within ``request_timeout``.

        A request that times out leaves its environment in an unknown state, so the session is
        closed and the client told so. A request that waits ``request_timeout`` for its turn (a
        client that sent many at once) is refused with `SessionBusy` naming the one in progress,
        and the session goes on.
        """
        session.busy += 1
        try:
            await self._turn(session)
            try:
                if session.closed:
                    raise SessionNotFound(f"Session `{session.id}` was closed.")
                session.doing, session.doing_since = "request", time.monotonic()
                try:
                    async with asyncio.timeout(self.config.request_timeout):  # no task per request
                        return await work()
                except SessionError:
                    raise
                except TimeoutError:
                    why = f"a request took longer than {self.config.request_timeout:g} s (--request-timeout)"
                    await self._discard(session, why)
                    raise RequestTimeout(
                        f"The request took longer than {self.config.request_timeout} s; "
                        f"session `{session.id}` was closed."
                    ) from None
                except Exception as exc:  # the machinery's failure, said as such, not a bare 500
                    log.warning("Session %s: the environment failed.", session.id, exc_info=True)
                    raise EnvironmentFailure(f"The environment failed: {type(exc).__name__}: {exc}") from exc
            finally:
                session.doing = ""
                session.lock.release()
        finally:
            session.busy -= 1
            session.last_used = time.monotonic()

    async def _turn(self, session: Session) -> None:
        """Take the session's lock, waiting at most ``request_timeout`` (`SessionBusy` after)."""
        limit = self.config.request_timeout
        try:
            async with asyncio.timeout(limit):
                await session.lock.acquire()
        except TimeoutError:
            running = time.monotonic() - session.doing_since
            doing = f"its {session.doing}, running for {running:.1f} s" if session.doing else "a request"
            log.warning("Session %s: refused a request that waited %g s behind %s.", session.id, limit, doing)
            raise SessionBusy(
                f"Session `{session.id}` is busy with {doing}; this request waited {limit:g} s "
                "(--request-timeout) for its turn and was not run. A session serves one request at a "
                "time: send the next when the last has answered (or open a session per agent)."
            ) from None


def check_session_action_set(name: str, task: str) -> None:
    """Refuse (`ActionSetRefused`, 422 naming ``action_set``) a set the task's environment does not
    parse, with did-you-mean and the sets it has, before any environment is built. An unknown task
    is left to the environment's factory, which names it as the task's error."""
    from palaestra.runs.action_sets import check_action_set
    from palaestra.tasks.registry import get_task_spec

    try:
        get_task_spec(task)
    except UnknownNameError:
        return
    try:
        check_action_set(name, [task], flag="action_set")
    except (UnknownNameError, ConfigError) as exc:
        raise ActionSetRefused(str(exc)) from None
