"""Judging at the end of a desktop episode, on a real Xvfb: a task judged `Judging.AT_END` earns
nothing until the agent's done()/fail() or the step limit (the environment's, gym.make's, or the
runner's through ``aearly_stop``), its final steps run once before that verdict, and a task judged
after every step keeps its verdicts as they were."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import gymnasium as gym
import pytest

from palaestra.envs import loop
from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.desktop.episode_requests import run_judge_commands
from palaestra.errors import EnvStateError
from palaestra.tasks.base import TASK_FAILED_SHOWN, Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, Judging
from palaestra.tasks.desktop.live_steps import LiveStep, Pause, RunCommand, WindowStep


class MarkAtTheEnd(DesktopTask):
    """Its final steps append a line to ``final.txt``; it passes when the line is there once."""

    name = "test.mark-at-the-end"
    judging = Judging.AT_END

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(goal="Wait.", apps=(("galculator",),))

    def final_steps(self) -> tuple[LiveStep, ...]:
        return (
            WindowStep("activate", "galculator", by_class=True),
            RunCommand(("bash", "-c", "echo ran >> ~/final.txt")),
            Pause(0.1),
        )

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        text = outcome.read_text("final.txt")
        ok = text == "ran\n"
        return Evaluation(reward=float(ok), done=ok, success=ok, raw={"final": text, "done": outcome.done})


class EveryStep(MarkAtTheEnd):
    name = "test.every-step"
    judging = Judging.EVERY_STEP


class BrokenJudge(EveryStep):
    """An author's bug in the judge: it reads a file the task never made."""

    name = "test.broken-judge"

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        raise FileNotFoundError("results.csv")


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(MarkAtTheEnd())
    yield shared
    shared.close()


def final_lines(env: DesktopEnv) -> int:
    assert env._home is not None
    path = env._home / "final.txt"
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_reward_only_at_done_and_the_final_steps_run_exactly_once(env: DesktopEnv) -> None:
    env.reset(seed=0)
    for _ in range(2):
        _obs, reward, terminated, truncated, info = env.step("wait(0.1)")
        assert (reward, terminated, truncated, info["success"]) == (0.0, False, False, False)
        assert "judged" in info["task_info"] and final_lines(env) == 0
    obs, reward, terminated, truncated, info = env.step("done()")
    assert (reward, terminated, truncated, info["success"]) == (1.0, True, False, True), info
    assert info["task_info"]["done"] is True
    window, ran, _pause = info["task_info"]["final_steps"]
    assert window["found"] and window["active"] and ran["returncode"] == 0
    # After the end: no action, no reward, and the final steps do not run again.
    obs, reward, terminated, _truncated, _info = env.step("done()")
    assert obs["last_action_error"] and reward == 0.0 and terminated
    assert final_lines(env) == 1
    assert loop.run_sync(env.aearly_stop("Reach max steps 5")) is None


def test_fail_ends_and_judges_the_episode(env: DesktopEnv) -> None:
    env.reset(seed=0)
    _obs, reward, terminated, _truncated, info = env.step("fail('cannot')")
    assert terminated and info["infeasible"] == "said fail()" and final_lines(env) == 1
    assert reward == 1.0  # this task does not care; OSWorld's infeasible rule is the judge's


def test_the_step_limit_judges_the_episode_instead_of_truncating_it_unjudged(env: DesktopEnv) -> None:
    env.max_steps = 2
    try:
        env.reset(seed=0)
        first = env.step("wait(0.1)")
        assert first[1:4] == (0.0, False, False) and final_lines(env) == 0
        _obs, reward, terminated, truncated, info = env.step("wait(0.1)")
    finally:
        env.max_steps = None
    assert (reward, terminated, truncated) == (1.0, False, True)
    assert info["early_stop"] == "Reach max steps 2" and info["task_info"]["done"] is False
    assert final_lines(env) == 1


