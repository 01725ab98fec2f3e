"""A MiniWoB++ episode ends with the agent's answer: nothing after it changes the verdict.

MiniWoB++ pages show a "START" cover when an episode ends, and clicking it starts a new problem on
the same page. The seeds are the ones a wrong answer was once scored right with (click-button 7000
and 7002): a wrong click then a second click started a fresh problem behind the environment's back.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from playwright.async_api import Page

from palaestra.envs import BrowserEnv
from palaestra.tasks.miniwob.task import MiniWoBTask

MakeEnv = Callable[..., BrowserEnv]


def buttons(obs: dict[str, Any]) -> dict[str, str]:
    """Button label -> element id, from the accessibility tree."""
    return {label: eid for eid, label in re.findall(r"\[(\w+)\] button '([^']*)'", obs["axtree"])}


def right_and_wrong(obs: dict[str, Any]) -> tuple[str, str]:
    wanted = re.search(r'"(.+)" button', obs["goal"])
    assert wanted, obs["goal"]
    ids = buttons(obs)
    right = ids[wanted.group(1)]
    wrong = next(eid for label, eid in ids.items() if eid != right)
    return right, wrong


def test_wrong_click_then_another_click_is_a_failure(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-button")
    for seed in (7000, 7002):
        obs, _ = env.reset(seed=seed)
        goal, tree = obs["goal"], obs["axtree"]
        right, wrong = right_and_wrong(obs)
        step = f"click('{wrong}')\nclick('{right}')\nclick('{right}')"
        obs, reward, terminated, truncated, info = env.step(step)
        assert terminated and not truncated, seed
        assert (reward, info["success"]) == (-1.0, False), seed
        # The page reports the end without a round trip; at most one action may start before the
        # report is in (on the inert ended page), never more.
        assert info["actions_not_run"][-1:] == [f"click('{right}')"]
        # The page still shows the problem the agent answered, and its goal.
        assert obs["goal"] == goal and buttons(obs) == buttons({"axtree": tree})
        obs, reward, terminated, _, info = env.step(f"click('{right}')")
        assert "episode is over" in obs["last_action_error"] and not info["success"]
        assert reward == 0.0  # the end's reward is paid once, not again for every late step


def test_right_click_then_another_click_keeps_its_success(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-button")
    for seed in (7000, 7002):
        obs, _ = env.reset(seed=seed)
        right, wrong = right_and_wrong(obs)
        obs, reward, terminated, _, info = env.step(f"click('{right}')\nclick('{wrong}')\nnoop(0)")
        assert terminated and (reward, info["success"]) == (1.0, True), seed
        assert info["actions_not_run"][-1:] == ["noop(0.0)"]


class _NeverStops(MiniWoBTask):
    """Says the episode never ended, so the environment runs every action of a step."""

    async def ended(self, page: Page) -> bool:
        return False


def test_the_start_cover_never_starts_another_problem(make_env: MakeEnv) -> None:
    """Even when the actions after an answer do run, they cannot start or answer a new problem."""
    env = make_env(_NeverStops("click-button"))
    for seed in (7000, 7002):
        obs, _ = env.reset(seed=seed)
        right, wrong = right_and_wrong(obs)
        before = buttons(obs)
        # The wrong answer, then clicks where the cover would be: the middle of the task's area.
        obs, reward, terminated, _, info = env.step(
            f"click('{wrong}')\nmouse_click(80, 105)\nmouse_click(80, 105)\nclick('{right}')"
        )
        assert terminated and (reward, info["success"]) == (-1.0, False), seed
        assert buttons(obs) == before
        assert "START" not in obs["axtree"]


def test_a_clocked_task_starts_in_its_reset_not_ahead(make_env: MakeEnv) -> None:
    """chase-circle's episode runs 10 s from its start: started ahead, it would be over before its
    reset when the previous episode takes that long."""
    env = make_env("miniwob.chase-circle")
    env.expect_seeds([1])
    env.reset(seed=0)
    time.sleep(10.5)  # an agent that takes its time over the first episode
    env.reset(seed=1)
    _, _, terminated, _, _ = env.step("noop(0)")
    assert not terminated
