"""How a ``DesktopEnv`` episode is judged: after every step, or once at its end (`Judging`).

A task judged ``EVERY_STEP`` gets the outcome after each step and ends the episode when it is done.
A task judged ``AT_END`` (OSWorld's, whose ``postconfig`` acts: save the file, close the window) is
judged once, when the episode ends: the agent's done() or fail(), the environment's own step limit
(``max_steps``, or ``gym.make``'s ``max_episode_steps`` through `palaestra.envs.step_limit`), or the
runner's (``aearly_stop``). Before that verdict the task's `final_steps` run on the live desktop,
once; the steps before it earn 0 and end nothing.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from palaestra.envs.base import PalaestraEnv, StepResult, failed_step
from palaestra.envs.desktop.client import SessionClient, SessionFailure
from palaestra.envs.desktop.episode_requests import (
    print_page,
    read_browser_tabs,
    run_judge_commands,
    run_live_steps,
)
from palaestra.envs.desktop.tree import DesktopTree
from palaestra.envs.obs import Observation
from palaestra.envs.one_call import OneCall
from palaestra.errors import TaskError
from palaestra.tasks.base import TASK_FAILED_SHOWN, checked_verdict, task_code
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopTask, Judging
from palaestra.tasks.desktop.live_steps import LiveStep, RunCommand

#: Failures after which the session is replaced at the next reset.
FATAL_KINDS = {"display_crashed", "session_timeout", "openbox_crashed"}
#: What an intermediate step of a task judged at the end says in ``info["task_info"]``.
NOT_YET = {"judged": "at the end of the episode (done(), fail() or the step limit)"}


class DesktopJudging(PalaestraEnv):
    """The verdicts of a desktop episode, its step limit, and steps guarded against the machinery."""

    task: DesktopTask
    step_timeout: float
    #: One reset, step or judging at a time (`palaestra.envs.one_call`).
    _calls: OneCall
    _client: SessionClient | None
    _home: Path | None
    _tree: DesktopTree
    _nodes: list[dict[str, Any]]
    _messages: list[str]
    _apps: list[dict[str, Any]]
    _last_obs: Observation | None
    _goal: str
    #: What the episode's own processes used up to its last observation (`episode_resources`).
    _resources: dict[str, Any] = {}  # noqa: RUF012  (replaced, never changed in place)
    #: What the task's final steps came to (None: not run yet).
    _final_results: list[dict[str, Any]] | None = None

    async def _session(self) -> SessionClient:
        raise NotImplementedError

    async def _observe(
        self, client: SessionClient, last_action: str, error: str, tree: bool = False
    ) -> Observation:
        raise NotImplementedError

    def limit_steps(self, max_steps: int | None) -> None:
        self._set_step_limit(max_steps)

    async def _guarded(self, step: Coroutine[Any, Any, StepResult], action: str) -> StepResult:
        """A step (or a verdict) within the step's timeout; a failure of the machinery ends the
        episode as an error (``info["error"]``), and the next reset replaces what broke."""
        shown: str | None = None  # the agent's text when the message is not for it (a task's fault)
        try:
            return await asyncio.wait_for(step, self.step_timeout)
        except TimeoutError:
            kind, message = "step_timeout", f"The step took longer than {self.step_timeout} s."
        except SessionFailure as exc:
            kind, message = exc.kind, str(exc)
        except TaskError as exc:
            kind, message, shown = exc.kind, str(exc), TASK_FAILED_SHOWN
        if self._client is not None and kind in FATAL_KINDS | {"step_timeout"}:
            await self._client.close()
        self._done = True
        last = self._last_obs or self.layout.blank(goal=self._goal)
        error = {"kind": kind, "message": message}
        return failed_step(self.layout, last, action, error, self._messages, shown=shown)

    async def _limited(self, step: Coroutine[Any, Any, StepResult], action: str) -> StepResult:
        """``_guarded``, counted against ``max_steps`` (`PalaestraEnv._counted`: judged at the limit
        if its task is judged at the end)."""
        was_done = self._done
        return self._with_resources(await self._counted(await self._guarded(step, action), was_done))

    @property
    def resources(self) -> dict[str, Any]:
        """What the episode's own processes used up to its last observation: ``cpu_s``,
        ``peak_memory_mb``, ``oom_kills``, ``pids_max_hits``, ``source`` (`episode_resources`);
        also in the reset's info and in the info of the step that ends the episode. Empty before
        the first reset."""
        return dict(self._resources)

    def _with_resources(self, result: StepResult) -> StepResult:
        """``result`` with the figures in its info if it ended the episode. Only then: they differ
        from run to run, and Gymnasium holds a step's info to repeat for the same seed."""
        obs, reward, terminated, truncated, info = result
        if terminated or truncated:
            info = {**info, "resources": self.resources}
        return obs, reward, terminated, truncated, info

    async def aearly_stop(self, reason: str) -> StepResult | None:
        """Judge an episode that ended without the agent's answer, when its task is judged at the
        end (OSWorld judges every episode at its end); None for tasks judged after every step,
        whose last step gave their verdict."""
        self._bind_loop()
        async with self._calls.claim("early_stop"):  # judged during a step, it was judged twice
            if self.task.judging is not Judging.AT_END or self._home is None or self._done:
                return None
            result = await self._guarded(self._unanswered(), "")
            self._done = True
            return self._with_resources(result)

    async def _unanswered(self) -> StepResult:
        client = await self._session()
        obs = self._last_obs or self.layout.blank(goal=self._goal)
        obs, reward, _, info = await self._judge(client, obs, done=False, failed=False, ended=True)
        return (
            obs,
            reward,
            False,
            True,
            dict(info, messages=list(self._messages), infeasible=None, error=None),
        )

    async def _judge(
        self, client: SessionClient, obs: Observation, done: bool, failed: bool, ended: bool = False
    ) -> tuple[Observation, float, bool, dict[str, Any]]:
        """The verdict after a step: the observation (observed again after the final steps), the
        reward, whether the episode ends, and ``success``/``task_info`` for the step's ``info``."""
        at_end = self.task.judging is Judging.AT_END
        ended = ended or done or failed
        if at_end and not ended:
            return obs, 0.0, False, {"success": False, "task_info": dict(NOT_YET)}
        if at_end and self._final_results is None:
            self._final_results = await run_live_steps(client, self.task.final_steps(), self.step_timeout)
            obs = await self._observe(client, str(obs["last_action"]), str(obs["last_action_error"]), True)
        outcome = self.outcome(done=done, failed=failed)
        if at_end:
            outcome.kept_outputs = kept_outputs(self.task.final_steps(), self._final_results or [])
        outcome.command_results = await run_judge_commands(
            client, self.task.judge_commands(), self.step_timeout
        )
        if self.task.reads_browser_tabs():
            content = self.task.reads_page_content()
            outcome.browser_tabs = await read_browser_tabs(client, self.step_timeout, content)
        printed = Path(tempfile.mkdtemp(prefix="palaestra-printed-"))
        try:  # the printed pages live as long as the verdict that reads them
            for index, url in enumerate(self.task.printed_pages()):
                pdf = await print_page(client, url, self.step_timeout)
                if pdf is not None:
                    (printed / f"{index}.pdf").write_bytes(pdf)
                    outcome.printed_pages[url] = printed / f"{index}.pdf"
            with task_code(self.task, "evaluate"):  # its failure: the episode's error, not a crash
                verdict = checked_verdict(self.task, self.task.evaluate(outcome))
        finally:
            shutil.rmtree(printed, ignore_errors=True)
        raw = dict(verdict.raw)
        if at_end:
            raw["final_steps"] = self._final_results
        info = {"success": verdict.success, "task_info": raw}
        return obs, float(verdict.reward), at_end or verdict.done or ended, info

    async def aoutcome(self) -> DesktopOutcome:
        """`outcome`, with what only the session can read, read now: the browser's tabs."""
        assert self._client is not None, "no episode yet: reset() first"
        outcome = self.outcome()
        content = self.task.reads_page_content()
        outcome.browser_tabs = await read_browser_tabs(self._client, self.step_timeout, content)
        return outcome

    def outcome(self, done: bool = False, failed: bool = False) -> DesktopOutcome:
        """What the task's judge reads: the episode's HOME and the latest snapshot."""
        assert self._home is not None
        return DesktopOutcome(
            home=self._home,
            elements=self._tree.elements,
            windows=list((self._last_obs or {}).get("windows", [])),
            messages=list(self._messages),
            done=done,
            failed=failed,
            apps=self._apps,
            nodes=self._nodes,
        )


def kept_outputs(steps: Sequence[LiveStep], results: Sequence[dict[str, Any]]) -> dict[str, str]:
    """The standard output of each final command that keeps it, by its name (a step that did not
    run, the session having failed before it, keeps nothing)."""
    return {
        step.keep_output: str(result.get("stdout", ""))
        for step, result in zip(steps, results, strict=False)
        if isinstance(step, RunCommand) and step.keep_output
    }
