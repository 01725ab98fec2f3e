"""``PalaestraEnv``: what every Palaestra environment is to runners, servers and agents.

A browser, a desktop and a remote session differ in how they act and observe, not in how they
are driven: an async core (``areset``/``astep``/``aclose``) that asyncio programs call on their own
loop, the standard Gymnasium methods as a synchronous face over a shared background loop, string
actions parsed by an ``ActionSet``, observations laid out by an ``ObservationLayout``, and failures
of the machinery reported as ``info["error"] = {"kind", "message"}`` with ``truncated=True``
rather than raised. The evaluation runner and the environment server only use what is here.
"""

from __future__ import annotations

import asyncio
import copy
from abc import abstractmethod
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import gymnasium as gym
import numpy as np

from palaestra.envs import loop as loop_mod
from palaestra.envs.obs import Observation, ObservationLayout
from palaestra.envs.options import check_options
from palaestra.errors import ConfigError, EnvStateError

if TYPE_CHECKING:
    from palaestra.envs.actions import ActionSet
    from palaestra.envs.episode_trace import SavedTrace
    from palaestra.tasks.base import Evidence, ToolRunner

StepResult = tuple[Observation, float, bool, bool, dict[str, Any]]
#: What a step after the end of its episode says in ``last_action_error``: it ran no action.
EPISODE_OVER = "The episode is over; call reset() to start a new one."


def no_error() -> dict[str, str]:
    """``info["error"]`` of a step the machinery did not fail: an empty dict, not None.

    A failed step's is a dict (``kind``, ``message``); Gymnasium's vector environments stack a
    dict-valued info key per key, with masks (``info["error"]["_kind"]`` says which environments
    failed), and stacking a dict beside None raised AttributeError, so one environment's crash
    stopped the whole vector. Falsy, as None was: ``if info["error"]`` still reads the same. A new
    dict each time, since callers keep infos."""
    return {}


