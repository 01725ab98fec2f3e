"""Live views: the environment server's sessions as a person sees and steps them in the UI.

A live environment *is* a session of the server the UI is mounted in (`palaestra.server`): the
same limits (how many at once, closed when idle), the same owner (private to the credential that
made it), recorded as trajectories when the server records. So a person can also open a session an
agent drives over the session API, OpenEnv or MCP, and watch it act.

A `LiveView` adds what a person needs on top: every step with who took it (a person, an agent, an
agent's proposal edited by a person, or another client over the API), the episode written down as
a demonstration as it happens (`agents.demos.record_step`, the same record a run's
`--record-demos` makes), and an agent to ask for the next action; an agent that reads a view
(BrowserGym's or OSWorld's dict, `Agent.see_views`) is handed the one its session makes. Agents run
on the process's
background loop (`envs.loop`), never the server's, so an agent's model cannot stall other
requests; the environment itself runs where the server runs it.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from palaestra.agents.agent_shape import next_step
from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.envs import loop as loop_mod
from palaestra.envs.obs import Observation
from palaestra.errors import PalaestraError
from palaestra.tasks.registry import suite_of
from palaestra.ui.actions import describe_action, slim_elements
from palaestra.ui.live_agents import agent_key, make_agent, parts_and_views, views_for

if TYPE_CHECKING:
    from palaestra.server.sessions import Session, SessionManager

T = TypeVar("T")

PERSON, AGENT, EDITED, API = "person", "agent", "agent, edited", "api"
#: Who may be named as taking a step through the UI (`api` marks steps other clients took).
ACTORS = (PERSON, AGENT, EDITED)
#: Every part of the observation: the UI draws boxes and records demonstrations from elements.
#: An agent chosen when the environment starts adds the parts it reads (`Agent.observation_parts`).
PARTS = ("axtree", "dom", "elements", "screenshot")


class LiveError(PalaestraError, ValueError):
    """A live-environment request that cannot be served (nothing to save, a bad actor, no episode)."""


def on_background(coro: Coroutine[Any, Any, T]) -> asyncio.Future[T]:
    """Run ``coro`` on the process's background loop; await the result from any loop."""
    return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop_mod.background_loop()))


