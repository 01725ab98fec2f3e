"""Set-of-marks leaves out what the agent cannot reach: elements under a modal, a banner, a sticky
header or an open menu on real Chromium (the snapshot's paint order), and widgets under an open
menu on a real Xvfb desktop (X11's stacking order, popups included). On Chromium too: a mark sits
where transforms paint its element and a click on its id lands there; a box clipped away, inert, or
taking no pointer events gets no mark; the observation says what is inert."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

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
    """Whether the element is visible and its box alone meets the viewport (the screenshot's)."""
    element = next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)
    x, y, w, h = element["bbox"]
    height, width = obs["screenshot"].shape[:2]
    return bool(element["visible"] and x < width and y < height and x + w > 0 and y + h > 0)


def in_view(obs: dict[str, Any], dom_id: str) -> bool:
    """The element's ``in_viewport``: its box cut by its clipping ancestors meets the viewport."""
    return bool(next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)["in_viewport"])


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
    # Clipped away by their box, the folded menu's item and the scrolled-out button are out of view.
    assert [i for i in hidden if not in_view(obs, i)] == ["folded-item", "deep"]


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
        def __init__(self, raw: dict[str, Any], max_text_chars: int, *parts: Any) -> None:
            super().__init__(raw, max_text_chars, *parts)
            seen.append(bool(self.paint_order))

    monkeypatch.setattr(observation, "Snapshot", Recorded)
    task = PageTask((PAGES / "modal.html").as_uri(), "Use the page.")
    make_env(task, pages_ahead=0).reset(seed=0)
    page_env(make_env, "modal.html").reset(seed=0)
    assert seen == [False, True]


#: The buttons' background on transformed.html.
BUTTON = (136, 170, 204)


def element(obs: dict[str, Any], dom_id: str) -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)


def click(env: BrowserEnv, obs: dict[str, Any], dom_id: str) -> dict[str, Any]:
    obs, *_ = env.step(f"click('{element_id(obs, dom_id)}')")
    return obs


def log(obs: dict[str, Any]) -> str:
    return str(element(obs, "log")["text"])


@pytest.mark.parametrize(
    ("dom_id", "box"),
    [
        ("plain", (0, 0, 100, 30)),
        ("slid", (300, 100, 100, 30)),
        ("scaled", (0, 200, 200, 60)),
        ("rotated", (635, 65, 30, 100)),  # a quarter turn about its centre (650, 115)
        ("slide-2", (300, 300, 120, 30)),
        ("moved", (150, 0, 100, 30)),  # by the translate property
    ],
)
def test_a_transformed_element_is_marked_where_it_is_painted_and_a_click_lands(
    make_env: MakeEnv, dom_id: str, box: tuple[float, float, float, float]
) -> None:
    env = page_env(make_env, "transformed.html")
    obs, _ = env.reset(seed=0)
    assert dom_id in marked(obs)
    got = element(obs, dom_id)["bbox"]
    assert np.allclose(got, box, atol=1), got
    x, y, w, _h = got
    near_top = obs["screenshot"][round(y + 4), round(x + w / 2)]  # off the button's text
    assert tuple(near_top) == BUTTON  # the button is painted in its mark's box
    obs = click(env, obs, dom_id)
    assert obs["last_action_error"] == ""
    assert log(obs) == f"Clicked: {dom_id}"


def test_positioned_boxes_under_a_transform_are_clipped_by_what_contains_them(make_env: MakeEnv) -> None:
    env = page_env(make_env, "transformed.html")
    obs, _ = env.reset(seed=0)
    # The carousel's first slide is translated out of its clipping box; a translated box is the
    # containing block of an absolutely positioned child and of a fixed one, so the clipping box
    # around it cuts them away.
    for cut_away in ("slide-1", "dropped", "pinned"):
        assert on_screen(obs, cut_away) and not in_view(obs, cut_away), cut_away
        assert cut_away not in marked(obs), cut_away
    # So is a box moved by translate, rotate or scale (CSS's individual transform properties),
    # even when it stays where it was.
    for cut_away in ("dropped-2", "pinned-2"):
        assert on_screen(obs, cut_away) and not in_view(obs, cut_away), cut_away
        assert cut_away not in marked(obs), cut_away


