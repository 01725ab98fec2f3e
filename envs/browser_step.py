"""The step path of ``BrowserEnv``: one step of a live browser episode, and how its failures end it.

A step parses and runs the agent's actions (``run_sequence``, within a share of the step's
timeout), lets the page settle, then asks the task for its verdict and reads the observation
together, since both only read the settled page. The whole step runs within ``step_timeout``; a
failure of the machinery (a hung page, a crashed browser, a task's site that stopped) ends the
episode as ``info["error"]`` with ``truncated=True`` rather than raising, and a step that reaches
``max_steps`` ends the episode there (``PalaestraEnv._end_at_step_limit``).

``BrowserSteps`` is a layer of ``BrowserEnv`` (``browser_env``), which constructs every attribute
declared here; a failed step's episode is ended by the layer below (``browser_teardown``).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions.limits import ActionLimits
from palaestra.envs.actions.sequence import SequenceResult, first_line, run_sequence
from palaestra.envs.base import EPISODE_OVER, StepResult, failed_step, no_error
from palaestra.envs.browser_episode import BrowserEpisode, fit_screenshot
from palaestra.envs.browser_teardown import BrowserTeardown
from palaestra.envs.obs import Observation
from palaestra.envs.observation import ObsConfig
from palaestra.errors import (
    ActionError,
    BrowserCrashedError,
    EnvStateError,
    InfrastructureError,
    PageHungError,
    TaskError,
)
from palaestra.tasks.base import (
    TASK_FAILED_SHOWN,
    EpisodeState,
    Evaluation,
    Task,
    checked_verdict,
    task_code,
    task_label,
)

Obs = Observation
#: Action strings longer than this are parsed in a worker thread: at the 10,000-character limit
#: Python's parser takes up to ~0.1 s, which would stall every environment sharing the loop.
PARSE_IN_THREAD_CHARS = 1000
#: What a step says when ``aclose()`` (from another task) ended its episode as it ran.
CLOSED_DURING_STEP = "close() ran while this step did, and ended its episode: call reset() to start another."


class BrowserSteps(BrowserTeardown):
    """One step of a browser episode, within its timeout; ``BrowserEnv`` is the environment."""

    task: Task
    obs_config: ObsConfig
    step_timeout: float
    settle_ms: float
    #: A step's actions get this share of the step's timeout; settling and observing the rest.
    actions_timeout: float
    action_limits: ActionLimits
    #: Whether the step is waiting on the task's evaluate (`_verdict`).
    _evaluating: bool = False
    _goal: str
    _tools_text: str
    _last_obs: Obs | None
    #: BrowserGym's page objects of the last observation, when ``ObsConfig(browsergym=True)``.
    browsergym_page: dict[str, Any] | None

    async def _astep(self, action: str) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        self._bind_loop()
        if not isinstance(action, str):
            raise TypeError(f"Actions are strings such as \"click('12')\", got {type(action).__name__}.")
        # Two steps at once acted on one page (and both were paid the end's reward); a step during
        # a reset acted on the half-started episode: refused (`one_call`).
        async with self._calls.claim("step"):
            return await self._astep_alone(action)

    async def _astep_alone(self, action: str) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        if self._reset_unfinished and not self._closed:  # checked first: a cancelled one may be ending
            raise EnvStateError(
                "The last reset() did not finish (it was cancelled, timed out or failed), so "
                "no episode runs: call reset() again."
            )
        if self._episode is None:
            if self._closed:
                raise EnvStateError("step() after close(): call reset() to start an episode again.")
            if self._failure is None:
                raise EnvStateError("step() before reset(): call reset() to start an episode.")
            # The machinery ended the episode (its context is gone): nothing runs, as after any end.
            ended = {"kind": self._failure["kind"], "message": EPISODE_OVER}
            return failed_step(self.layout, self._last_obs or self._blank_obs(), action, ended)
        was_done = self._done
        return await self._counted(await self._guarded(self._episode, action), was_done)

    async def _guarded(
        self, episode: BrowserEpisode, action: str, early_stop: str | None = None
    ) -> StepResult:
        """A step within its timeout; a failure of the machinery ends the episode as an error."""
        shown: str | None = None  # the agent's text when the message is not for it (a task's fault)
        try:
            return await asyncio.wait_for(self._step(episode, action, early_stop), self.step_timeout)
        except PageHungError as exc:
            kind, message = "step_timeout", f"{exc} The episode ends here."
        except TimeoutError:
            hung = (
                f"the task {task_label(self.task)} was still in its evaluate (a bug in the task's code?)"
                if self._evaluating
                else "the page hangs"
            )
            kind, message = "step_timeout", f"The step took longer than {self.step_timeout} s; {hung}."
            shown = TASK_FAILED_SHOWN if self._evaluating else None
        except BrowserCrashedError as exc:
            kind, message = exc.kind, f"The browser stopped during the step: {exc}"
        except InfrastructureError as exc:  # a task's own infrastructure, or its code (TaskError)
            kind, message = exc.kind, str(exc)
            shown = TASK_FAILED_SHOWN if isinstance(exc, TaskError) else None
        except PlaywrightError as exc:
            if episode.browser_alive():
                kind, message = (
                    "environment_error",
                    f"The environment failed during the step: {first_line(exc)}",
                )
            else:
                kind, message = "browser_crashed", f"The browser stopped during the step: {first_line(exc)}"
        if self._episode is not episode:  # aclose() ran meanwhile and made the step fail
            raise EnvStateError(CLOSED_DURING_STEP)
        # An infrastructure failure ends the episode; the next reset replaces what broke.
        await self._end_episode(abandon=True)
        self._done = True
        error = self._failure = {"kind": kind, "message": message}
        state = episode.state
        last = self._last_obs or self._blank_obs()
        return failed_step(self.layout, last, action, error, state.messages, state.infeasible, shown)

    async def _step(
        self, episode: BrowserEpisode, action: str, early_stop: str | None = None
    ) -> tuple[Obs, float, bool, bool, dict[str, Any]]:
        timings: dict[str, float] = {}
        self._evaluating = False
        t0 = time.perf_counter()
        episode.state.tool_results.clear()  # the next observation shows this step's answers only
        if episode.navigations is not None:
            episode.navigations.begin_step()  # the fetches the actions send are waited for
        if self._done:
            ran = SequenceResult(error=EPISODE_OVER)  # and earns nothing (`PalaestraEnv.astep`)
        elif early_stop is not None:
            ran = SequenceResult()  # judged as it stands: nothing runs
        else:
            ran = await self._run_actions(episode, action)
        error = ran.error
        t1 = time.perf_counter()
        marked = await episode.settle(self.settle_ms)
        t2 = time.perf_counter()
        if episode.blocked and not error:
            error = f"Blocked navigation outside this task's allowed sites: {', '.join(episode.blocked)}"
        episode.blocked.clear()
        downloads = await episode.downloads.saved()  # for the verdict: none, mostly (no wait)
        # The task's verdict and the observation both only read the settled page: ask together.
        verdict, obs = await asyncio.gather(
            self._verdict(
                episode.state.page,
                EpisodeState(episode.state.messages, episode.state.infeasible, early_stop, downloads),
            ),
            self._observe(last_action=action, error=error, marked=marked),
        )
        timings.update(action=t1 - t0, settle=t2 - t1, observe=time.perf_counter() - t2)
        terminated = verdict.done or episode.state.infeasible is not None or early_stop is not None
        self._done = self._done or terminated
        info = {
            "success": verdict.success,
            "task_info": verdict.raw,
            "messages": list(episode.state.messages),
            "infeasible": episode.state.infeasible,
            "error": no_error(),
        }
        if ran.not_run:  # the task ended before these ran
            info["actions_not_run"] = ran.not_run
        if self.tools is not None:
            info["tool_calls"] = list(episode.state.tool_results)
        self.timings = timings
        return obs, float(verdict.reward), terminated, False, info

    async def _verdict(self, page: Any, state: EpisodeState) -> Evaluation:
        """The task's verdict; a task whose code raises or answers no verdict ends the episode
        with a ``TaskError`` (``task_error``) naming it. ``_evaluating`` stays set while it runs and
        when it is cancelled, so that a step that times out in it says the task's code hung."""
        self._evaluating = True
        try:
            with task_code(self.task, "evaluate"):
                verdict = await self.task.evaluate(page, state)
        except Exception:
            self._evaluating = False
            raise
        self._evaluating = False
        return checked_verdict(self.task, verdict)

    async def _task_ended(self, episode: BrowserEpisode) -> bool:
        """Whether the step's remaining actions must not run: the agent answered a task that ends at
        its answer (``Task.ends_at_answer``), or the task says its episode is over."""
        if self.task.ends_at_answer and episode.state.messages:
            return True
        with task_code(self.task, "ended"):
            return await self.task.ended(episode.state.page)

    async def _run_actions(self, episode: BrowserEpisode, text: str) -> SequenceResult:
        try:
            if len(text) > PARSE_IN_THREAD_CHARS:  # up to ~0.1 s of parsing: off the shared loop
                actions = await asyncio.to_thread(self.action_set.parse, text, self.action_limits)
            else:
                actions = self.action_set.parse(text, self.action_limits)
        except ActionError as exc:
            return SequenceResult(error=str(exc))
        return await run_sequence(
            actions,
            episode.state,
            budget_s=self.actions_timeout,
            ended=lambda: self._task_ended(episode),
            browser_alive=episode.browser_alive,
        )

    async def _observe(self, last_action: str, error: str, marked: bool = False) -> Obs:
        if self._episode is None:  # aclose() ran while the step settled the page
            raise EnvStateError(CLOSED_DURING_STEP)
        values: dict[str, Any] = {"goal": self._goal, "last_action": last_action, "last_action_error": error}
        values.update(
            await self._episode.read(
                self.obs_config, self.layout.parts, settle_ms=self.settle_ms, marked=marked
            )
        )
        # What the page did besides its DOM (dialogs, tabs, downloads), and a stuck frame, observed
        # without it: said after the action's own error.
        notes = [self._episode.events.take_notes(), self._episode.state.frame_ids.unanswered_note()]
        for note in filter(None, notes):
            error = values["last_action_error"] = f"{error}\n{note}" if error else note
        # With ObsConfig(browsergym=True), BrowserGym's page objects (`browsergym_compat` reads them).
        self.browsergym_page = values.pop("browsergym", None)
        if self.tools is not None:
            values["tools"] = self._tools_text
            values["tool_results"] = "\n".join(
                json.dumps(r, ensure_ascii=False, default=str) for r in self._episode.state.tool_results
            )
        for key in ("screenshot", "som_screenshot"):
            if key in values:
                values[key] = fit_screenshot(values[key], self.task.viewport)
        obs = self._last_obs = self.layout.build(values)
        return obs

    def _blank_obs(self) -> Obs:
        extra = {"tools": self._tools_text} if self.tools is not None else {}
        return self.layout.blank(goal=self._goal, **extra)
