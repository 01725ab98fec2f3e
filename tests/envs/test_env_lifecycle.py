"""An environment's life as Gymnasium code drives it: steps after the end, after close, and
closing twice from both faces (an asyncio program, a notebook's running loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import pytest

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv
from palaestra.envs.base import EPISODE_OVER
from palaestra.errors import ConfigError, EnvStateError
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]


def test_a_step_after_close_says_the_environment_was_closed(make_env: MakeEnv) -> None:
    """It said "step() before reset()" to code that had reset and then closed."""
    env = make_env("miniwob.click-test")
    env.reset(seed=0)
    env.close()
    with pytest.raises(EnvStateError, match=r"after close\(\)"):
        env.step("noop(0)")
    env.close()  # twice: nothing more to do
    obs, _ = env.reset(seed=0)  # and a reset opens it again
    assert obs["goal"] == "Click the button."


def test_a_step_after_the_machinery_ended_the_episode_answers_that_it_is_over(make_env: MakeEnv) -> None:
    """A step after a failed one (a hung page) runs nothing and says the episode is over, as after
    any other end; it raised "step() before reset()", though the caller had reset."""
    env = make_env(PageTask((PAGES / "hang.html").as_uri(), "Hang."), step_timeout=2.0)
    obs, _ = env.reset()
    hang = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
    _, _, _, truncated, info = env.step(f"click('{hang}')")
    assert truncated and info["error"]["kind"] == "step_timeout"
    obs, reward, terminated, truncated, info = env.step("noop(0)")
    assert (reward, terminated, truncated) == (0.0, False, True)
    assert obs["last_action_error"] == EPISODE_OVER and obs["last_action"] == "noop(0)"
    assert info["error"]["kind"] == "step_timeout" and env.observation_space.contains(obs)


def test_close_after_aclose_on_a_running_loop_does_nothing() -> None:
    """In an asyncio program (a notebook's running loop), ``close()`` after ``await aclose()``
    (what ``with env:`` or a cleanup helper calls) raised EnvStateError about event loops."""

    async def main() -> None:
        env = BrowserEnv("miniwob.click-test")
        try:
            await env.areset(seed=0)
            await env.aclose()
            env.close()
            env.close()
            with pytest.raises(EnvStateError, match=r"after close\(\)"):
                await env.astep("noop(0)")
        finally:
            await env.host.close()

    asyncio.run(main())


def test_reset_options_are_refused_not_ignored(make_env: MakeEnv) -> None:
    """``reset(options={"task": ...})`` went on with the same task, the options unread."""
    env = make_env("miniwob.click-test")
    with pytest.raises(ConfigError, match=r"takes no options, got \['task'\]"):
        env.reset(seed=0, options={"task": "miniwob.click-button"})
    obs, _ = env.reset(seed=0, options={})
    assert obs["goal"] == "Click the button."


def test_gym_make_offers_the_async_face() -> None:
    """``await gym.make(id).areset()`` was an AttributeError: Gymnasium 1.x wrappers forward no
    attributes. The step limit given to ``gym.make`` holds on the async face too."""

    async def main() -> tuple[float, bool, bool]:
        env = gym.make("palaestra/miniwob.click-test", max_episode_steps=2)
        try:
            await env.areset(seed=0)  # type: ignore[attr-defined]
            assert "click" in env.action_set  # type: ignore[attr-defined]
            _, _, _, truncated, _ = await env.astep("noop(0)")  # type: ignore[attr-defined]
            assert not truncated
            _, reward, terminated, truncated, _ = await env.astep("noop(0)")  # type: ignore[attr-defined]
            return reward, terminated, truncated
        finally:
            await env.aclose()  # type: ignore[attr-defined]
            await env.unwrapped.host.close()  # type: ignore[attr-defined]

    assert asyncio.run(main()) == (0.0, False, True)
