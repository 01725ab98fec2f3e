"""Navigations a page has started but not finished, so a step waits for the page an action opens.

A click on a link sends the request for the next page, but the old page stays loaded and quiet
until the server answers: waiting for "load" and a quiet DOM at that moment observes (and marks
ids on) the page that is about to go away. ``NavigationWatch`` counts the main frames' navigation
requests in flight, from the request until the new document commits (or the request fails, or
answers with no document: 204, 205, a download); redirects included. ``settled`` waits until there
are none, after which the usual load and quiet-DOM waits apply to the new page.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from playwright.async_api import BrowserContext, Frame, Page, Request
from playwright.async_api import Error as PlaywrightError


class NavigationWatch:
    def __init__(self, context: BrowserContext) -> None:
        self._pending: set[Request] = set()
        self._changed = asyncio.Event()
        self._checks: set[asyncio.Future[None]] = set()
        context.on("request", self._started)
        context.on("requestfinished", self._finished)
        context.on("requestfailed", self._ended)
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page: Page) -> None:
        page.on("framenavigated", self._committed)

    def _started(self, request: Request) -> None:
        with contextlib.suppress(PlaywrightError):
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self._pending.add(request)

    def _committed(self, frame: Frame) -> None:
        if frame.parent_frame is None and self._pending:
            self._pending = {r for r in self._pending if not _same_frame(r, frame)}
            self._changed.set()

    def _finished(self, request: Request) -> None:
        if request in self._pending:
            check = asyncio.ensure_future(self._check_document(request))
            self._checks.add(check)
            check.add_done_callback(self._checks.discard)

    async def _check_document(self, request: Request) -> None:
        """End the wait for an answer that will not replace the page: no content, or a download."""
        with contextlib.suppress(PlaywrightError):
            response = await request.response()
            disposition = (await response.header_value("content-disposition") or "") if response else ""
            if (
                response is None
                or response.status in (204, 205)
                or disposition.lower().startswith("attachment")
            ):
                self._ended(request)

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


def _same_frame(request: Request, frame: Frame) -> bool:
    with contextlib.suppress(PlaywrightError):
        return request.frame == frame
    return True
