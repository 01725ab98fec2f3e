"""Where a ``BrowserEnv``'s pages come from: the task's page, each in a fresh browser context.

``PageSupply`` opens those pages, keeps up to ``depth`` of them preparing in the background
(``PagePipeline``, see ``pages_ahead``) and hands the oldest usable one to each reset. It owns
every context it opened until a reset takes it; contexts no longer wanted are closed in the
background, since awaiting a hung browser would block the reset (and cancellation).
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Page, Route
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.browser import BrowserHost
from palaestra.envs.navigation import NavigationWatch
from palaestra.envs.pages_ahead import PagePipeline, PreparedPage, cancel_preparation
from palaestra.tasks.base import Task, task_code

log = logging.getLogger(__name__)

#: Keeps the short timers event handlers start, for the step to wait for (see the script).
TIMERS_JS = (Path(__file__).parent / "js" / "timers.js").read_text()

#: Runs a coroutine without waiting for it (the environment keeps it until it ends).
Background = Callable[[Coroutine[Any, Any, Any]], None]


class PageSupply:
    """The task's pages for one environment: opened fresh, prepared ahead, handed to resets."""

    def __init__(
        self, task: Callable[[], Task], host: Callable[[], BrowserHost], depth: int, background: Background
    ) -> None:
        # The environment's task and host are read at each use: either may be replaced between episodes.
        self._task, self._host, self._background = task, host, background
        self.pipeline = PagePipeline(depth=depth)

    @property
    def task(self) -> Task:
        return self._task()

    async def open_blank(self) -> tuple[BrowserContext, Page]:
        """A fresh context with one empty page: the costly part of a page (its renderer process)."""
        width, height = self.task.viewport
        viewport = {"width": width, "height": height}
        context = await self._uncancelled(self._host().new_context(viewport=viewport))
        try:
            await context.add_init_script(TIMERS_JS)
            return context, await context.new_page()
        except BaseException:
            self.close_later(context)
            raise

    async def open_page(self, seed: int | None = None) -> PreparedPage:
        """The task's page in a fresh context, ready for ``setup``, or already set up with ``seed``."""
        task = self.task
        context, page = await self.open_blank()
        navigations = NavigationWatch(context)
        navigations.begin_step()  # what the page sends as it loads: the first observation waits for it
        try:
            await task.prepare(page)
            blocked: list[str] = []
            guard = (
                context.route("**/*", url_guard(task.allowed_urls, blocked))
                if task.allowed_urls is not None
                else _none()
            )
            # Create the page's script contexts and its CDP session now rather than in the reset.
            cdp, *_ = await asyncio.gather(
                context.new_cdp_session(page), page.evaluate("1"), page.locator(":root").count(), guard
            )
            prepared = PreparedPage(
                task=task, context=context, page=page, cdp=cdp, blocked=blocked, navigations=navigations
            )
            if seed is not None:
                with task_code(task, "setup"):
                    prepared.goal, prepared.seed = await task.setup(page, seed), seed
        except BaseException:
            self.close_later(context)
            raise
        return prepared

    async def start_ahead(self, prepared: PreparedPage, seed: int) -> PreparedPage:
        """Start the episode of ``seed`` on a page that was prepared without one."""
        try:
            with task_code(prepared.task, "setup"):
                prepared.goal, prepared.seed = await prepared.task.setup(prepared.page, seed), seed
        except BaseException:
            self.close_later(prepared.context)
            raise
        return prepared

    async def take(self, episode_seed: int, *, line_up: bool = True) -> PreparedPage:
        """The oldest page prepared in the background, if it is still good; else a new one.

        A page that was just prepared proves the browser answers; only without one do we pay
        for a health check (which replaces a crashed or hung browser). When the oldest page is of
        no use, neither are the ones behind it (prepared in the same browser, for the same task,
        or started with seeds predicted the same way): all are closed, and this reset's page is
        prepared first in a new line, so that the next ones start loading right after it; with
        ``line_up`` False (no next reset foreseen) it is prepared alone.
        """
        taken = self.pipeline.take()
        if taken is not None:
            prepared = await self._usable(*taken, episode_seed=episode_seed)
            if prepared is not None:
                return prepared
            self.discard()
        await self._host().ensure_browser()
        if not self.pipeline.depth or not line_up:
            return await self.open_page()
        self.pipeline.fill(self.open_page, [])
        first = self.pipeline.take()
        assert first is not None
        return await first[0]

    async def _usable(
        self, pending: asyncio.Future[PreparedPage], seed: int | None, episode_seed: int
    ) -> PreparedPage | None:
        """The prepared page, if it is for this task and episode and its browser still runs."""
        if seed is not None and seed != episode_seed:
            cancel_preparation(pending, self.close_prepared)
            return None
        try:
            prepared = await pending
        except PlaywrightError:
            return None  # the browser it was prepared in has gone
        browser = prepared.context.browser
        if (
            prepared.task is self.task
            and browser is self._host().browser
            and browser is not None
            and browser.is_connected()
            and not prepared.page.is_closed()
        ):
            return prepared
        self.close_later(prepared.context)
        return None

    async def _uncancelled(self, opening: Coroutine[Any, Any, BrowserContext]) -> BrowserContext:
        """The context ``opening`` makes; if the caller is cancelled first (its reset's timeout,
        ``aclose``), the context the browser still makes is closed when it arrives, not left open
        in the browser with no one to close it."""
        making = asyncio.ensure_future(opening)
        try:
            return await asyncio.shield(making)
        except asyncio.CancelledError:
            making.add_done_callback(self._close_if_made)
            raise

    def _close_if_made(self, making: asyncio.Future[BrowserContext]) -> None:
        if not making.cancelled() and making.exception() is None:
            self.close_later(making.result())

    def prepare(self, seeds: list[int | None], limit: int | None = None) -> None:
        """Keep pages preparing for the next resets; the i-th in line starts ``seeds[i]`` when given
        (pages already in line and only prepared start theirs now)."""
        self.pipeline.start_ahead(self.start_ahead, seeds)
        self.pipeline.fill(self.open_page, seeds, limit)

    def discard(self) -> list[asyncio.Future[PreparedPage]]:
        """Cancel every preparation and close its page; returns the cancelled preparations."""
        return self.pipeline.discard(self.close_prepared)

    def forget(self) -> None:
        """Drop every preparation without closing it: its loop has closed, and its browser with it."""
        self.pipeline = PagePipeline(depth=self.pipeline.depth)

    def close_prepared(self, prepared: PreparedPage) -> None:
        self.close_later(prepared.context)

    def close_later(self, context: BrowserContext) -> None:
        """Close ``context`` in the background: a hung browser must not block the caller."""
        self._background(close_quietly(context))


def url_guard(patterns: tuple[str, ...], blocked: list[str]) -> Callable[[Route], Coroutine[Any, Any, None]]:
    """A route handler that lets through URLs matching ``patterns`` and records the others."""

    async def guard(route: Route) -> None:
        url = route.request.url
        if any(fnmatch.fnmatchcase(url, p) for p in patterns):
            await route.continue_()
        else:
            blocked.append(url)
            await route.abort("blockedbyclient")

    return guard


async def close_quietly(context: BrowserContext) -> None:
    """Close a context no one uses any more. Failing to is no one's error (its browser may have
    died or hung, and is replaced at the next reset), so it is logged, not raised."""
    try:
        await asyncio.wait_for(context.close(), 10)
    except Exception as exc:
        log.debug("closing a browser context failed: %s: %s", type(exc).__name__, exc)


async def _none() -> None:
    return None