class PalaestraEnv(gym.Env[Observation, str]):
    """Base class of Palaestra's environments. Subclasses implement the ``a*`` coroutines."""

    #: The actions agents may write, parsed and described for prompts by this set.
    action_set: ActionSet
    #: The observation keys this environment fills (and so its space and blank observation).
    layout: ObservationLayout
    #: The task's tools, when it offers any (`call_api`, `search_apis`).
    tools: ToolRunner | None = None
    #: Seconds spent in the last reset or step, by phase; kept out of ``info`` (Gymnasium wants
    #: ``info`` deterministic).
    timings: dict[str, float]
    #: The number of steps after which the environment itself ends an episode the agent did not
    #: end (``truncated=True``), judging it first if its task asks to be (see ``aearly_stop``);
    #: None: no limit of its own. Set by ``limit_steps``.
    max_steps: int | None = None
    #: Whether the current episode has ended (terminated or truncated). ``astep`` sets it; each
    #: environment's ``areset`` clears it, and its ``_astep`` reads it to run no action after the end.
    _done: bool = False
    #: Steps taken in the current episode, counted against ``max_steps`` (`_counted`).
    _steps: int = 0
    #: Whether ``aclose`` ran since the last reset: ``close()`` then has nothing left to do (on an
    #: asyncio program's loop, running ``aclose`` again from the sync face raised), and a step says
    #: the environment was closed. Each environment's ``aclose`` sets it and ``areset`` clears it.
    _closed: bool = False

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        """Refuse an option the environment does not take, naming the closest one (`options`)."""
        check_options(cls, kwargs)
        return super().__new__(cls)

    @abstractmethod
    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        """Start an episode; ``info`` holds at least ``seed``."""

    async def astep(self, action: str) -> StepResult:
        """Run one action string. Never raises for the agent's mistakes (see `last_action_error`).

        Every environment steps through here, the environment server's sessions too, so that the
        rule for a step after the end is written once: it earns nothing, the end's reward having
        been paid once (an RL client stepping past ``terminated`` was paid it again on every late
        step), and it says ``terminated`` unless the late step itself failed (``truncated``).
        """
        over = self._done
        obs, reward, terminated, truncated, info = await self._astep(action)
        if over:
            return obs, 0.0, terminated or not truncated, truncated, info
        self._done = self._done or terminated or truncated
        return obs, reward, terminated, truncated, info

    @abstractmethod
    async def _astep(self, action: str) -> StepResult:
        """The environment's own step. After the end (``self._done``) it runs no action and says
        ``EPISODE_OVER`` in ``last_action_error``; ``astep`` takes care of the reward and flags."""

    @abstractmethod
    async def aclose(self) -> None:
        """Release everything this environment started."""

    async def __aenter__(self) -> Self:
        """``async with BrowserEnv(...) as env:`` closes the environment however the block ends
        (an exception, a cancellation), as ``with env:`` does on the sync face."""
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aearly_stop(self, reason: str) -> StepResult | None:
        """End the episode without the agent's answer (it reached the step limit, or gave up) and
        judge it, if its task asks to be judged so (``Task.judge_at_step_limit``: WebArena's
        official tasks, whose harness judges every episode); ``reason`` is why it ended. Returns the
        verdict as a step's result with no action run, or None where such an episode gets none."""
        return None

    def limit_steps(self, max_steps: int | None) -> None:
        """End episodes at ``max_steps`` steps, judged as WebArena's harness judges them ("Early stop:
        Reach max steps N"), where the environment supports it (``BrowserEnv``, ``DesktopEnv``).
        ``gym.make(id, max_episode_steps=N)`` calls it (`palaestra.envs.step_limit`), since Gymnasium's
        ``TimeLimit`` alone truncates without a verdict. Environments whose tasks are never judged
        at the limit leave the limit to ``TimeLimit``: this default does nothing."""

    def _set_step_limit(self, max_steps: int | None) -> None:
        """``limit_steps`` for the environments that take a limit: checked, and one limit only."""
        if max_steps is None:
            return
        if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
            raise ConfigError(f"max_steps must be a whole number of steps, 1 or more, got {max_steps!r}.")
        if self.max_steps is not None and self.max_steps != max_steps:
            raise ConfigError(
                f"Two step limits: max_steps={self.max_steps} given to the environment and "
                f"max_episode_steps={max_steps} to gym.make. Give one of them."
            )
        self.max_steps = max_steps

    async def _counted(self, result: StepResult, was_done: bool) -> StepResult:
        """``result`` of one more step of the episode (``was_done``: the episode had ended before
        it, so it counts nothing), ended at ``max_steps`` if it reached the limit without ending
        by itself (`_end_at_step_limit`)."""
        if was_done or self.max_steps is None:
            return result
        self._steps += 1
        if self._steps < self.max_steps or result[2] or result[3]:
            return result
        return await self._end_at_step_limit(result)

    async def _end_at_step_limit(self, result: StepResult) -> StepResult:
        """The step that reached ``max_steps`` (``result``, not ended by itself), ended: truncated,
        with the task's verdict (its reward, ``info["success"]``, ``info["task_info"]``) if it
        judges such episodes, and ``info["early_stop"]`` saying why it ended."""
        obs, reward, _, _, info = result
        reason = f"Reach max steps {self.max_steps}"
        judged = await self.aearly_stop(reason)
        if judged is None:
            return obs, reward, False, True, info
        _, verdict, _, _, judged_info = judged
        if judged_info.get("error"):
            return obs, 0.0, False, True, judged_info
        return obs, verdict, False, True, {**judged_info, "early_stop": reason}

    async def aevidence(self) -> Evidence | None:
        """What the task keeps of the episode that just ended to judge it again later (``palaestra
        judge``); None where it keeps nothing (the default). A served environment's comes from its
        server (`palaestra.server.remote.RemoteEnv.aevidence`)."""
        return None

    async def arender(self) -> np.ndarray | None:
        return None

    async def awarm(self) -> None:
        """Start what is costly to start (a browser, a display) before an episode's clock starts."""

    def expect_seeds(self, seeds: Sequence[int]) -> None:
        """Hint which seeds the resets after the next one will be given (see ``BrowserEnv``)."""

    def trace_next_episode(self, path: Path) -> None:
        """Record the next episode's Playwright trace into ``path`` (``BrowserEnv``); an environment
        without a browser of its own has nothing to trace, and says so."""
        raise ConfigError(
            f"{type(self).__name__} has no browser of its own to record a Playwright trace of: "
            "traces are for browser tasks played in this process. Leave tracing off here."
        )

    async def afinish_trace(self) -> SavedTrace | None:
        """Write the trace of the episode that just ended; None if it recorded none."""
        return None

    @property
    @abstractmethod
    def goal(self) -> str:
        """The current episode's goal in words."""

    def seed_rng(self, seed: int | None, options: dict[str, Any] | None = None) -> None:
        """Seed ``np_random`` as Gymnasium's ``reset`` does; call it first in ``areset``, with the
        reset's ``options``: none are taken (a task is chosen when the environment is made, its
        problem by the seed), and one given was ignored in silence."""
        if options:
            raise ConfigError(
                f"{type(self).__name__}.reset() takes no options, got {sorted(map(str, options))}: "
                "choose the task when making the environment (gym.make('palaestra/<task>')) and its "
                "problem with reset(seed=...)."
            )
        gym.Env.reset(self, seed=seed)

    # -- sync face --------------------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        return loop_mod.run_sync(self.areset(seed=seed, options=options))

    def step(self, action: str) -> StepResult:
        return loop_mod.run_sync(self.astep(action))

    def render(self) -> np.ndarray | None:
        if self.render_mode is None:  # as Gymnasium's own environments say, rather than a silent None
            gym.logger.warn(
                f"{type(self).__name__}.render() returns None without a render mode: make the "
                "environment with render_mode='rgb_array' (gym.make(id, render_mode='rgb_array')) "
                "for the screen as an array."
            )
            return None
        return loop_mod.run_sync(self.arender())

    def close(self) -> None:
        if self._started_on_a_loop() and not self._closed:
            if self._loop is not None and self._loop is _running_loop():
                # Called on the environment's own loop (`with env:` in async code, a notebook cell
                # after `await env.areset()`), which cannot be waited on from inside: the closing
                # runs as soon as the caller yields. Running it on the background loop raised.
                self._closing = self._loop.create_task(self.aclose())
            else:
                loop_mod.run_sync(self.aclose())
        super().close()

    def _started_on_a_loop(self) -> bool:
        """Whether any coroutine ran yet (closing an environment never used must start nothing)."""
        return True

    #: The event loop the environment's coroutines run on, once one has (see `_bind_loop`).
    _loop: asyncio.AbstractEventLoop | None = None
    #: ``aclose`` as ``close()`` started it on the environment's own running loop (kept referenced).
    _closing: asyncio.Task[None] | None = None

    def _bind_loop(self) -> None:
        """Tie the environment to the running loop: its browser or session lives there, and a
        second loop would reach it from the wrong thread."""
        running = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = running
        elif self._loop.is_closed():
            raise EnvStateError(
                "This environment's event loop has closed (the asyncio.run that started it ended), "
                "and its episode with it: call reset() to start one on this loop."
            )
        elif self._loop is not running:
            raise EnvStateError(
                "This environment was started on another event loop. Use either the async methods "
                "(areset/astep/aclose) on one loop or the sync ones (reset/step/close), not both."
            )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def failed_step(
    layout: ObservationLayout,
    last: Observation,
    action: str,
    error: dict[str, str],
    messages: Iterable[str] = (),
    infeasible: str | None = None,
    shown: str | None = None,
) -> StepResult:
    """The result of a step the machinery failed (``error`` holds its ``kind`` and ``message``;
    ``shown``, when given, is what the agent reads instead, as the message names the task).

    The observation is the last one again, copied (Gymnasium's step hands out new data every time:
    callers keep observations, and one that shared the last's screenshot changed with it), with the
    failure as ``last_action_error``; ``info`` has every key a step's ``info`` has, so code reading
    ``info["messages"]`` and vector environments stacking infos see the same keys either way.
    """
    obs = layout.build(
        {**copy.deepcopy(last), "last_action": action, "last_action_error": shown or error["message"]}
    )
    info = {
        "success": False,
        "task_info": {},
        "messages": list(messages),
        "infeasible": infeasible,
        "error": dict(error),
    }
    return obs, 0.0, False, True, info


def make_env(task: str, *, server: str | None = None, **options: Any) -> PalaestraEnv:
    """The environment the task's spec names (a ``BrowserEnv`` unless the suite says otherwise);
    with ``server`` (``http://host:port`` of ``palaestra serve``), that environment served there."""
    if server:
        from palaestra.server.remote import RemoteEnv

        return RemoteEnv(task, server=server, **options)
    from palaestra.tasks.registry import get_task_spec, resolve

    spec = get_task_spec(task)
    env_cls = resolve(spec.env, f"environment of task `{spec.name}`")
    env = env_cls(spec.name, **options)
    if not isinstance(env, PalaestraEnv):
        raise TypeError(f"{spec.env} is not a palaestra.envs.base.PalaestraEnv subclass.")
    return env
