"""A page that navigates by itself just as it is observed is observed on the page it went to.

Chromium answers a screenshot request sent as a navigation replaces the document with an error
("Not attached to an active page", "Unable to capture screenshot") or never: the step failed, or
hung until ``step_timeout`` ended the episode (seen on a wiki's save, which redirects). Real
Chromium over real HTTP; the server holds the navigation's answer so that its commit meets the
observation (`BrowserEpisode.capture_settled`).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from palaestra.envs import BrowserEnv
from palaestra.envs.browser_episode import BrowserEpisode
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import QuietHandler, serve

MakeEnv = Callable[..., BrowserEnv]
VIEWPORT = (640, 480)
#: Enough rounds that an observation which is lucky with the swap's timing, as one in two or
#: three were, does not let the test pass: each round is another chance to meet it.
ROUNDS = 5


class Site(QuietHandler):
    """Pages named by their path; ``/held...`` answers only once the test releases it."""

    asked = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        name = self.path.strip("/")
        if name.startswith("held"):
            Site.asked.set()
            Site.release.wait(30)
        self.reply(200, f"<!doctype html><title>{name}</title><h1>Page {name}</h1>{'<p>text</p>' * 50}")


def _run(env: BrowserEnv, coro: Coroutine[Any, Any, Any], timeout: float = 30) -> Any:
    return asyncio.run_coroutine_threadsafe(coro, env._loop).result(timeout)  # type: ignore[arg-type]


def _episode(env: BrowserEnv) -> BrowserEpisode:
    assert env._episode is not None
    return env._episode


async def _read(env: BrowserEnv) -> dict[str, Any]:
    """The observation as a step reads it, bounded: a lost screenshot would hang it."""
    read = _episode(env).read(env.obs_config, env.layout.parts, settle_ms=env.settle_ms)
    return await asyncio.wait_for(read, 20)


def _check(obs: dict[str, Any], url: str) -> None:
    name = url.rsplit("/", 1)[1]
    assert obs["url"] == url
    assert f"heading 'Page {name}'" in obs["axtree"], obs["axtree"]
    assert np.asarray(obs["screenshot"]).shape[:2] == VIEWPORT[::-1]


def test_a_navigation_answered_as_the_page_is_observed(make_env: MakeEnv) -> None:
    """The navigation is in flight when the observation starts and commits right away: the
    observation is of the new page (it was an error, a hang or the page about to go)."""
    with serve(Site) as site:
        env = make_env(PageTask(f"{site.url}/start", "Read.", viewport=VIEWPORT), pages_ahead=0)
        env.reset(seed=0)
        page = _episode(env).state.page

        async def in_flight() -> bool:
            while not _episode(env).navigations.navigating:  # type: ignore[union-attr]
                await asyncio.sleep(0.005)
            return True

        for n in range(ROUNDS):
            Site.asked.clear()
            Site.release.clear()
            _run(env, page.evaluate(f"setTimeout(() => {{ location.href = '/held{n}'; }}, 0)"))
            assert Site.asked.wait(20), "the navigation never reached the server"
            assert _run(env, asyncio.wait_for(in_flight(), 20))
            Site.release.set()
            _check(_run(env, _read(env)), f"{site.url}/held{n}")


def test_a_navigation_sent_while_the_page_is_observed(make_env: MakeEnv) -> None:
    """A navigation a timer sends as the capture starts: the observation is whole and of one
    page (the new one, or the old one when it was taken before the navigation began)."""
    with serve(Site) as site:
        env = make_env(PageTask(f"{site.url}/start", "Read.", viewport=VIEWPORT), pages_ahead=0)
        env.reset(seed=0)
        page = _episode(env).state.page
        Site.release.set()

        async def navigate_and_read(n: int) -> dict[str, Any]:
            await page.evaluate(f"setTimeout(() => {{ location.href = '/page{n}'; }}, 0)")
            return await _read(env)

        urls = [f"{site.url}/start", *(f"{site.url}/page{n}" for n in range(ROUNDS))]
        for n in range(ROUNDS):
            obs = _run(env, navigate_and_read(n))
            assert obs["url"] in urls[n : n + 2]
            _check(obs, obs["url"])
            _run(env, page.wait_for_url(urls[n + 1]))
