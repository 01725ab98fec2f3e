"""Navigations a page has started but not finished, so a step waits for the page an action opens.

A click on a link sends the request for the next page, but the old page stays loaded and quiet
until the server answers: waiting for "load" and a quiet DOM at that moment observes (and marks
ids on) the page that is about to go away. ``NavigationWatch`` counts the main frames' navigation
requests in flight (from the request until it finished or failed, redirects included), and
``settled`` waits until there are none, after which the usual load and quiet-DOM waits apply to the
new page.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from playwright.async_api import BrowserContext, Request
from playwright.async_api import Error as PlaywrightError


class NavigationWatch:
    def __init__(self, context: BrowserContext) -> None:
        self._pending: set[Request] = set()
        self._changed = asyncio.Event()
        context.on("request", self._started)
        context.on("requestfinished", self._ended)
        context.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        with contextlib.suppress(PlaywrightError):
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self._pending.add(request)

    def _ended(self, request: Request) -> None:
        if request in self._pending:
            self._pending.discard(request)
            self._changed.set()

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    async def settled(self, timeout_s: float) -> bool:
        """Wait until no main-frame navigation is in flight (at most ``timeout_s``); whether one was."""
        waited = False
        deadline = time.monotonic() + timeout_s
        while self._pending:
            waited = True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._pending.clear()  # a request that never ends (a stalled download) must not block
                break
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return waited
