"""Every registered MiniWoB++ task resets into a sane observation; rewards are the task's own."""

from __future__ import annotations

from collections.abc import Callable

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.tasks import list_tasks


@pytest.mark.parametrize("task", list_tasks(suite="miniwob"))
def test_task_resets_with_a_sane_observation(task: str, make_env: Callable[..., BrowserEnv]) -> None:
    # No background page for the next episode: each task is reset once here.
    env = make_env(task, prewarm=False, obs_config=ObsConfig(screenshot=False))
    obs, info = env.reset(seed=0)
    assert obs["goal"].strip(), "the task states a goal"
    assert obs["url"].endswith(f"/{task.split('.', 1)[1]}.html")
    assert "RootWebArea" in obs["axtree"] and "<body" in obs["dom"]
    assert any(e["visible"] for e in obs["elements"] if e["tag"] not in ("html", "body"))
    assert env.observation_space.contains(obs)
    obs, _, _, truncated, info = env.step("noop(0)")
    assert obs["last_action_error"] == "" and info["error"] == {}
    assert not truncated


def test_a_page_animating_at_its_start_is_registered_nondeterministic() -> None:
    """click-pie's menu is still opening when the episode starts, so two resets with one seed show
    it at different angles: its spec says so, and Gymnasium's checker then passes."""
    assert not gym.spec("palaestra/miniwob.click-test").nondeterministic
    env = gym.make("palaestra/miniwob.click-pie", obs_config=ObsConfig(screenshot=False))
    try:
        assert env.spec is not None and env.spec.nondeterministic
        check_env(env.unwrapped, skip_render_check=True)
    finally:
        env.close()


def test_success_needs_full_reward_not_partial_credit(make_env: Callable[..., BrowserEnv]) -> None:
    """click-checkboxes-soft gives partial credit for a partly right answer: not a success."""
    env = make_env("miniwob.click-checkboxes-soft")
    for seed in range(20):
        obs, _ = env.reset(seed=seed)
        boxes = [e for e in obs["elements"] if e["tag"] == "input" and e["visible"]]
        submit = next(e for e in obs["elements"] if e["tag"] == "button")
        # Tick every box: right ones give credit, wrong ones take some away.
        actions = "\n".join(f"click('{b['id']}')" for b in boxes) + f"\nclick('{submit['id']}')"
        obs, reward, terminated, _, info = env.step(actions)
        assert terminated
        if 0 < reward < 1:
            assert info["success"] is False
            assert info["task_info"]["raw_reward"] == reward
            return
    pytest.fail("no seed gave partial credit")
