"""``gym.make(id, max_episode_steps=N)`` on a WebArena task judges the episode at the limit, as
WebArena's harness does ("Early stop: Reach max steps N"), instead of Gymnasium's ``TimeLimit``
truncating it with reward 0: a researcher's own loop gets the verdict the runner gets.

WebArena's task 44 ("Check out my todos", url_match on the GitLab's ``/dashboard/todos``) on the
stand-in GitLab site, in a real Chromium; the agent navigates but never answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import pytest

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import ObsConfig
from palaestra.errors import ConfigError
from palaestra.sites.runtime import SiteRuntime

TASK = "palaestra/webarena.44"
TEXT_ONLY = ObsConfig(screenshot=False, dom=False)


@pytest.fixture
def make(runtime: SiteRuntime) -> Iterator[Any]:
    made: list[gym.Env[Any, Any]] = []

    def make_env(**kwargs: Any) -> gym.Env[Any, Any]:
        env = gym.make(TASK, obs_config=TEXT_ONLY, **kwargs)
        made.append(env)
        return env

    yield make_env
    for env in made:
        env.close()


def _todos(obs: dict[str, Any]) -> str:
    base = "/".join(str(obs["url"]).split("/", 3)[:3])
    return f"goto('{base}/dashboard/todos')"


@pytest.mark.parametrize("limit", [{"max_episode_steps": 2}, {"max_steps": 2}])
def test_an_episode_reaching_the_step_limit_is_judged(make: Any, limit: dict[str, int]) -> None:
    env = make(**limit)
    obs, _ = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(_todos(obs))
    assert (reward, terminated, truncated) == (0.0, False, False) and "early_stop" not in info
    _, reward, terminated, truncated, info = env.step("scroll(0, 100)")
    assert (reward, terminated, truncated) == (1.0, False, True)  # url_match passes, unanswered
    assert info["success"] and info["early_stop"] == "Reach max steps 2"
    assert info["task_info"]["columns"]


def test_an_episode_judged_at_the_limit_can_fail_and_the_limit_restarts_each_episode(make: Any) -> None:
    env = make(max_episode_steps=1)
    for _ in range(2):
        env.reset(seed=0)
        _, reward, terminated, truncated, info = env.step("scroll(0, 100)")  # stays on the home page
        assert (reward, terminated, truncated, info["success"]) == (0.0, False, True, False)
        assert info["early_stop"] == "Reach max steps 1" and info["task_info"]["columns"]


def test_two_different_step_limits_are_refused(runtime: SiteRuntime) -> None:
    with pytest.raises(ConfigError, match=r"max_steps=3 given to the environment and max_episode_steps=2"):
        gym.make(TASK, obs_config=TEXT_ONLY, max_steps=3, max_episode_steps=2)
    with pytest.raises(ConfigError, match="max_steps must be a whole number"):
        gym.make(TASK, obs_config=TEXT_ONLY, max_steps=0)