def test_an_element_scaled_to_nothing_is_not_visible(make_env: MakeEnv) -> None:
    env = page_env(make_env, "transformed.html")
    obs, _ = env.reset(seed=0)
    assert not element(obs, "vanished")["visible"] and "vanished" not in marked(obs)
    obs = click(env, obs, "vanished")
    assert "is not visible" in obs["last_action_error"]


def test_what_clip_and_clip_path_cut_away_gets_no_mark(make_env: MakeEnv) -> None:
    env = page_env(make_env, "clipped.html")
    obs, _ = env.reset(seed=0)
    assert marked(obs) == ["main", "under-cut"]  # its overlay is clipped off it: it covers nothing
    assert all(on_screen(obs, i) for i in ("skip", "skip-inset", "tucked"))  # by their boxes alone
    assert not any(in_view(obs, i) for i in ("skip", "skip-inset", "tucked"))  # (clips read with SoM)
    obs, *_ = env.step(f"focus('{element_id(obs, 'skip')}')")  # a focused skip link shows itself
    assert obs["last_action_error"] == ""
    assert marked(obs) == ["skip", "main", "under-cut"]


def test_an_inert_subtree_gets_no_marks_takes_no_clicks_and_is_flagged(make_env: MakeEnv) -> None:
    env = page_env(make_env, "inert.html")
    obs, _ = env.reset(seed=0)
    assert marked(obs) == ["live", "under-veil", "shown"]
    assert on_screen(obs, "frozen") and on_screen(obs, "frozen-link")
    assert not element(obs, "frozen")["clickable"] and not element(obs, "frozen-link")["clickable"]
    assert element(obs, "live")["clickable"]
    assert "Frozen" not in obs["axtree"] and "'Live'" in obs["axtree"]  # Chromium leaves it out
    assert re.search(r'<section bid="\d+" inert>\n +<button bid="\d+" id="frozen"', obs["dom"])
    obs = click(env, obs, "frozen")
    assert "inert" in obs["last_action_error"]
    obs = click(env, obs, "under-veil")  # the inert veil over it lets the click through
    assert obs["last_action_error"] == ""
    assert log(obs) == "Clicked: under-veil"


def test_no_pointer_events_hidden_and_content_hidden_elements_get_no_marks(make_env: MakeEnv) -> None:
    env = page_env(make_env, "inert.html")
    obs, _ = env.reset(seed=0)
    marks = marked(obs)
    assert on_screen(obs, "untouchable") and "untouchable" not in marks
    assert not element(obs, "ghost")["visible"] and "ghost" not in marks
    assert "shown" in marks  # visible inside its hidden parent
    assert not element(obs, "folded")["visible"] and "folded" not in marks
    obs = click(env, obs, "folded")  # its box is kept, but nothing of it is painted
    assert "not visible" in obs["last_action_error"]


def test_outside_a_modal_dialog_is_inert_for_the_observation_and_for_clicks(make_env: MakeEnv) -> None:
    env = page_env(make_env, "dialog.html")
    obs, _ = env.reset(seed=0)
    assert not element(obs, "behind")["clickable"] and not element(obs, "docs")["clickable"]
    assert element(obs, "yes")["clickable"]
    assert "Behind" not in obs["axtree"] and "'Yes'" in obs["axtree"]
    obs = click(env, obs, "behind")
    assert "modal dialog" in obs["last_action_error"]
    obs = click(env, obs, "yes")
    assert obs["last_action_error"] == ""
    assert element(obs, "behind")["clickable"]
    obs = click(env, obs, "behind")
    assert obs["last_action_error"] == ""


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
