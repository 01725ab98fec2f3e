"""An element scrolled under a sticky header or footer is still "in view" to ``scrollIntoView``
(``block: "nearest"``), so the click used to land on the bar covering it, with no error; now it
is scrolled clear first (`envs/actions/locate.py`). Real Chromium, real HTTP."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve

PAGES = Path(__file__).parent / "pages"


def ids(obs: dict[str, Any]) -> dict[str, str]:
    """DOM id -> element id."""
    return {e["attributes"].get("id", ""): e["id"] for e in obs["elements"]}


def out(obs: dict[str, Any]) -> str:
    return str(next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "out"))


@pytest.mark.parametrize(("target", "scroll"), [("top", "scroll(0, 60)"), ("bottom", "scroll(0, 2560)")])
@pytest.mark.parametrize("action", ["click", "dblclick"])
def test_a_click_on_an_element_under_a_sticky_bar_reaches_the_element(
    make_env: Callable[..., BrowserEnv], target: str, scroll: str, action: str
) -> None:
    with serve(files_in(PAGES)) as site:
        env = make_env(PageTask(f"{site.url}/sticky_bars.html", "Press the button."), pages_ahead=0)
        obs, _ = env.reset(seed=0)
        obs, *_ = env.step(scroll)
        button = next(e for e in obs["elements"] if e["id"] == ids(obs)[target])
        assert button["in_viewport"]  # in view, yet under the bar
        obs, *_ = env.step(f"{action}('{button['id']}')")
        assert obs["last_action_error"] == ""
        assert out(obs) == target