def test_the_runners_step_limit_judges_through_aearly_stop(env: DesktopEnv) -> None:
    env.reset(seed=0)
    env.step("wait(0.1)")
    judged = loop.run_sync(env.aearly_stop("Reach max steps 1"))
    assert judged is not None
    _obs, reward, _terminated, truncated, info = judged
    assert reward == 1.0 and truncated and info["success"] and final_lines(env) == 1
    assert loop.run_sync(env.aearly_stop("Reach max steps 1")) is None  # judged once


def test_a_task_judged_after_every_step_keeps_its_verdicts(env: DesktopEnv) -> None:
    env.task = EveryStep()
    env.max_steps = 1
    try:
        env.reset(seed=0)
        _obs, reward, terminated, truncated, info = env.step("wait(0.1)")
        assert (reward, terminated, truncated) == (0.0, False, True)  # truncated at the limit, as judged
        assert info["task_info"] == {"final": None, "done": False} and "early_stop" not in info
        assert loop.run_sync(env.aearly_stop("Reach max steps 1")) is None
    finally:
        env.task, env.max_steps = MarkAtTheEnd(), None
    assert final_lines(env) == 0  # its final steps are not for it


def test_a_judge_that_raises_ends_the_episode_with_a_task_error(env: DesktopEnv) -> None:
    env.task = BrokenJudge()
    try:
        env.reset(seed=0)
        obs, reward, terminated, truncated, info = env.step("wait(0.1)")
    finally:
        env.task = MarkAtTheEnd()
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert info["error"]["kind"] == "task_error"
    assert obs["last_action_error"] == TASK_FAILED_SHOWN  # the agent never reads the task's name
    assert f"`test.broken-judge` ({__name__}.BrokenJudge) failed in its evaluate" in info["error"]["message"]
    assert "FileNotFoundError: results.csv" in info["error"]["message"]


def test_a_tasks_python_gets_our_pyautogui_which_names_what_it_lacks(env: DesktopEnv) -> None:
    env.reset(seed=0)
    assert env._client is not None
    script = "import pyautogui; pyautogui.press('a'); pyautogui.locateOnScreen('x.png')"
    argv = ("python", "-c", script)
    (result,) = loop.run_sync(run_judge_commands(env._client, [argv], 30.0)).values()
    assert result.returncode == 1 and "pyautogui.locateOnScreen is not available" in result.stderr
    assert "hotkey" in result.stderr


def test_gym_make_max_episode_steps_judges_an_osworld_task_at_the_limit() -> None:
    made = gym.make("palaestra/osworld-json.edit-memo", max_episode_steps=1)
    try:
        made.reset(seed=0)
        _obs, reward, terminated, truncated, info = made.step("wait(0.1)")
    finally:
        made.close()
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert info["early_stop"] == "Reach max steps 1"
    saved = info["task_info"]["final_steps"][2]
    assert saved["do"] == "run" and saved["returncode"] == 0  # the postconfig's ctrl+s ran, judged after
    assert info["task_info"]["checks"][0]["func"] == "compare_text_file"


def test_calls_at_the_same_time_are_refused(env: DesktopEnv) -> None:
    """Two steps at once both acted on the one desktop, a reset during a step replaced the episode
    under it, and the runner's judging during a step judged the episode twice: each later call is
    now refused with ``EnvStateError`` naming the call still running (`one_call`)."""
    env.reset(seed=0)

    async def during_a_step() -> tuple[object, ...]:
        step = asyncio.ensure_future(env.astep("wait(1)"))
        await asyncio.sleep(0.2)
        others = await asyncio.gather(
            env.astep("wait(0.1)"),
            env.areset(seed=1),
            env.aearly_stop("Reach max steps 1"),
            return_exceptions=True,
        )
        return (await step, *others)

    step, second, reset, judged = loop.run_sync(during_a_step())
    assert isinstance(second, EnvStateError) and "Another step() " in str(second), second
    assert isinstance(reset, EnvStateError) and "reset() while a step()" in str(reset), reset
    assert isinstance(judged, EnvStateError) and "aearly_stop() while a step()" in str(judged), judged
    assert not isinstance(step, BaseException) and step[4]["error"] == {}, step
    assert final_lines(env) == 0  # not judged: the episode goes on
    assert env.step("done()")[1] == 1.0 and final_lines(env) == 1
