"""A step waits for the fetch and XHR requests its action sent, as it waits for navigations.

A "like" link that posts through ``fetch`` and then rewrites itself leaves the page quiet until the
server answers: observing then showed the old text, and an agent that ended the episode at once was
judged before the server stored anything (the forum's like-opening-post oracle failed so on a busy
machine). Requests already in flight before the action (a long poll) do not hold the step up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import HangUpTolerantServer, QuietHandler, serve

MakeEnv = Callable[..., BrowserEnv]

PAGE = b"""<!doctype html><title>Likes</title>
<a id="like" href="/like">like (3)</a> <span>polling</span>
<script>
document.getElementById("like").addEventListener("click", (e) => {
  e.preventDefault();
  fetch("/like", {method: "POST"}).then((r) => r.json()).then((d) => {
    e.target.textContent = "remove like (" + d.count + ")";
  });
});
fetch("/poll");  // a long poll, sent with the page: it never answers within a step
</script>"""


class Likes(QuietHandler):
    stored: list[int]  # the likes the server stored (one list per test's server)

    def do_GET(self) -> None:
        if self.path == "/poll":
            time.sleep(60)
        self.reply(200, PAGE, "text/html")

    def do_POST(self) -> None:
        time.sleep(0.6)  # a busy server: it answers well after the page has gone quiet
        self.stored.append(len(self.stored) + 4)
        self.reply(200, {"count": self.stored[-1]})


@pytest.fixture
def likes_site() -> Iterator[tuple[str, list[int]]]:
    stored: list[int] = []
    handler = type("Handler", (Likes,), {"stored": stored})
    with serve(handler, server_class=HangUpTolerantServer) as served:  # the browser leaves the poll
        yield f"{served.url}/", stored


def test_a_step_observes_the_answer_to_the_fetch_its_action_sent(
    make_env: MakeEnv, likes_site: tuple[str, list[int]]
) -> None:
    url, stored = likes_site
    liked = "document.getElementById('like').textContent.startsWith('remove')"
    # Waiting for the long poll (5 s at most) would overrun this step timeout and truncate the step.
    env = make_env(PageTask(url, "Like the post.", liked), step_timeout=4.0)
    obs, _ = env.reset(seed=0)
    like = next(e["id"] for e in obs["elements"] if e["text"] == "like (3)")
    obs, _, terminated, truncated, info = env.step(f"click('{like}')")
    assert not obs["last_action_error"] and not truncated
    assert "remove like (4)" in obs["axtree"], obs["axtree"]
    assert terminated and info["success"] and stored == [4]
