"""Sessions: one environment each, owned by the token that made it, closed when left idle.

Every transport (OpenEnv's WebSocket and HTTP routes, the session API, MCP, the debugging UI)
goes through `SessionManager`, so the limits hold whatever a client speaks: at most
``max_sessions`` open, each closed after ``idle_timeout`` seconds unused, each request bounded
by ``request_timeout``, and a session visible only to its owner (another owner's id is reported
as unknown, not as forbidden, so ids cannot be probed).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.obs import PARTS, ObsConfig, Observation
from palaestra.errors import PalaestraError
from palaestra.runs.trajectory import TrajectoryWriter
from palaestra.server.config import ServerConfig

T = TypeVar("T")
log = logging.getLogger(__name__)
#: What a session computes unless told: all but the set-of-marks screenshot, which few clients read.
DEFAULT_PARTS = ("axtree", "dom", "elements", "screenshot")
EnvFactory = Callable[..., PalaestraEnv]


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


class EnvironmentFailure(SessionError):
    """The environment raised (a reset that failed even after replacing its browser)."""

    status = 502
    code = "ENVIRONMENT_ERROR"


class EpisodeNotStarted(SessionError):
    status = 409
    code = "NOT_RESET"


@dataclass
class StepOutcome:
    """What a reset or step returned, kept as the session's latest state."""

    obs: Observation
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = field(default_factory=dict)


