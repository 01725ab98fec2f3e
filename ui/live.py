"""Live sessions: a registered environment a person steps by hand, with an agent to ask for advice.

Each session is one environment (one browser context on the process's shared Chromium) with its
episode, the steps taken in it and who took each (a person, an agent, an agent's proposal edited
by a person), written down as a demonstration as they happen (`agents.demos.record_step`, the
same record a run's `--record-demos` makes), so that the episode can be saved into an exemplar
memory.

Environments run on the process's background loop (`envs.loop`), never on the web server's loop:
a slow page never stalls other requests, and every session shares the one browser. Sessions are
bounded (`max_sessions`), private to the credential that opened them, and closed when left alone
for `idle_timeout` seconds, so tabs that were closed without a word leak nothing for long.
"""

from __future__ import annotations

import asyncio
import io
import json
import secrets
import time
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.envs import loop as loop_mod
from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.obs import ObsConfig, Observation
from palaestra.errors import PalaestraError
from palaestra.ui.actions import describe_action, slim_elements

T = TypeVar("T")

PERSON, AGENT, EDITED = "person", "agent", "agent, edited"
ACTORS = (PERSON, AGENT, EDITED)
MAX_STEPS = 200


class LiveError(PalaestraError, ValueError):
    """A live-session request that cannot be served (unknown session, limit reached, bad input)."""


def on_background(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Run ``coro`` on the environments' background loop; await the result from any loop."""
    return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop_mod.background_loop()))


@dataclass
class LiveSession:
    id: str
    owner: str
    task: str
    env: PalaestraEnv
    seed: int = 0
    obs: Observation | None = None
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    success: bool = False
    error: dict[str, str] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    demo: list[dict[str, Any]] = field(default_factory=list)
    agent: Agent | None = None
    agent_key: str = ""
    #: The agent's own view of the episode matches the page: it was reset for this episode, and
    #: every step since was a proposal of its own (taken as proposed or as edited).
    agent_ready: bool = False
    #: The agent proposed an action that no step has taken up yet.
    proposal_pending: bool = False
    version: int = 0
    last_used: float = field(default_factory=time.monotonic)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def goal(self) -> str:
        return str((self.obs or {}).get("goal", ""))

    def state(self) -> dict[str, Any]:
        """What the Live page shows: the page as the agent would see it, the verdict, the history."""
        obs: dict[str, Any] = dict(self.obs or {})
        shot = obs.get("screenshot")
        height, width = (int(shot.shape[0]), int(shot.shape[1])) if shot is not None and shot.size else (0, 0)
        return {
            "id": self.id, "task": self.task, "seed": self.seed, "goal": self.goal,
            "url": obs.get("url", ""), "axtree": obs.get("axtree", ""),
            "focused_element": obs.get("focused_element", ""),
            "last_action": obs.get("last_action", ""), "last_action_error": obs.get("last_action_error", ""),
            "elements": slim_elements(obs.get("elements")), "viewport": [width, height],
            "reward": self.reward, "terminated": self.terminated, "truncated": self.truncated,
            "success": self.success, "error": self.error, "done": self.terminated or self.truncated,
            "history": self.history, "version": self.version, "action_set": self.env.action_set.name,
        }  # fmt: skip

    def screenshot_png(self) -> bytes:
        from PIL import Image

        shot = (self.obs or {}).get("screenshot")
        if shot is None or not shot.size:
            raise LiveError("This environment shows no screenshot.")
        buffer = io.BytesIO()
        Image.fromarray(shot).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


