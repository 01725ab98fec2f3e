"""Every argument is bounded: an agent's action fails fast with ``last_action_error``, and never
turns into a step timeout (which runs treat as the infrastructure's failure and retry)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]


def widgets(make_env: MakeEnv, **kwargs: float) -> BrowserEnv:
    env = make_env(PageTask((PAGES / "widgets.html").as_uri(), "Use the widgets."), **kwargs)
    env.reset(seed=0)
    return env


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("noop(60000)", "wait between 0 and 1000 ms"),  # half the step's 2 s timeout
        ("mouse_click(1e308, -1e308)", "outside the viewport"),
        ("mouse_click(-1, 10)", "outside the viewport"),
        ("mouse_move(10, 601)", "x runs from 0 to 799 and y from 0 to 599"),
        ("mouse_click(800, 10)", "outside the viewport"),  # one past the screenshot's last column
        ("mouse_click(10, 10, click_count=4)", "click_count is 1, 2 (a double click) or 3"),
        ("scroll_at(10, 600, 0, 10)", "outside the viewport"),
        ("mouse_drag_and_drop(10, 10, 9000, 10)", "outside the viewport"),
        ("mouse_down(float('inf'), 1)", "must be literals"),
        ("mouse_up(1e999, 1)", "must be a finite number"),
        ("scroll(0, 1e300)", "scroll at most 100000 px"),
        ("noop(0)\n" * 51, "a step runs at most 50"),
    ],
)
def test_unbounded_arguments_fail_fast(make_env: MakeEnv, action: str, message: str) -> None:
    env = widgets(make_env, step_timeout=2.0)
    obs, _, terminated, truncated, info = env.step(action)
    assert message in obs["last_action_error"]
    assert (terminated, truncated, info["error"]) == (False, False, {})  # no step timeout


def test_slow_actions_are_stopped_within_the_step(make_env: MakeEnv) -> None:
    """A step's actions may take half its timeout: the agent is told, the step does not time out."""
    env = widgets(make_env, step_timeout=2.0)
    obs, _, terminated, truncated, info = env.step("noop(900)\nnoop(900)\nnoop(900)")
    assert (terminated, truncated, info["error"]) == (False, False, {})
    error = obs["last_action_error"]
    assert "noop(900.0) was stopped: a step's actions may take 1 s in all" in error
    assert "the 1 action(s) after it did not run" in error
    obs, *_ = env.step("noop(10)")  # the episode goes on
    assert obs["last_action_error"] == ""


def test_waits_are_bounded_by_the_step_timeout(make_env: MakeEnv) -> None:
    env = widgets(make_env, step_timeout=60.0)
    assert env.action_limits.max_wait_ms == 10_000
    obs, *_ = env.step("noop(10001)")
    assert "wait between 0 and 10000 ms" in obs["last_action_error"]