@dataclass
class LiveView:
    """One session as the UI follows it. Kept up to date by the session's listener, whoever steps."""

    session: Session
    history: list[dict[str, Any]] = field(default_factory=list)
    demo: list[dict[str, Any]] = field(default_factory=list)
    before: Observation | None = None  # the page the next step acts on
    #: Who takes the step the UI is running now (None: a step from another client).
    actor: str | None = None
    agent: Agent | None = None
    agent_key: str = ""
    #: The agent's own view of the episode matches the page: it was reset for this episode, and
    #: every step since was a proposal of its own (taken as proposed or as edited).
    agent_ready: bool = False
    #: The agent proposed an action that no step has taken up yet.
    proposal_pending: bool = False
    #: The agent (and its arguments, as typed) chosen when the environment started, if any.
    chosen_agent: dict[str, Any] = field(default_factory=dict)
    #: The run's episode this one replays, and how each replayed step compared (`ui.replay`).
    replay: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    def follow(self, session: Session) -> None:
        """The session's listener: called after every reset and step, by the UI or any client."""
        from palaestra.agents.demos import record_step, took_effect

        self.version += 1
        last = session.last
        if last is None:
            return
        if session.step_count == 0:  # a reset: a new episode
            self.history, self.demo = [], []
            self.agent_ready = self.proposal_pending = False
        elif self.before is not None:
            action = str(last.obs.get("last_action", ""))
            by = self.actor or API
            error = str(last.obs.get("last_action_error", ""))
            if took_effect(action, error):  # a failed action is history, not demonstration
                step = record_step(self.before, action)
                step["by"] = by
                self.demo.append(step)
            self.history.append({
                "index": len(self.history), "action": action, "by": by,
                "error": last.obs.get("last_action_error", ""), "reward": last.reward,
                "parsed": describe_action(action, session.env.action_set),
            })  # fmt: skip
            if by != AGENT and by != EDITED:  # the agent did not choose it: its plan restarts
                self.agent_ready = False
            self.proposal_pending = False
        self.before = last.obs

    @property
    def obs(self) -> Observation:
        last = self.session.last
        if last is None:
            raise LiveError("The environment has no episode yet: reset it.")
        return last.obs

    @property
    def goal(self) -> str:
        return str(self.obs.get("goal", ""))

    @property
    def success(self) -> bool:
        last = self.session.last
        return bool(last and last.info.get("success"))

    @property
    def reward(self) -> float:
        return self.session.total_reward

    def state(self) -> dict[str, Any]:
        """What the Live page shows: the page as the agent would see it, the verdict, the history."""
        s, last = self.session, self.session.last
        obs: dict[str, Any] = dict(last.obs) if last else {}
        shot = obs.get("screenshot")
        height, width = (int(shot.shape[0]), int(shot.shape[1])) if shot is not None and shot.size else (0, 0)
        error = (last.info.get("error") if last else None) or None
        return {
            "id": s.id, "task": s.task, "seed": s.seed, "goal": obs.get("goal", ""),
            "url": obs.get("url", ""), "axtree": obs.get("axtree", ""),
            "last_action": obs.get("last_action", ""), "last_action_error": obs.get("last_action_error", ""),
            "elements": slim_elements(obs.get("elements")), "viewport": [width, height],
            "reward": self.reward, "terminated": bool(last and last.terminated),
            "truncated": bool(last and last.truncated), "success": self.success, "error": error,
            "done": s.done, "steps": s.step_count, "history": self.history, "version": self.version,
            "action_set": s.env.action_set.name, "parts": list(s.parts), "agent": self.chosen_agent,
            "replay": self.replay,
        }  # fmt: skip

    def screenshot_png(self) -> bytes:
        from PIL import Image

        shot = self.obs.get("screenshot")
        if shot is None or not shot.size:
            raise LiveError("This session shows no screenshot (it was opened without that part).")
        buffer = io.BytesIO()
        Image.fromarray(shot).save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


