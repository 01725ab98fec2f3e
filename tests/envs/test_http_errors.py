"""A page whose main document answered an HTTP error is said in ``last_action_error``
(`envs/page_events.py`), on real Chromium over real HTTP: a link to a missing page, a ``goto`` to
a broken one, a gateway error in a tab the page opened. A redirect, a successful page, and errors
of what a page loads (an image, a ``fetch``, a frame's document) say nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import QuietHandler, Served, serve

MakeEnv = Callable[..., BrowserEnv]

START = """<!doctype html><title>Start</title>
<a id="missing" href="/missing">A page that is gone</a>
<a id="moved" href="/moved">A page that moved</a>
<a id="gateway" href="/gateway" target="_blank">A gateway error in a new tab</a>
<button id="loads" onclick="loadBroken()">Load broken parts</button>
<div id="out"></div>
<script>
  async function loadBroken() {
    const answer = await fetch("/missing");
    const image = new Image();
    image.src = "/broken";
    document.body.append(image);
    const frame = document.createElement("iframe");
    frame.src = "/missing";
    document.body.append(frame);
    document.getElementById("out").textContent = "fetch answered " + answer.status;
  }
</script>"""


class Site(QuietHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            self.reply(200, START)
        elif self.path == "/missing":
            self.reply(404, "<!doctype html><title>Oops</title><h1>Nothing here</h1>")
        elif self.path == "/broken":
            self.reply(500, "")  # an empty body: a blank page, all the agent would see
        elif self.path == "/gateway":
            self.reply(502, "<!doctype html><title>Bad gateway</title>")
        elif self.path == "/moved":
            self.reply(302, "", headers={"Location": "/landed"})
        else:
            self.reply(200, "<!doctype html><title>Landed</title><p>Here.</p>")


@pytest.fixture
def site() -> Iterator[Served]:
    with serve(Site) as served:
        yield served


@pytest.fixture
def env(make_env: MakeEnv, site: Served) -> BrowserEnv:
    return make_env(PageTask(f"{site.url}/", "Use the page."), pages_ahead=0)


def ids(obs: dict[str, Any]) -> dict[str, str]:
    """DOM id -> element id."""
    return {e["attributes"].get("id", ""): e["id"] for e in obs["elements"]}


def test_a_click_to_a_missing_page_says_404(env: BrowserEnv, site: Served) -> None:
    obs, _ = env.reset(seed=0)
    assert obs["last_action_error"] == ""
    obs, *_ = env.step(f"click('{ids(obs)['missing']}')")
    assert obs["url"] == f"{site.url}/missing"
    assert obs["last_action_error"] == f"The page answered HTTP 404 Not Found: {site.url}/missing"
    obs, *_ = env.step("noop(0)")
    assert obs["last_action_error"] == ""  # said once, by the step that navigated


def test_a_goto_to_a_broken_page_says_500(env: BrowserEnv, site: Served) -> None:
    env.reset(seed=0)
    obs, *_ = env.step(f"goto('{site.url}/broken')")
    assert obs["last_action_error"] == (
        f"The page answered HTTP 500 Internal Server Error: {site.url}/broken"
    )
    obs, *_ = env.step(f"goto('{site.url}/')")  # back on a page that answered 200
    assert obs["last_action_error"] == ""


def test_a_tab_opened_on_a_gateway_error_says_502(env: BrowserEnv, site: Served) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['gateway']}')")
    assert obs["url"] == f"{site.url}/gateway"
    assert f"The page answered HTTP 502 Bad Gateway: {site.url}/gateway" in obs["last_action_error"]
    assert "opened a new tab" in obs["last_action_error"]


def test_a_redirect_and_broken_page_parts_say_nothing(env: BrowserEnv, site: Served) -> None:
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click('{ids(obs)['loads']}')")
    out = next(e["text"] for e in obs["elements"] if e["attributes"].get("id") == "out")
    assert out == "fetch answered 404"  # the page's script handled it; the image and frame failed too
    assert obs["last_action_error"] == ""
    obs, *_ = env.step(f"click('{ids(obs)['moved']}')")
    assert obs["url"] == f"{site.url}/landed"
    assert obs["last_action_error"] == ""
