"""``ClickGrid``: a pixel policy's numeric actions, clicked on real Chromium."""

from __future__ import annotations

import json

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.wrappers import TransformObservation

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.obs import ObsConfig
from palaestra.envs.pixel_actions import ClickGrid
from palaestra.errors import ConfigError


def test_a_grid_cell_on_the_button_solves_click_test() -> None:
    env = ClickGrid(gym.make("palaestra/miniwob.click-test"), cols=50)
    try:
        assert env.action_space == gym.spaces.MultiDiscrete([50, 32])  # 500 x 320: square cells
        obs, _ = env.reset(seed=0)
        button = next(e for e in obs["elements"] if e["tag"] == "button")
        x, y, w, h = button["bbox"]
        obs, reward, terminated, _, info = env.step(env.cell(x + w / 2, y + h / 2))
        assert (reward, terminated, info["success"]) == (1.0, True, True)
        assert obs["last_action"].startswith("mouse_click(")
    finally:
        env.close()


def test_sampled_and_outside_cells_are_steps_not_crashes() -> None:
    """A policy's random cell is a click like any; one outside the grid is the agent's error."""
    env = ClickGrid(gym.make("palaestra/miniwob.click-button"), cols=10)
    try:
        env.reset(seed=1)
        env.action_space.seed(0)
        obs, *_ = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        obs, reward, terminated, truncated, info = env.step(np.array([10, 0]))
        assert "outside" in obs["last_action_error"] and info["error"] == {}
        assert (reward, terminated, truncated) == (0.0, False, False)
    finally:
        env.close()


def test_pixels_in_and_cells_out_as_a_cnn_policy_sees_them() -> None:
    base = gym.make("palaestra/miniwob.click-test", obs_config=ObsConfig(axtree=False, dom=False))
    env = TransformObservation(
        ClickGrid(base, cols=25), lambda o: o["screenshot"], base.observation_space["screenshot"]
    )
    try:
        obs, _ = env.reset(seed=0)
        assert obs.shape == (320, 500, 3) and env.action_space.shape == (2,)
    finally:
        env.close()


def test_clicks_are_written_in_the_environments_action_set() -> None:
    assert ClickGrid(DesktopEnv("desktop.calc-add"), cols=128).action([0, 0]) == "click(5, 5)"
    computer_13 = ClickGrid(DesktopEnv("desktop.calc-add", action_set="computer_13"), cols=128)
    assert json.loads(computer_13.action([127, 79])) == {
        "action_type": "CLICK",
        "parameters": {"x": 1275, "y": 795},
    }
    with pytest.raises(ConfigError, match="screenshot"):
        ClickGrid(gym.make("palaestra/miniwob.click-test", obs_config=ObsConfig(screenshot=False)))
    with pytest.raises(ConfigError, match="cols"):
        ClickGrid(gym.make("palaestra/miniwob.click-test"), cols=0)