class LiveSessions:
    """The open sessions of one UI: created, found by owner, stepped, and closed when idle."""

    def __init__(
        self, max_sessions: int = 4, idle_timeout: float = 600.0, step_timeout: float = 30.0
    ) -> None:
        self.max_sessions, self.idle_timeout, self.step_timeout = max_sessions, idle_timeout, step_timeout
        self.sessions: dict[str, LiveSession] = {}
        self._reaper: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------------

    async def open(self, owner: str, task: str, seed: int) -> LiveSession:
        await self.close_idle()
        if len(self.sessions) >= self.max_sessions:
            mine = sum(s.owner == owner for s in self.sessions.values())
            raise LiveError(
                f"{len(self.sessions)} live environments are open, the most this UI allows "
                f"({mine} of them yours). Close one on the Live page, or start the UI with a larger "
                "--max-live."
            )
        options = {"obs_config": ObsConfig(), "step_timeout": self.step_timeout}
        env = await asyncio.to_thread(make_env, task, **options)  # imports the suite: seconds
        session = LiveSession(id=secrets.token_hex(8), owner=owner, task=task, env=env)
        self.sessions[session.id] = session
        self._start_reaper()
        try:
            await self.reset(session, seed)
        except BaseException:
            await self.close(session.id, owner)
            raise
        return session

    def get(self, session_id: str, owner: str) -> LiveSession:
        session = self.sessions.get(session_id)
        if session is not None and self._idle(session, time.monotonic()):
            session = None  # the reaper closes it at its next round
        if session is None or session.owner != owner:  # someone else's session does not exist for you
            raise LiveError(f"No live environment {session_id!r} (closed, or timed out after "
                            f"{self.idle_timeout:.0f} s idle). Start another on the Live page.")  # fmt: skip
        session.last_used = time.monotonic()
        return session

    def owned(self, owner: str) -> list[LiveSession]:
        return [s for s in self.sessions.values() if s.owner == owner]

    async def close(self, session_id: str, owner: str) -> bool:
        session = self.sessions.get(session_id)
        if session is None or session.owner != owner:
            return False
        del self.sessions[session_id]
        await _close_quietly(session)
        return True

    async def close_idle(self) -> list[str]:
        now = time.monotonic()
        idle = [s for s in self.sessions.values() if self._idle(s, now)]
        for session in idle:
            self.sessions.pop(session.id, None)
            await _close_quietly(session)
        return [s.id for s in idle]

    def _idle(self, session: LiveSession, now: float) -> bool:
        return now - session.last_used > self.idle_timeout and not session.lock.locked()

    async def aclose(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        sessions, self.sessions = list(self.sessions.values()), {}
        for session in sessions:
            await _close_quietly(session)

    def _start_reaper(self) -> None:
        if self._reaper is None or self._reaper.done():
            self._reaper = asyncio.get_running_loop().create_task(self._reap())

    async def _reap(self) -> None:
        period = max(1.0, min(30.0, self.idle_timeout / 4))
        while self.sessions:
            await asyncio.sleep(period)
            await self.close_idle()

    # -- acting -----------------------------------------------------------------------------------

    async def reset(self, session: LiveSession, seed: int) -> None:
        async def run() -> Observation:
            session.env.expect_seeds([])  # a person picks the next seed: prepare no page ahead
            obs, _ = await session.env.areset(seed=seed)
            return obs

        async with session.lock:
            session.obs = await on_background(run())
            session.seed = seed
            session.reward, session.terminated, session.truncated, session.success = 0.0, False, False, False
            session.error, session.history, session.demo = None, [], []
            session.agent_ready = session.proposal_pending = False
            session.version += 1

    async def step(self, session: LiveSession, action: str, by: str) -> None:
        from palaestra.agents.demos import record_step

        if by not in ACTORS:
            raise LiveError(f"`by` must be one of {', '.join(ACTORS)}, got {by!r}.")
        if not action.strip():
            raise LiveError("Type an action first, for example click('12').")
        if len(session.history) >= MAX_STEPS:
            raise LiveError(f"This episode has taken {MAX_STEPS} steps, the most a live one may: reset it.")
        async with session.lock:
            before = session.obs
            if before is None:
                raise LiveError("The environment has no episode: reset it.")

            async def run() -> tuple[dict[str, Any], Any]:
                demo_step = record_step(before, action)
                return demo_step, await session.env.astep(action)

            demo_step, (obs, reward, terminated, truncated, info) = await on_background(run())
            session.obs, session.reward = obs, float(reward)
            session.terminated, session.truncated = bool(terminated), bool(truncated)
            session.success = bool(info.get("success"))
            session.error = info.get("error") or None
            demo_step["by"] = by
            session.demo.append(demo_step)
            if by == PERSON:  # the agent did not choose this step: its plan restarts from the page
                session.agent_ready = False
            session.proposal_pending = False
            session.history.append({
                "index": len(session.history), "action": action, "by": by,
                "error": obs.get("last_action_error", ""), "reward": session.reward,
                "parsed": describe_action(action, session.env.action_set),
            })  # fmt: skip
            session.version += 1

    async def propose(self, session: LiveSession, name: str, args: Mapping[str, str]) -> AgentStep:
        """The agent's next action on the current page, not run: the person accepts, edits or rejects.

        Agents keep state between steps (a plan, a position in an exemplar). When the page moved on
        without them (a person's step, a rejected proposal), the agent is reset on the current page
        before it is asked, so its plan restarts from what it sees instead of assuming its last
        proposal was taken.
        """
        async with session.lock:
            if session.obs is None:
                raise LiveError("The environment has no episode: reset it.")
            key = json.dumps([name, sorted(args.items()), _memory_stamp(args)])
            if session.agent is None or session.agent_key != key:
                if session.agent is not None:
                    await on_background(session.agent.aclose())
                session.agent = await asyncio.to_thread(_make_agent, name, dict(args))
                session.agent_key, session.agent_ready = key, False
            agent, obs = session.agent, session.obs
            if session.proposal_pending:  # the last proposal was rejected: ask afresh from this page
                session.agent_ready = False
            env, task, ready = session.env, session.task, session.agent_ready

            async def run() -> AgentStep:
                if not ready:
                    if agent.privileged:
                        agent.reveal_task(task)
                    await agent.areset(TaskInfo(goal=str(obs.get("goal", "")), action_set=env.action_set))
                return await agent.aact(obs)

            step = await on_background(run())
            session.agent_ready, session.proposal_pending = True, True
            return step


def _make_agent(name: str, args: dict[str, str]) -> Agent:
    from palaestra.agents.registry import make_agent

    return make_agent(name, args)


def _memory_stamp(args: Mapping[str, str]) -> float:
    """When the agent's memory last changed, so an agent is rebuilt after a demonstration is saved."""
    memory = args.get("memory")
    if not memory:
        return 0.0
    path = Path(memory)
    stamps = [p.stat().st_mtime for p in path.glob("*") if p.is_file()] if path.is_dir() else []
    return max(stamps, default=0.0)


async def _close_quietly(session: LiveSession) -> None:
    async def run() -> None:
        if session.agent is not None:
            await session.agent.aclose()
        await session.env.aclose()

    try:
        await asyncio.wait_for(on_background(run()), 30)
    except Exception:  # a browser that will not close is the host's to replace, not the UI's to crash on
        return
