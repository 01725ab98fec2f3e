"""A reset observes the page as drawn: what the task's setup and the page's own scripts started
loading is waited for, as a step waits for what its actions started.

MiniWoB++'s social-media draws its icons with ``content: url(...)``: a span has no size until its
image has loaded, so an oracle looking for the visible "more" icon found none in a first
observation taken at once after the problem was built (once, on a busy CI machine). A page that
fetches its content after "load" (a single-page app) was observed empty the same way.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import HangUpTolerantServer, QuietHandler, serve

MakeEnv = Callable[..., BrowserEnv]


def _png(size: int) -> bytes:
    image, out = Image.new("RGB", (size, size), "red"), io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


ICON = _png(4)  # the icon's size is its image's, known only once the image has loaded

PAGE = b"""<!doctype html><title>Feed</title>
<style>.more { content: url(/more.png); } .like { content: url(/like.png); }</style>
<div id="feed"></div>
<button onclick="this.insertAdjacentHTML('afterend', '<span class=like></span>')">Show likes</button>
<script>
addEventListener("load", () => setTimeout(() => {
  fetch("/posts").then((r) => r.json()).then((posts) => {
    for (const text of posts) {
      const post = document.createElement("p");
      post.textContent = text;
      document.getElementById("feed").append(post);
    }
  });
}, 0));
</script>"""


class Feed(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/posts":
            time.sleep(0.5)  # a busy server: it answers well after the page has loaded
            self.reply(200, ["first post", "second post"])
        elif self.path in ("/more.png", "/like.png"):
            time.sleep(0.5)
            self.reply(200, ICON, "image/png")
        else:
            self.reply(200, PAGE, "text/html")


class IconTask(PageTask):
    """The setup adds an icon to the page, as MiniWoB++'s problem generators do."""

    async def setup(self, page: Page, seed: int) -> str:
        await page.evaluate("document.body.insertAdjacentHTML('beforeend', '<span class=more></span>')")
        return self.goal


@pytest.fixture
def feed_url() -> Iterator[str]:
    with serve(Feed, server_class=HangUpTolerantServer) as served:  # a context may close mid-answer
        yield f"{served.url}/"


def _icon(obs: dict[str, Any], name: str = "more") -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["attributes"].get("class") == name)


@pytest.mark.parametrize("ahead", [0, 1], ids=["page-opened-at-reset", "page-prepared-ahead"])
def test_the_first_observation_shows_what_the_page_and_the_setup_loaded(
    make_env: MakeEnv, feed_url: str, ahead: int
) -> None:
    env = make_env(IconTask(feed_url, "Read the feed."), pages_ahead=ahead)
    for seed in (0, 1):  # the second reset takes the page prepared ahead, when there is one
        obs, _ = env.reset(seed=seed)
        assert "second post" in obs["axtree"], obs["axtree"]
        icon = _icon(obs)
        assert icon["visible"] and tuple(icon["bbox"][2:]) == (4.0, 4.0), icon


def test_a_step_observes_the_image_its_action_made_the_page_draw(make_env: MakeEnv, feed_url: str) -> None:
    env = make_env(IconTask(feed_url, "Read the feed."))
    obs, _ = env.reset(seed=0)
    button = next(e["id"] for e in obs["elements"] if e["text"] == "Show likes")
    obs, *_ = env.step(f"click('{button}')")
    icon = _icon(obs, "like")
    assert icon["visible"] and tuple(icon["bbox"][2:]) == (4.0, 4.0), icon
