"""Key names as computer-use models write them (X keysyms, xdotool, PyAutoGUI, macOS) pressed on
real Chromium: ``Return`` submits, ``ctrl+a`` then ``BackSpace`` clears, ``Page_Down`` scrolls, as
``Enter``, ``Control+a``, ``Backspace`` and ``PageDown`` do."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.actions.key_names import playwright_keys
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask

PAGE = "data:text/html," + quote(
    "<form onsubmit=\"document.title='sent:'+document.querySelector('input').value;return false\">"
    "<input value='old text' autofocus></form><div style='height:5000px'></div>"
)


def _env(success_js: str) -> BrowserEnv:
    task = PageTask(PAGE, "Press keys.", success_js)
    # one episode each: no pages prepared ahead for episodes never played
    return BrowserEnv(task, obs_config=ObsConfig(axtree=False, dom=False, screenshot=False), pages_ahead=0)


@pytest.mark.parametrize(
    ("written", "playwright"),
    [
        ("Return", "Enter"),
        ("ctrl+s", "Control+s"),
        ("cmd+shift+Tab", "Meta+Shift+Tab"),
        ("BackSpace", "Backspace"),
        ("Page_Down", "PageDown"),
        ("pgup", "PageUp"),
        ("esc", "Escape"),
        ("super_l", "Meta"),
        ("f5", "F5"),
        ("ctrl+plus", "Control++"),
        ("Control++", "Control++"),
        ("+", "+"),
        ("a", "a"),
        ("ArrowDown", "ArrowDown"),
    ],
)
def test_common_spellings_become_playwrights(written: str, playwright: str) -> None:
    assert playwright_keys(written) == playwright


def test_keysym_names_select_erase_and_submit() -> None:
    env = _env("document.title == 'sent:new'")
    try:
        env.reset(seed=0)
        obs, reward, *_ = env.step(
            "keyboard_press('ctrl+a')\nkeyboard_press('BackSpace')\nkeyboard_type('new')"
        )
        assert (obs["last_action_error"], reward) == ("", 0.0)
        obs, reward, terminated, *_ = env.step("keyboard_press('Return')")
        assert (obs["last_action_error"], reward, terminated) == ("", 1.0, True)
    finally:
        env.close()


def test_a_keysym_page_down_scrolls_the_page() -> None:
    env = _env("window.scrollY > 0")
    try:
        env.reset(seed=0)
        obs, reward, terminated, *_ = env.step(
            "keyboard_press('esc')\nmouse_click(400, 300)\nkeyboard_press('Page_Down')"
        )
        assert (obs["last_action_error"], reward, terminated) == ("", 1.0, True)
    finally:
        env.close()


def test_an_unknown_key_names_the_spellings_that_work() -> None:
    env = _env("false")
    try:
        env.reset(seed=0)
        obs, _, terminated, truncated, info = env.step("keyboard_press('ctrl+entr')")
        error = obs["last_action_error"]
        assert "unknown key 'entr'" in error and "`enter`" in error and "Return" in error
        assert (terminated, truncated, info["error"]) == (False, False, {})
    finally:
        env.close()
