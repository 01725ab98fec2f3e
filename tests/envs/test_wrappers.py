"""Gymnasium's own wrappers over a real BrowserEnv, as an RL training loop stacks them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import pytest
from gymnasium.wrappers import FilterObservation, FlattenObservation, RecordEpisodeStatistics

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.tasks.page import PageTask

WIDGETS = (Path(__file__).parent / "pages" / "widgets.html").as_uri()


def test_flatten_observation_flattens_the_pixels_and_keeps_text_and_records(
    make_env: Callable[..., BrowserEnv],
) -> None:
    """Gymnasium's ``Text`` flattening (one int32 per character of a 10M-character space, charset
    indices only) made a 40 MB array per text key and a KeyError at the first accented letter."""
    goal = "Appuyez sur « Go » : 5 €, déjà."
    env = make_env(PageTask(WIDGETS, goal), obs_config=ObsConfig(dom=False))
    flat = FlattenObservation(env)
    obs, _ = flat.reset(seed=0)
    assert obs["goal"] == goal and obs["screenshot"].shape == (600 * 800 * 3,)
    assert isinstance(obs["elements"], list) and flat.observation_space.contains(obs)
    obs, *_ = flat.step("noop(0)")
    assert flat.observation_space.contains(obs) and obs["last_action"] == "noop(0)"
    with pytest.raises(ValueError, match="cannot be flattened to a numpy array"):
        gym.spaces.flatdim(env.observation_space)
    pixels = FlattenObservation(FilterObservation(env, ["screenshot"]))
    assert isinstance(pixels.observation_space, gym.spaces.Box)
    assert pixels.observation_space.shape == (600 * 800 * 3,)
    goal_and_pixels = FlattenObservation(FilterObservation(env, ["goal", "screenshot"]))
    obs, _ = goal_and_pixels.reset(seed=0)
    assert obs["goal"] == goal and goal_and_pixels.observation_space.contains(obs)


def test_time_limit_and_episode_statistics() -> None:
    """``max_episode_steps`` truncates (not terminates) the episode, and the statistics count it."""
    env = RecordEpisodeStatistics(gym.make("palaestra/miniwob.click-test", max_episode_steps=2))
    try:
        env.reset(seed=0)
        _, _, terminated, truncated, info = env.step("noop(0)")
        assert not terminated and not truncated and "episode" not in info
        _, reward, terminated, truncated, info = env.step("noop(0)")
        assert truncated and not terminated and reward == 0.0
        assert info["episode"]["l"] == 2 and info["episode"]["r"] == 0.0
    finally:
        env.close()
