"""Options an environment does not know, as ``gym.make`` passes them: a typed error naming the
closest option, where Python's TypeError named only the misspelt one."""

from __future__ import annotations

import gymnasium as gym
import pytest

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv
from palaestra.errors import ConfigError, UnknownOptionError


def test_a_misspelt_option_names_the_closest_one() -> None:
    with pytest.raises(UnknownOptionError, match="`obs_config`") as raised:
        gym.make("palaestra/miniwob.click-test", obs_confg=None)
    assert isinstance(raised.value, ConfigError) and isinstance(raised.value, TypeError)
    assert "palaestra/miniwob.click-test" in str(raised.value)  # Gymnasium adds the id
    with pytest.raises(UnknownOptionError, match="`screen_size`"):
        gym.make("palaestra/desktop.calc-add", screen_sise=(1920, 1080))
    with pytest.raises(UnknownOptionError, match="`step_timeout`"):
        BrowserEnv("miniwob.click-test", step_timout=5.0)


def test_an_option_unlike_any_lists_them_all() -> None:
    with pytest.raises(UnknownOptionError, match=r"no option `frame_skip`.*`action_set`.*`upload_dir`"):
        BrowserEnv("miniwob.click-test", frame_skip=4)


def test_known_options_still_work() -> None:
    env = gym.make("palaestra/miniwob.click-test", step_timeout=5.0, render_mode="rgb_array")
    assert env.unwrapped.step_timeout == 5.0  # type: ignore[attr-defined]
    env.close()


def test_render_without_a_render_mode_says_how_to_get_frames() -> None:
    """It returned None in silence; Gymnasium's own environments warn."""
    env = gym.make("palaestra/miniwob.click-test")
    try:
        env.reset(seed=0)
        with pytest.warns(UserWarning, match="render_mode='rgb_array'"):
            assert env.render() is None
    finally:
        env.close()
    env = gym.make("palaestra/miniwob.click-test", render_mode="rgb_array")
    try:
        env.reset(seed=0)
        frame = env.render()
        assert frame is not None and frame.shape == (320, 500, 3)
    finally:
        env.close()
