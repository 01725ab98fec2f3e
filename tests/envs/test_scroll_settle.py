"""A step's observation shows where its scroll left the page, on real Chromium.

Chromium applies a mouse wheel's scroll on its compositor and tells the page at a later frame, and
animates keyboard scrolling over about ten frames: an observation taken as the action returns had
its DOM snapshot (element boxes, hence set-of-marks) from before the scroll and its screenshot
from after it, or both from the middle of it. The wheel and keyboard tests scroll ten times in one
episode and check every observation: the probe's box in the snapshot is where the scroll put it,
and the screenshot is red there. The code before the fix failed both within the first four scrolls, every
run. An element's ``scroll`` is applied at once even where the page asks for smooth scrolling.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"
MakeEnv = Callable[..., BrowserEnv]
PROBE_TOP = 520  # CSS px, in smooth_scroll.html
RED = np.array([255, 0, 0])


def element(obs: dict[str, Any], dom_id: str) -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["attributes"].get("id") == dom_id)


def probe_box(obs: dict[str, Any], dom_id: str = "probe") -> tuple[float, float, float, float]:
    return element(obs, dom_id)["bbox"]


def drawn_at_its_box(obs: dict[str, Any], dom_id: str = "probe") -> bool:
    """Whether the screenshot shows the probe's red all along the box's middle row."""
    x, y, width, height = probe_box(obs, dom_id)
    row = obs["screenshot"][int(y + height / 2), int(x) + 2 : int(x + width) - 2]
    return bool(np.all(np.abs(row.astype(int) - RED) <= 2))


def smooth_page(make_env: MakeEnv) -> BrowserEnv:
    return make_env(PageTask((PAGES / "smooth_scroll.html").as_uri(), "Scroll."), pages_ahead=0)


def test_every_wheel_scroll_is_observed_where_it_landed(make_env: MakeEnv) -> None:
    env = smooth_page(make_env)
    obs, _ = env.reset(seed=0)
    assert probe_box(obs)[1] == PROBE_TOP and drawn_at_its_box(obs)
    for scrolls in range(1, 11):
        obs, *_ = env.step("scroll(0, 40)")
        assert obs["last_action_error"] == ""
        assert probe_box(obs)[1] == PROBE_TOP - 40 * scrolls, f"after scroll {scrolls}"
        assert drawn_at_its_box(obs), f"after scroll {scrolls}"


def test_every_keyboard_scroll_is_observed_once_its_animation_ends(make_env: MakeEnv) -> None:
    env = smooth_page(make_env)
    obs, _ = env.reset(seed=0)
    top: float = PROBE_TOP
    for presses in range(1, 11):
        obs, *_ = env.step("keyboard_press('ArrowDown')")
        assert probe_box(obs)[1] < top, f"press {presses} scrolled the page"
        top = probe_box(obs)[1]
        assert drawn_at_its_box(obs), f"after press {presses}"
        # A step that does nothing shows the page as the last one left it: it had stopped moving.
        obs, *_ = env.step("noop(300)")
        assert probe_box(obs)[1] == top, f"after press {presses}, the scroll had ended"


def test_an_element_scroll_is_instant_whatever_the_pages_scroll_behavior(make_env: MakeEnv) -> None:
    env = smooth_page(make_env)
    obs, _ = env.reset(seed=0)
    box, top = element(obs, "box")["id"], probe_box(obs, "box-probe")[1]
    for scrolls in range(1, 6):
        obs, *_ = env.step(f"scroll(0, 30, '{box}')")
        assert obs["last_action_error"] == ""
        assert probe_box(obs, "box-probe")[1] == top - 30 * scrolls, f"after scroll {scrolls}"
        assert drawn_at_its_box(obs, "box-probe"), f"after scroll {scrolls}"