class Session:
    """One environment and its episode, serialising the requests made to it."""

    def __init__(self, sid: str, owner: str, task: str, env: PalaestraEnv, parts: tuple[str, ...]) -> None:
        self.id, self.owner, self.task, self.env, self.parts = sid, owner, task, env, parts
        self.created = self.last_used = time.monotonic()
        self.lock = asyncio.Lock()
        self.busy = 0
        self.closed = False
        #: Send screenshots inline (base64 PNG) with every reset and step answer.
        self.inline_images = False
        self.seed: int | None = None
        self.episode_id = ""
        self.episodes = 0
        self.step_count = 0
        self.total_reward = 0.0
        #: Seconds the environment itself took in the last reset or step (the rest is the server's).
        self.env_s = 0.0
        self.last: StepOutcome | None = None
        #: Where this session's episodes are recorded, one folder each (None: not recorded).
        self.record_root: Path | None = None
        self.recorder: TrajectoryWriter | None = None
        #: What the agent submitted to end the episode (MCP's `submit`), or None.
        self.submission: dict[str, Any] | None = None
        #: Called after every reset and step, with the session (UI views, MCP).
        self.listeners: list[Callable[[Session], None]] = []
        #: Awaited when the session closes (transports release what they hold for it).
        self.on_close: list[Callable[[], Awaitable[None]]] = []

    @property
    def done(self) -> bool:
        return self.last is not None and (self.last.terminated or self.last.truncated)

    async def reset(self, seed: int | None = None, episode_id: str | None = None) -> StepOutcome:
        self._stop_recording()  # the episode before, if it was left unfinished
        started = time.perf_counter()
        obs, info = await self.env.areset(seed=seed)
        self.env_s = time.perf_counter() - started
        self.seed = info.get("seed", seed)
        self.episodes += 1
        self.episode_id = episode_id or f"{self.id}-{self.episodes}"
        self.step_count, self.total_reward = 0, 0.0
        self.submission = None
        self.last = StepOutcome(obs, info=dict(info))
        if self.record_root is not None:
            folder = self.record_root / f"{self.episodes:03d}"
            self.recorder = TrajectoryWriter(folder, images="screenshot" in self.parts)
            self.recorder.start(task=self.task, seed=self.seed, goal=self.env.goal, obs=obs, source="server")
        self._changed()
        return self.last

    async def step(self, action: str, agent: dict[str, Any] | None = None) -> StepOutcome:
        if self.last is None:
            raise EpisodeNotStarted(f"Session {self.id} has no episode yet: reset it first.")
        started = time.perf_counter()
        demo = _demonstration(self.last.obs, action) if self.recorder is not None else None
        # A step after the end earns nothing: `PalaestraEnv.astep` says so for every environment.
        obs, reward, terminated, truncated, info = await self.env.astep(action)
        self.env_s = time.perf_counter() - started
        self.step_count += 1
        self.total_reward += float(reward)
        self.last = StepOutcome(obs, float(reward), bool(terminated), bool(truncated), dict(info))
        if self.recorder is not None:
            timings = {"env_s": self.env_s, **dict(getattr(self.env, "timings", {}))}
            self.recorder.step(
                action,
                obs,
                float(reward),
                terminated,
                truncated,
                info,
                timings=timings,
                agent=agent,
                demo=demo,
            )
            if terminated or truncated:
                self._stop_recording()
        self._changed()
        return self.last

    def submit(self, *, answer: str | None = None, infeasible: bool = False, reason: str = "") -> None:
        """The agent says it is done (its answer, if any, was sent as an action before)."""
        self.submission = {"answer": answer, "infeasible": infeasible, "reason": reason}
        self._stop_recording()
        self._changed()

    def _stop_recording(self) -> None:
        """End and close the episode being recorded, with its outcome so far."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        last = self.last.info if self.last is not None else {}
        error = last.get("error") or {}
        done = self.done or self.submission is not None
        outcome = ("success" if last.get("success") else "failure") if done else "abandoned"
        recorder.end(
            outcome=outcome, success=bool(last.get("success")), reward=self.total_reward,
            error_kind=str(error.get("kind", "")), error_message=str(error.get("message", "")),
        )  # fmt: skip
        recorder.close()

    def _changed(self) -> None:
        for listener in list(self.listeners):
            listener(self)

    def state(self) -> dict[str, Any]:
        """What the session is doing, in OpenEnv's ``State`` shape plus Palaestra's fields."""
        last = self.last
        info = last.info if last is not None else {}
        error = info.get("error") or {}
        return {
            "episode_id": self.episode_id or None,
            "step_count": self.step_count,
            "session_id": self.id,
            "task": self.task,
            "seed": self.seed,
            "parts": list(self.parts),
            "action_set": self.env.action_set.name,
            "goal": self.env.goal if last is not None else "",
            "url": str(last.obs.get("url", "")) if last is not None else "",
            "reward": last.reward if last is not None else 0.0,
            "total_reward": self.total_reward,
            "terminated": bool(last and last.terminated),
            "truncated": bool(last and last.truncated),
            "success": bool(info.get("success")),
            "error_kind": str(error.get("kind", "")),
            "messages": list(info.get("messages") or []),
            "infeasible": info.get("infeasible"),
            "submission": self.submission,
            "idle_s": round(time.monotonic() - self.last_used, 3),
        }

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._stop_recording()
        for release in self.on_close:
            try:
                await release()
            except Exception:  # an extension's own code: the session's environment is closed regardless
                log.warning(
                    "Releasing session %s: a close callback failed: %r", self.id, release, exc_info=True
                )
        await self.env.aclose()


class SessionManager:
    """Creates, finds, times and closes sessions. One per server; every transport shares it."""

    def __init__(self, config: ServerConfig, env_factory: EnvFactory = make_env) -> None:
        self.config = config
        self.env_factory = env_factory
        self.sessions: dict[str, Session] = {}
        #: Sessions opened since the server started.
        self.opened = 0
        self._creating = 0
        self._reaper: asyncio.Task[None] | None = None

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
        await asyncio.gather(*(self._discard(s) for s in open_sessions), return_exceptions=True)

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
        await asyncio.gather(*(self._discard(s) for s in idle), return_exceptions=True)
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
    ) -> Session:
        """A new session for ``task`` (any registered id), its environment built but not reset."""
        chosen = tuple(DEFAULT_PARTS if parts is None else parts)
        unknown = [p for p in chosen if p not in PARTS]
        if unknown:
            raise SessionError(f"parts: unknown observation part(s) {unknown}; choose among {list(PARTS)}.")
        if record and not self.config.trajectories:
            raise SessionError(
                "record: this server records no trajectories (start it with --trajectories DIR)."
            )
        if len(self.sessions) + self._creating >= self.config.max_sessions:
            raise CapacityError(
                f"The server holds its maximum of {self.config.max_sessions} sessions; close one "
                "(DELETE /sessions/{id}) or wait for idle ones to time out."
            )
        self._creating += 1
        try:
            obs_config = ObsConfig(
                axtree="axtree" in chosen, dom="dom" in chosen, elements="elements" in chosen,
                screenshot="screenshot" in chosen, som="som" in chosen,
            )  # fmt: skip
            options = {"obs_config": obs_config, "step_timeout": self.config.step_timeout}
            env = self.env_factory(task, **options, **self.config.env_options)
            sid = sid or secrets.token_urlsafe(9)
            session = Session(sid, owner, task, env, chosen)
        finally:
            self._creating -= 1
        if record:
            session.record_root = Path(self.config.trajectories, owner, sid)
        self.sessions[sid] = session
        self.opened += 1
        return session

    def get(self, owner: str, sid: str) -> Session:
        session = self.sessions.get(sid)
        if session is None or session.owner != owner or session.closed:
            raise SessionNotFound(f"No session `{sid}` (closed, timed out, or never made with this token).")
        return session

    def owned_by(self, owner: str) -> list[Session]:
        return [s for s in self.sessions.values() if s.owner == owner]

    async def close(self, owner: str, sid: str) -> None:
        await self._discard(self.get(owner, sid))

    async def _discard(self, session: Session) -> None:
        self.sessions.pop(session.id, None)
        await session.close()

    async def run(self, session: Session, work: Callable[[], Awaitable[T]]) -> T:
        """Run one request on ``session``: one at a time, within ``request_timeout``.

        A request that times out leaves its environment in an unknown state, so the session is
        closed and the client told so.
        """
        session.busy += 1
        try:
            async with session.lock:
                if session.closed:
                    raise SessionNotFound(f"Session `{session.id}` was closed.")
                try:
                    async with asyncio.timeout(self.config.request_timeout):  # no task per request
                        return await work()
                except SessionError:
                    raise
                except TimeoutError:
                    await self._discard(session)
                    raise RequestTimeout(
                        f"The request took longer than {self.config.request_timeout} s; "
                        f"session `{session.id}` was closed."
                    ) from None
                except Exception as exc:  # the machinery's failure, said as such, not a bare 500
                    raise EnvironmentFailure(f"The environment failed: {type(exc).__name__}: {exc}") from exc
        finally:
            session.busy -= 1
            session.last_used = time.monotonic()


def _demonstration(obs: Observation, action: str) -> dict[str, Any] | None:
    """The step as an exemplar step (for `palaestra memory build --trajectories`), when the
    observation has the elements it describes."""
    if "elements" not in obs:
        return None
    from palaestra.agents.demos import record_step

    try:
        return record_step(obs, action)
    except Exception:  # an unparsable action is the agent's, and still recorded as a step
        return None
