"""Set-of-marks leaves out what the agent cannot reach: elements under a modal, a banner, a sticky
header or an open menu on real Chromium (the snapshot's paint order), and widgets under an open
menu on a real Xvfb desktop (X11's stacking order, popups included)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.envs import BrowserEnv, ObsConfig, observation
from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.snapshot import Snapshot
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]


def page_env(make_env: MakeEnv, name: str) -> BrowserEnv:
    task = PageTask((PAGES / name).as_uri(), "Use the page.")
    return make_env(task, obs_config=ObsConfig(som=True), pages_ahead=0)


def marked(obs: dict[str, Any]) -> list[str]:
    """The DOM ids of the marked elements, in mark order."""
    by_id = {e["id"]: e["attributes"].get("id", "") for e in obs["elements"]}
    return [by_id[re.match(r"\[(\w+)\] ", line).group(1)] for line in obs["som_marks"].splitlines()]  # type: ignore[union-attr]


def on_screen(obs: dict[str, Any], dom_id: str) -> bool:
    """Whether the element is visible and in the viewport by its box alone (what marks went by)."""
    element = next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)
    return bool(element["visible"] and element["in_viewport"])


def element_id(obs: dict[str, Any], dom_id: str) -> str:
    return next(e["id"] for e in obs["elements"] if e["attributes"].get("id") == dom_id)


def test_a_modal_hides_the_page_under_it_until_it_closes(make_env: MakeEnv) -> None:
    env = page_env(make_env, "modal.html")
    obs, _ = env.reset(seed=0)
    assert marked(obs) == ["email", "subscribe", "close"]
    assert all(on_screen(obs, i) for i in ("save", "docs", "query"))  # the backdrop hides them
    obs, *_ = env.step(f"click('{element_id(obs, 'close')}')")
    assert obs["last_action_error"] == ""
    assert marked(obs) == ["save", "docs", "query"]


def test_a_modal_dialog_element_hides_the_page_around_it(make_env: MakeEnv) -> None:
    env = page_env(make_env, "dialog.html")
    obs, _ = env.reset(seed=0)
    assert marked(obs) == ["yes"]
    assert on_screen(obs, "behind") and on_screen(obs, "docs")
    obs, *_ = env.step(f"click('{element_id(obs, 'yes')}')")
    assert obs["last_action_error"] == ""
    assert marked(obs) == ["behind", "docs"]


def test_what_covers_an_element_and_what_does_not(make_env: MakeEnv) -> None:
    env = page_env(make_env, "overlays.html")
    obs, _ = env.reset(seed=0)
    assert marked(obs) == [
        "nav",  # in the sticky header
        "under-header",  # not under it yet
        "open-menu",
        "item-a",  # the open menu's items, over under-menu
        "item-b",
        "more",
        "under-folded",  # its menu is folded to max-height 0: clipped away, it covers nothing
        "glass",  # under a pane with pointer-events: none
        "name",  # under its own <label>, which passes clicks to it (and so gets no mark itself)
        "top",
        "edge",  # partly off-screen: its visible part is clear
        "accept",  # in the cookie banner
    ]
    hidden = ["under-menu", "folded-item", "pane", "hidden", "deep", "under-banner"]
    assert all(on_screen(obs, i) for i in hidden)  # by their boxes alone they would have marks


def test_a_sticky_header_hides_what_scrolls_under_it(make_env: MakeEnv) -> None:
    env = page_env(make_env, "overlays.html")
    obs, _ = env.reset(seed=0)
    assert "under-header" in marked(obs)
    page = next(e["id"] for e in obs["elements"] if e["tag"] == "html")
    obs, *_ = env.step(f"scroll(0, 50, '{page}')")  # a scroll of the page, done when the step ends
    assert obs["last_action_error"] == ""
    assert "under-header" not in marked(obs) and on_screen(obs, "under-header")
    assert "nav" in marked(obs) and "under-banner" in marked(obs)  # scrolled up out of the banner


def test_paint_order_is_asked_for_only_with_set_of_marks(make_env: MakeEnv, monkeypatch: Any) -> None:
    seen: list[bool] = []

    class Recorded(Snapshot):
        def __init__(self, raw: dict[str, Any], max_text_chars: int) -> None:
            super().__init__(raw, max_text_chars)
            seen.append(bool(self.paint_order))

    monkeypatch.setattr(observation, "Snapshot", Recorded)
    task = PageTask((PAGES / "modal.html").as_uri(), "Use the page.")
    make_env(task, pages_ahead=0).reset(seed=0)
    page_env(make_env, "modal.html").reset(seed=0)
    assert seen == [False, True]


def test_an_open_menu_hides_the_widgets_under_it_and_has_its_items_marked() -> None:
    env = DesktopEnv("desktop.calc-add", obs_config=ObsConfig(som=True))
    try:
        obs, _ = env.reset(seed=0)
        marks = obs["som_marks"]
        assert "toggle button 'C'" in marks and "toggle button '7'" in marks
        edit = next(e for e in obs["elements"] if e["role"] == "menu" and e["name"] == "Edit")
        obs, *_ = env.step(f"click('{edit['id']}')")
        for _ in range(20):  # a loaded machine may draw the menu a step later: look again
            if "menu item 'Preferences...'" in obs["som_marks"]:
                break
            obs, *_ = env.step("wait(0.25)")
        marks = obs["som_marks"]
        assert "menu item 'Preferences...'" in marks and "menu item 'Copy Display Value'" in marks
        # The menu lies over the display and the top row of keys; AT-SPI still calls them showing.
        clear = next(e for e in obs["elements"] if e["role"] == "toggle button" and e["name"] == "C")
        assert "showing" in clear["attributes"]["states"] and clear["in_viewport"]
        assert "toggle button 'C'" not in marks and "toggle button 'AC'" not in marks
        assert "toggle button '7'" in marks  # below the menu
        obs, *_ = env.step("press('escape')")
        for _ in range(20):
            if "menu item 'Preferences...'" not in obs["som_marks"]:
                break
            obs, *_ = env.step("wait(0.25)")
        assert "toggle button 'C'" in obs["som_marks"]
    finally:
        env.close()