class LiveSessions:
    """The UI's views of one server's sessions."""

    def __init__(self, manager: SessionManager) -> None:
        self.manager = manager
        self.views: dict[str, LiveView] = {}

    def view(self, session: Session) -> LiveView:
        found = self.views.get(session.id)
        if found is None:
            found = self.views[session.id] = LiveView(
                session, before=session.last.obs if session.last else None
            )
            session.listeners.append(found.follow)

            async def forget() -> None:
                gone = self.views.pop(session.id, None)
                if gone is not None and gone.agent is not None:
                    await on_background(gone.agent.aclose())

            session.on_close.append(forget)
        return found

    async def open(
        self,
        owner: str,
        task: str,
        seed: int,
        agent: str = "",
        args: Mapping[str, str] | None = None,
        *,
        action_set: str = "",
        max_steps: int | None = None,
    ) -> LiveView:
        """A new session on ``task``; with ``agent``, that agent is made first and the environment
        computes the parts it reads too, as a run makes it (a vision agent's set-of-marks), and
        the session makes the views it reads (AgentLab's BrowserGym dict). ``action_set`` and
        ``max_steps`` are a replayed run's (`ui.replay`): its environment's set, its step limit."""
        manager = self.manager
        made: Agent | None = None
        parts: tuple[str, ...] = PARTS
        views: tuple[str, ...] = ()
        if agent:
            made = await asyncio.to_thread(make_agent, agent, dict(args or {}))
            parts, views = parts_and_views(PARTS, made)
        try:
            recorded = bool(manager.config.trajectories)
            session = await manager.create(
                owner, task, parts=parts, record=recorded, views=views, action_set=action_set
            )
            session.env.limit_steps(max_steps)
        except BaseException:
            if made is not None:
                await on_background(made.aclose())
            raise
        view = self.view(session)
        if made is not None:
            view.agent, view.agent_key = made, agent_key(agent, args or {})
        try:
            await self.reset(view, seed)
        except BaseException:
            await manager.close(owner, session.id)
            raise
        return view

    def get(self, session_id: str, owner: str) -> LiveView:
        """The owner's session (another owner's is "not found", as on the session API)."""
        return self.view(self.manager.get(owner, session_id))

    def owned(self, owner: str) -> list[LiveView]:
        return [self.view(s) for s in self.manager.owned_by(owner)]

    async def close(self, session_id: str, owner: str) -> bool:
        if session_id not in {s.id for s in self.manager.owned_by(owner)}:
            return False
        await self.manager.close(owner, session_id)
        return True

    async def reset(self, view: LiveView, seed: int) -> None:
        session = view.session

        async def work() -> Any:
            session.env.expect_seeds([])  # a person picks the next seed: prepare no page ahead
            return await session.reset(seed=seed)

        await self.manager.run(session, work)

    async def step(self, view: LiveView, action: str, by: str) -> None:
        if by not in ACTORS:
            raise LiveError(f"`by` must be one of {', '.join(ACTORS)}, got {by!r}.")
        await self.take(view, action, by)

    async def replay(
        self, view: LiveView, run: str, key: str, steps: list[dict[str, Any]], settings: str = ""
    ) -> None:
        """Take a recorded episode's actions again, each beside the error the run recorded for it;
        stops early if the episode ends. ``settings`` says which of the run's were applied."""
        from palaestra.ui.replay import REPLAY, compare_step

        compared = []
        for index, recorded in enumerate(steps):
            if view.session.done:
                break
            await self.take(view, recorded["action"] or "noop()", REPLAY)
            compared.append(compare_step(index, recorded, str(view.obs.get("last_action_error") or "")))
        differs = next((c["index"] for c in compared if not c["same"]), None)
        view.replay = {
            "run": run,
            "key": key,
            "asked": len(steps),
            "steps": compared,
            "first_difference": differs,
            "settings": settings,
        }

    async def take(self, view: LiveView, action: str, by: str) -> None:
        if not action.strip():
            raise LiveError("Type an action first, for example click('12').")
        session = view.session

        async def work() -> Any:
            view.actor = by
            try:
                return await session.step(action, agent={"by": by})
            finally:
                view.actor = None

        await self.manager.run(session, work)

    async def propose(self, view: LiveView, name: str, args: Mapping[str, str]) -> AgentStep:
        """The agent's next action on the current page, not run: the person accepts, edits or rejects.

        Agents keep state between steps (a plan, a position in an exemplar). When the page moved on
        without them (a person's step, a rejected proposal, another client's step), the agent is
        reset on the current page before it is asked, so its plan restarts from what it sees instead
        of assuming its last proposal was taken.
        """
        key = agent_key(name, args)
        if view.agent is None or view.agent_key != key:
            if view.agent is not None:
                await on_background(view.agent.aclose())
            view.agent, view.agent_key = None, ""
            made = await asyncio.to_thread(make_agent, name, dict(args))
            missing = sorted(made.observation_parts() - set(view.session.parts) - set(view.session.views))
            if missing:
                await on_background(made.aclose())
                raise LiveError(
                    f"{name} reads {', '.join(missing)}, which this environment does not compute (it "
                    f"was started with {', '.join(view.session.parts)}). Fix: start the environment "
                    f"with {name} chosen as its agent (and these arguments), so it computes them."
                )
            view.agent = made
            view.agent_key, view.agent_ready = key, False
        if view.proposal_pending:  # the last proposal was rejected: ask afresh from this page
            view.agent_ready = False
        agent, obs, session, ready = view.agent, view.obs, view.session, view.agent_ready
        views = views_for(agent, session.last.views if session.last else {})

        async def run() -> AgentStep:
            if not ready:
                if agent.privileged:
                    agent.reveal_task(session.task)
                goal, actions = str(obs.get("goal", "")), session.env.action_set
                await agent.areset(TaskInfo(goal=goal, action_set=actions, suite=suite_of(session.task)))
            if views:  # the session made them of this page, with the converters runs use
                agent.see_views(views)
            return await next_step(agent, obs)

        step = await on_background(run())
        view.agent_ready, view.proposal_pending = True, True
        return step
