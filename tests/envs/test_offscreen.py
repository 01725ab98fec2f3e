"""Elements laid out but out of view are marked: ``in_viewport`` false in ``elements`` and
``offscreen`` on their line of the accessibility tree, from the real layout after each step.

The tree said nothing of where an element was, so an agent could not tell that a button it read
there had to be scrolled to first; ``in_viewport`` held only for the page's viewport, so a button
scrolled out of its ``<iframe>`` (whose box lay inside the viewport) counted as in view. Real
Chromium.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask

MakeEnv = Callable[..., BrowserEnv]
PAGE = (Path(__file__).parent / "pages" / "offscreen.html").as_uri()


def _seen(obs: dict[str, Any]) -> dict[str, tuple[bool, bool]]:
    """Per button: (in_viewport, its tree line says offscreen)."""
    lines = obs["axtree"].splitlines()
    seen = {}
    for e in obs["elements"]:
        if e["tag"] == "button":
            line = next(line for line in lines if line.strip().startswith(f"[{e['id']}] button"))
            seen[e["attributes"]["id"]] = (e["in_viewport"], line.endswith(" offscreen"))
    return seen


def test_offscreen_elements_are_marked_and_the_marks_follow_scrolling(make_env: MakeEnv) -> None:
    env = make_env(PageTask(PAGE, "Find the buttons."), obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    assert _seen(obs) == {
        "top": (True, False),
        "near": (True, False),
        "deep": (False, True),  # below its frame's 100 px, though within the page's viewport
        "bottom": (False, True),
    }
    obs, *_ = env.step("scroll(0, 5000)")
    assert obs["last_action_error"] == ""
    assert _seen(obs) == {
        "top": (False, True),
        "near": (False, True),
        "deep": (False, True),
        "bottom": (True, False),
    }


BOXES = (Path(__file__).parent / "pages" / "offscreen_boxes.html").as_uri()


def _in_view(obs: dict[str, Any]) -> dict[str, bool]:
    """Per button: in view, checked against its tree line (which says offscreen when not)."""
    seen = _seen(obs)
    assert all(in_view != offscreen for in_view, offscreen in seen.values()), seen
    return {dom_id: in_view for dom_id, (in_view, _) in seen.items()}


def test_elements_scrolled_or_clipped_out_of_a_box_are_offscreen(make_env: MakeEnv) -> None:
    # Every button's box lies inside the viewport: the boxes around them decide.
    env = make_env(PageTask(BOXES, "Find the buttons."), obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    assert _in_view(obs) == {
        "first": True,
        "last": False,  # below its scrolling list's 100 px
        "inner-top": True,
        "inner-deep": False,  # below its inner box, though inside the outer one
        "outer-deep": False,
        "slide-a": True,
        "slide-b": False,  # a carousel's slides beside the one shown: overflow hidden
        "slide-c": False,
        "pinned": True,  # fixed: its containing block is the viewport, not the clipping box
        "spill": True,  # overflow visible clips nothing
        "above-frame": True,
        "framed": False,  # in a frame scrolled out of its box
    }
    box = next(e["id"] for e in obs["elements"] if e["attributes"].get("id") == "list")
    obs, *_ = env.step(f"scroll(0, 500, '{box}')")
    assert obs["last_action_error"] == ""
    seen = _in_view(obs)
    assert (seen["first"], seen["last"]) == (False, True)
    frame_box = next(e["parent"] for e in obs["elements"] if e["attributes"].get("id") == "above-frame")
    obs, *_ = env.step(f"scroll(0, 500, '{frame_box}')")
    assert obs["last_action_error"] == ""
    seen = _in_view(obs)
    assert (seen["above-frame"], seen["framed"]) == (False, True)
