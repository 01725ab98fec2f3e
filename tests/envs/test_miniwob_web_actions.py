"""MiniWoB++ under the `web` action set (tabs and `goto`), as BrowserGym's agents play it.

The task is judged on its own page, whichever tab is active: opening a tab made the judge read a
blank page, and the episode ended as the environment's failure (``environment_error``, which runs
retry as the machinery's) for an ordinary action of the agent. Leaving the problem's page (``goto``
elsewhere, or closing its tab) ends the episode as a failed one, not as the machinery's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.envs import BrowserEnv

MakeEnv = Callable[..., BrowserEnv]


def button(obs: dict[str, Any]) -> str:
    return str(next(e["id"] for e in obs["elements"] if e["tag"] == "button"))


def test_a_new_tab_does_not_end_the_episode_and_the_task_page_still_counts(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-test", action_set="web")
    obs, _ = env.reset(seed=0)
    target = button(obs)
    obs, reward, terminated, truncated, info = env.step("new_tab()")
    assert (reward, terminated, truncated, info["error"]) == (0.0, False, False, {})
    assert obs["url"] == "about:blank" and obs["last_action_error"] == ""
    obs, reward, terminated, truncated, info = env.step(f"tab_focus(0)\nclick('{target}')")
    assert (reward, terminated, truncated, info["success"]) == (1.0, True, False, True)
    assert len(obs["open_pages"]) == 2


def test_going_elsewhere_ends_the_episode_as_a_failure(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-test", action_set="web")
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("goto('about:blank')")
    assert (terminated, truncated, info["success"], info["error"]) == (True, False, False, {})
    assert reward == -1.0 and "left" in info["task_info"]["reason"]
    assert obs["url"] == "about:blank"


def test_closing_the_task_page_ends_the_episode_as_a_failure(make_env: MakeEnv) -> None:
    env = make_env("miniwob.click-test", action_set="web")
    env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step("new_tab()\ntab_focus(0)\ntab_close()")
    assert (terminated, truncated, info["success"], info["error"]) == (True, False, False, {})
    assert reward == -1.0 and "closed" in info["task_info"]["reason"]
    assert obs["last_action_error"] == "" and len(obs["open_pages"]) == 1
