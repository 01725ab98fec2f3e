"""``ObsConfig(axtree_max_lines=...)``: a huge page's accessibility tree cut to a window that
starts at the viewport, saying what it left out and how to see it (scrolling moves the window).

Off by default, as in BrowserGym and WebArena, whose trees are whole. Real Chromium, the page
served over real HTTP.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.errors import ConfigError
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import QuietHandler, serve

MakeEnv = Callable[..., BrowserEnv]
ROWS = 1500
PAGE = (
    "<!doctype html><title>Orders</title><h1>Orders</h1><table>"
    + "".join(f"<tr><td>Order {n}</td><td><button>Open {n}</button></td></tr>" for n in range(ROWS))
    + "</table>"
).encode()


class Orders(QuietHandler):
    def do_GET(self) -> None:
        self.reply(200, PAGE, "text/html")


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    with serve(Orders) as served:
        yield f"{served.url}/"


def _orders(tree: str) -> list[int]:
    return [int(n) for n in re.findall(r"button 'Open (\d+)'", tree)]


def test_a_cut_tree_says_what_it_left_out_and_scrolling_moves_it(make_env: MakeEnv, site: str) -> None:
    env = make_env(
        PageTask(site, "Open order 700."), obs_config=ObsConfig(screenshot=False, axtree_max_lines=120)
    )
    obs, _ = env.reset(seed=0)
    lines = obs["axtree"].splitlines()
    assert len(lines) == 121 and "Orders" in lines[0], lines[:3]
    assert re.fullmatch(r"\([\d,]+ lines below left out: scroll down to see them\)", lines[-1]), lines[-1]
    assert _orders(obs["axtree"])[0] == 0 and max(_orders(obs["axtree"])) < 100
    obs, *_ = env.step("scroll(0, 20000)")
    lines = obs["axtree"].splitlines()
    assert re.fullmatch(r"\([\d,]+ lines above the viewport left out: scroll up to see them\)", lines[0]), (
        lines[0]
    )
    shown = _orders(obs["axtree"])
    assert min(shown) > 100, shown
    # Every order the viewport shows is in the window.
    in_view = [e["text"] for e in obs["elements"] if e["tag"] == "button" and e["in_viewport"]]
    assert in_view and all(int(t.split()[1]) in shown for t in in_view), (in_view, shown)


def test_the_tree_is_whole_by_default(make_env: MakeEnv, site: str) -> None:
    env = make_env(PageTask(site, "Open order 700."), obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    assert _orders(obs["axtree"]) == list(range(ROWS)) and "left out" not in obs["axtree"]


def test_a_negative_cut_is_refused_naming_the_fix() -> None:
    with pytest.raises(ConfigError, match="0 to keep the whole tree"):
        ObsConfig(axtree_max_lines=-1)
