"""One session: an environment and its episode, with its recording, its listeners and its state.

`SessionManager` (`sessions.py`) makes, finds, times and closes these; what a session does between
(reset, step, submit, the state it reports, recording its episodes as trajectories) is here, so that
either can be read without the other.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.envs.actions.parser import shorten
from palaestra.envs.base import PalaestraEnv
from palaestra.envs.obs import Observation
from palaestra.envs.views import Converter, view_converters
from palaestra.runs.trajectory import TrajectoryWriter
from palaestra.server.recordings import RecordingBudget, shown
from palaestra.server.session_errors import EpisodeNotEnded, EpisodeNotStarted, NoEvidence
from palaestra.tasks.base import Evidence

log = logging.getLogger(__name__)
#: Why an episode its agent ended without an answer is judged so (as runs say it: `runs.episode`).
NO_ANSWER = "The agent stopped without an answer"


@dataclass
class StepOutcome:
    """What a reset or step returned, kept as the session's latest state."""

    obs: Observation
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    #: The views of the same step the session makes (`palaestra.envs.views`), by name.
    views: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def browsergym(self) -> dict[str, Any] | None:
        """BrowserGym's observation dict of the step, when the session makes that view."""
        return self.views.get("browsergym")


class Session:
    """One environment and its episode, serialising the requests made to it."""

    def __init__(self, sid: str, owner: str, task: str, env: PalaestraEnv, parts: tuple[str, ...]) -> None:
        self.id, self.owner, self.task, self.env, self.parts = sid, owner, task, env, parts
        #: The parts the session was asked for (``parts`` adds what its views are made from).
        self.asked_parts = parts
        #: The action set the session was opened with (``action_set``), "" for its task's own.
        self.asked_action_set = ""
        self.created = self.last_used = time.monotonic()
        self.lock = asyncio.Lock()
        self.busy = 0
        #: The request being served, and since when: one refused as the session stayed busy names it.
        self.doing, self.doing_since = "", 0.0
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
        #: The server's cap on its recordings' total size, shared by its sessions (with `record_root`).
        self.recording_budget: RecordingBudget | None = None
        #: What the agent submitted to end the episode (MCP's `submit`), or None.
        self.submission: dict[str, Any] | None = None
        #: Why the client ended the episode without an answer when its task is not judged so (its
        #: step limit, its agent gave up: `early_stop`), or None.
        self.stopped: str | None = None
        #: Called after every reset and step, with the session (UI views, MCP).
        self.listeners: list[Callable[[Session], None]] = []
        #: Awaited when the session closes (transports release what they hold for it).
        self.on_close: list[Callable[[], Awaitable[None]]] = []
        #: The views made with every reset and step (`make_views`), by name.
        self.converters: dict[str, Converter] = {}
        #: Opened with ``"browsergym": true`` (the older request): answers carry the dict under
        #: ``browsergym_observation`` too, as they did.
        self.browsergym_alias = False
        #: Opened with ``"screenshot_once": true``: a BrowserGym view's screenshot that is the
        #: observation's travels as the observation's only (`palaestra.server.view_wire`).
        self.screenshot_once = False

    @property
    def views(self) -> tuple[str, ...]:
        """The views this session makes, in `palaestra.envs.obs.VIEWS` order."""
        return tuple(self.converters)

    def make_views(self, names: tuple[str, ...]) -> None:
        """Make these views with every reset and step (`StepOutcome.views`), with the converters
        runs use; `palaestra.envs.views.ViewUnavailable` when the environment cannot give one."""
        self.converters = view_converters(names, self.env)

    @property
    def done(self) -> bool:
        return self.last is not None and (self.last.terminated or self.last.truncated)

    async def reset(self, seed: int | None = None, episode_id: str | None = None) -> StepOutcome:
        self.doing = "reset" if seed is None else f"reset (seed {seed})"
        self._stop_recording()  # the episode before, if it was left unfinished
        if self.record_root is not None and self.recording_budget is not None:
            await asyncio.to_thread(
                self.recording_budget.check, f"Recording session {self.id}'s next episode"
            )
        started = time.perf_counter()
        obs, info = await self.env.areset(seed=seed)
        self.env_s = time.perf_counter() - started
        self.seed = info.get("seed", seed)
        self.episodes += 1
        self.episode_id = episode_id or f"{self.id}-{self.episodes}"
        self.step_count, self.total_reward = 0, 0.0
        self.submission, self.stopped = None, None
        self.last = StepOutcome(obs, info=dict(info))
        self.last.views = {name: convert(obs, None) for name, convert in self.converters.items()}
        if self.record_root is not None:
            folder = self.record_root / f"{self.episodes:03d}"
            self.recorder = TrajectoryWriter(folder, images="screenshot" in self.parts)
            self.recorder.start(task=self.task, seed=self.seed, goal=self.env.goal, obs=obs, source="server")
        self._changed()
        return self.last

    async def step(self, action: str, agent: dict[str, Any] | None = None) -> StepOutcome:
        if self.last is None:
            raise EpisodeNotStarted(f"Session {self.id} has no episode yet: reset it first.")
        self.doing = f"step {shorten(action, 80)}"
        started = time.perf_counter()
        demo = _demonstration(self.last.obs, action) if self.recorder is not None else None
        # A step after the end earns nothing: `PalaestraEnv.astep` says so for every environment.
        obs, reward, terminated, truncated, info = await self.env.astep(action)
        self.env_s = time.perf_counter() - started
        self.step_count += 1
        self.total_reward += float(reward)
        self.last = StepOutcome(obs, float(reward), bool(terminated), bool(truncated), dict(info))
        self.last.views = {name: convert(obs, dict(info)) for name, convert in self.converters.items()}
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
            elif self.recording_budget is not None and not self.recording_budget.grew(self.recorder.folder):
                cap = self.recording_budget.cap
                log.warning("Session %s: recordings reached their cap; episode %s no longer recorded.",
                            self.id, self.episode_id)  # fmt: skip
                self._stop_recording(
                    f"recording stopped after step {self.step_count}: the server's recordings reached their "
                    f"cap (--max-recording-size {shown(cap)}); the episode went on unrecorded"
                )
        self._changed()
        return self.last

    async def early_stop(self, reason: str) -> StepOutcome | None:
        """End the episode without the agent's answer and judge it, if its task is judged so
        (WebArena's official tasks: `PalaestraEnv.aearly_stop`); None when it is not (or has ended)."""
        if self.last is None:
            raise EpisodeNotStarted(f"Session {self.id} has no episode yet: reset it first.")
        self.doing = "early stop"
        started = time.perf_counter()
        judged = await self.env.aearly_stop(reason)
        if judged is None:
            self.stopped = self.stopped or reason  # ended by its client all the same
            return None
        self.env_s = time.perf_counter() - started
        obs, reward, terminated, truncated, info = judged
        self.total_reward += float(reward)
        self.last = StepOutcome(
            obs, float(reward), bool(terminated), bool(truncated), {**info, "early_stop": reason}
        )
        self.last.views = {name: convert(obs, dict(info)) for name, convert in self.converters.items()}
        self._stop_recording()
        self._changed()
        return self.last

    @property
    def ended(self) -> bool:
        """The episode is over: it ended itself, its agent submitted, or its client stopped it."""
        return self.done or self.submission is not None or self.stopped is not None

    async def evidence(self) -> Evidence:
        """What the task keeps of the episode that ended, to judge it again (``palaestra judge``):
        `EpisodeNotStarted`, `EpisodeNotEnded` or `NoEvidence` when there is none to give."""
        if self.last is None:
            raise EpisodeNotStarted(f"Session {self.id} has no episode yet: reset it first.")
        if not self.ended:
            raise EpisodeNotEnded(
                f"Session {self.id}'s episode {self.episode_id} is still being played: its evidence is "
                "what it ends as. Ask again once a step has ended it, or after POST "
                f"/sessions/{self.id}/early_stop (the client's own step limit)."
            )
        kept = await self.env.aevidence()
        if kept is None:
            raise NoEvidence(
                f"Session {self.id}'s task {self.task} keeps no evidence to judge it again: only site "
                "tasks and WebArena's official tasks do (others are judged on the live page)."
            )
        return kept

    def submit(self, *, answer: str | None = None, infeasible: bool = False, reason: str = "") -> None:
        """The agent says it is done (its answer, if any, was sent as an action before)."""
        self.submission = {"answer": answer, "infeasible": infeasible, "reason": reason}
        self._stop_recording()
        self._changed()

    def _stop_recording(self, cut: str = "") -> None:
        """End and close the episode being recorded, with its outcome so far (``cut``: why its
        recording stops before the episode ends)."""
        recorder, self.recorder = self.recorder, None
        if recorder is None:
            return
        last = self.last.info if self.last is not None else {}
        error = last.get("error") or {}
        done = self.done or self.submission is not None
        outcome = ("success" if last.get("success") else "failure") if done else "abandoned"
        recorder.end(
            outcome=outcome, success=bool(last.get("success")), reward=self.total_reward,
            error_kind="recording_cut" if cut else str(error.get("kind", "")),
            error_message=cut or str(error.get("message", "")),
        )  # fmt: skip
        recorder.close()
        if self.recording_budget is not None:
            self.recording_budget.ended(recorder.folder)

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
            # WebArena's tasks: the paper, corrected and Verified columns of the verdict (else None).
            "columns": (info.get("task_info") or {}).get("columns"),
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
