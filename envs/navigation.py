"""Navigations and requests a step has started but not finished, so a step waits for the page an
action opens and for the answers to the requests it sent.

A click on a link sends the request for the next page, but the old page stays loaded and quiet
until the server answers: waiting for "load" and a quiet DOM at that moment observes (and marks
ids on) the page that is about to go away. ``NavigationWatch`` counts the main frames' navigation
requests in flight, from the request until the new document commits (or the request fails, or
answers with no document: 204, 205, a download); redirects included. ``settled`` waits until there
are none, after which the usual load and quiet-DOM waits apply to the new page.

The same holds for ``fetch`` and XHR requests: a "like" link that posts in the background and then
rewrites itself leaves the page quiet until the server answers, and an agent that acts on that
page (or ends the episode) does so before the server stored anything. It holds for images, style
sheets and fonts too: an icon drawn with ``content: url(...)`` has no size, so is not visible,
until its image has loaded. ``begin_step`` marks where a step's actions start (or where a page
starts loading, for the first observation); ``settled`` also waits for those requests sent since
then, each at most ``REQUEST_WAIT_S`` after it was sent, never for those already in flight (a
long poll the page keeps open).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from playwright.async_api import BrowserContext, Frame, Page, Request
from playwright.async_api import Error as PlaywrightError

#: Resource types of the requests a page's scripts send.
SCRIPT_REQUESTS = ("fetch", "xhr")
#: Resource types of the requests that change what the page draws.
DRAWING_REQUESTS = ("image", "stylesheet", "font")
#: At most this long after it was sent a step waits for a request its actions sent (a request that
#: never ends, such as a long poll started by a click, costs this once per step).
REQUEST_WAIT_S = 5.0


class NavigationWatch:
    def __init__(self, context: BrowserContext) -> None:
        self._pending: set[Request] = set()
        #: The script and drawing requests the current step sent, with when (``time.monotonic``).
        self._requests: dict[Request, float] = {}
        self._step_started = False
        self._changed = asyncio.Event()
        #: Main-frame navigation requests sent in the episode so far (`navigation_started_since`).
        self._navigations_started = 0
        self._navigation_started = asyncio.Event()
        self._checks: set[asyncio.Future[None]] = set()
        context.on("request", self._started)
        context.on("requestfinished", self._finished)
        context.on("requestfailed", self._ended)
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page: Page) -> None:
        page.on("framenavigated", self._committed)

    def begin_step(self) -> None:
        """Requests sent from now on are the step's: ``settled`` waits for their answers."""
        self._requests.clear()
        self._step_started = True

    def _started(self, request: Request) -> None:
        with contextlib.suppress(PlaywrightError):
            if request.is_navigation_request() and request.frame.parent_frame is None:
                self._pending.add(request)
                self._navigations_started += 1
                self._navigation_started.set()
            elif self._step_started and request.resource_type in SCRIPT_REQUESTS + DRAWING_REQUESTS:
                self._requests[request] = time.monotonic()

    def _committed(self, frame: Frame) -> None:
        if frame.parent_frame is None and self._pending:
            self._pending = {r for r in self._pending if not _same_frame(r, frame)}
            self._changed.set()

    def _finished(self, request: Request) -> None:
        if request in self._requests:
            self._ended(request)
        elif request in self._pending:
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
        if request in self._pending or request in self._requests:
            self._pending.discard(request)
            self._requests.pop(request, None)
            self._changed.set()

    @property
    def navigating(self) -> bool:
        """Whether a main-frame navigation is in flight: its page is about to be replaced."""
        return bool(self._pending)

    @property
    def navigations_started(self) -> int:
        """How many main-frame navigation requests (redirects included) were sent so far."""
        return self._navigations_started

    async def navigation_started_since(self, count: int) -> None:
        """Return once more than ``count`` main-frame navigation requests were sent."""
        while self._navigations_started <= count:
            self._navigation_started.clear()
            await self._navigation_started.wait()

    @property
    def pending(self) -> bool:
        """Whether a navigation or a script or drawing request of the step is in flight (the request's event
        may reach us only after the action returned and the page looked quiet)."""
        return bool(self._pending or self._requests)

    async def settled(self, timeout_s: float) -> bool:
        """Wait until no main-frame navigation is in flight (at most ``timeout_s``), nor any request
        the step sent (each at most ``REQUEST_WAIT_S`` after it was sent); whether there was one. A
        request that never ends (a stalled download, a long poll) is given up at its limit."""
        waited = False
        started = time.monotonic()
        while self._pending or self._requests:
            waited = True
            now = time.monotonic()
            # a long poll must not hold every step up
            self._requests = {r: sent for r, sent in self._requests.items() if now - sent < REQUEST_WAIT_S}
            if now - started >= timeout_s:  # nor a navigation that never ends (a stalled download)
                self._pending.clear()
                self._requests.clear()
            if not (self._pending or self._requests):
                break
            self._changed.clear()
            limit = started + timeout_s
            if self._requests:
                limit = min(limit, min(self._requests.values()) + REQUEST_WAIT_S)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(limit - now, 0.0))
        return waited


def _same_frame(request: Request, frame: Frame) -> bool:
    with contextlib.suppress(PlaywrightError):
        return request.frame == frame
    return True
