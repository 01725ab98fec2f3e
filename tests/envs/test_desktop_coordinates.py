"""Coordinates and key names on a real Xvfb desktop, as on the web: a point off the screen is the
agent's error naming the screen's range (X alone would move the pointer to the nearest edge and
click there), a key combination written as one key names ``hotkey``, and Playwright's key names
(``ArrowDown``, ``Meta``) are keys here too."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from palaestra.envs.actions import get_action_set
from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.desktop.xinput import keysym_for
from tests.envs.desktop_sessions import one_session


@pytest.fixture(scope="module")
def desktop() -> Iterator[DesktopEnv]:
    yield from one_session()


@pytest.mark.parametrize(
    "action",
    [
        "click(-1, 5)",
        "click(1280, 5)",
        "doubleClick(5000, 5)",
        "moveTo(10, 800)",
        "dragTo(2000, 10)",
        "scroll(-3, x=10, y=-4)",
    ],
)
def test_a_point_off_the_screen_is_refused_with_the_range(desktop: DesktopEnv, action: str) -> None:
    desktop.reset(seed=0)
    obs, reward, terminated, truncated, info = desktop.step(f"click(640, 400)\n{action}")
    error = obs["last_action_error"]
    assert "off the screen; x runs from 0 to 1279 and y from 0 to 799" in error, error
    assert (reward, terminated, truncated, info["error"]) == (0.0, False, False, {})


def test_computer_13_points_are_held_to_the_screen_too(desktop: DesktopEnv) -> None:
    """On the module's session with OSWorld's computer_13 set, as ``action_set="computer_13"`` makes
    it (a session of its own would only add a start and a stop)."""
    pyautogui = desktop.action_set
    desktop.action_set = get_action_set("computer_13")
    try:
        desktop.reset(seed=0)
        obs, *_ = desktop.step(json.dumps({"action_type": "CLICK", "parameters": {"x": 1500, "y": 10}}))
        assert "x runs from 0 to 1279" in obs["last_action_error"]
    finally:
        desktop.action_set = pyautogui


def test_points_on_the_screen_edges_and_playwright_keys_play(desktop: DesktopEnv) -> None:
    desktop.reset(seed=0)
    obs, *_ = desktop.step("moveTo(0, 0)\nmoveTo(1279, 799)\npress('ArrowDown')\nhotkey('Control', 'Home')")
    assert obs["last_action_error"] == ""


def test_a_combination_written_as_one_key_names_hotkey(desktop: DesktopEnv) -> None:
    desktop.reset(seed=0)
    obs, *_ = desktop.step("press('ctrl+a')")
    assert "hotkey('ctrl', 'a')" in obs["last_action_error"]
    assert keysym_for("ArrowDown") == keysym_for("down") and keysym_for("Meta") == keysym_for("super")
