"""One browser episode's live state, and how it is settled and read after each step.

``BrowserEpisode`` holds the episode's context, its pages' CDP sessions and the navigations its
actions started. ``settle`` waits, on page events rather than sleeps, until what the last actions
set off has landed; ``read`` captures the active page and the tab list. What the observation adds
on top (the goal, the last action and its error, the task's tools) is the environment's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from playwright.async_api import BrowserContext, CDPSession, Page
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions.executor import ActionState
from palaestra.envs.actions.upload import intercept_file_choosers
from palaestra.envs.episode_downloads import EpisodeDownloads
from palaestra.envs.navigation import NavigationWatch
from palaestra.envs.observation import ObsConfig, ScreenshotLost, capture
from palaestra.envs.page_events import PageEvents
from palaestra.errors import PageHungError

#: A step's settling gives up (and the page is observed as it is) after this many ``settle_ms``:
#: the same bound as the wait for a navigation in flight.
SETTLE_DEADLINE = 10
#: Captures of a page that navigated under each of them before the observation gives up (a page
#: that navigates by itself again and again, as a zero-delay refresh does): the page hangs.
CAPTURE_ATTEMPTS = 3


@dataclass
class BrowserEpisode:
    context: BrowserContext
    cdp: CDPSession
    state: ActionState
    #: URLs the context's guard refused since the last step (only when the task restricts URLs).
    blocked: list[str]
    cdp_sessions: dict[Page, CDPSession] = field(default_factory=dict)
    navigations: NavigationWatch | None = None
    #: Where the episode's Playwright trace goes, while its context records one (`episode_trace`).
    trace: Path | None = None
    #: Why the runner judged the episode without an answer (``aearly_stop``), kept for its evidence.
    early_stop: str | None = None
    #: Whether its context was handed over for closing (`BrowserTeardown._retire`).
    retired: bool = False
    #: Dialogs answered, tabs opened and closed, downloads: what the next observation tells.
    events: PageEvents = field(init=False)
    #: The files downloaded, saved for the task's evaluator (`EpisodeState.downloads`).
    downloads: EpisodeDownloads = field(init=False)

    def __post_init__(self) -> None:
        self.cdp_sessions[self.state.page] = self.cdp
        if self.navigations is None:
            self.navigations = NavigationWatch(self.context)
        intercept_file_choosers(self.context)
        self.events = PageEvents(self.context, self.state)
        self.downloads = EpisodeDownloads(self.events.downloads)

    def browser_alive(self) -> bool:
        browser = self.context.browser
        return browser is not None and browser.is_connected() and not self.state.page.is_closed()

    async def settle(self, settle_ms: float) -> bool:
        """Settle the active page; a tab it opened during the step (or while it settled) becomes
        the active one, and is settled in turn (`PageEvents.show_opened_tab`)."""
        with contextlib.suppress(PlaywrightError):  # the page closed meanwhile: settled below
            await self.events.await_new_tabs(await self._session(self.state.page))
        if self.events.agent_chose_tab():  # the agent's tab choice in this step holds
            marked = await self._settle_active(settle_ms)
            self.events.agent_chose_tab()
            return marked
        self.events.show_opened_tab()
        marked = await self._settle_active(settle_ms)
        if self.events.show_opened_tab():
            marked = await self._settle_active(settle_ms)
        return marked

    async def _settle_active(self, settle_ms: float) -> bool:
        """Wait for navigation to load and the DOM to go quiet (events, not sleeps).

        A navigation the action started but the server has not answered yet is waited for first
        (``NavigationWatch``): until then the old page is loaded and quiet, and would be observed.
        The same round trip gives the settled page's new elements their ids; returns whether it
        did (not when the page kept navigating away).
        """
        page, navigations = self.state.page, self.navigations
        # Until a deadline rather than a number of tries: under load, a wiki's save destroyed the
        # document under the settle twice in a row, and a third time made it give up and observe
        # a page not yet parsed (an empty tree).
        deadline = time.monotonic() + settle_ms * SETTLE_DEADLINE / 1000
        while True:
            try:
                if navigations is not None:
                    await navigations.settled(settle_ms * SETTLE_DEADLINE / 1000)
                await page.wait_for_load_state("load", timeout=settle_ms * 5)
                await self.state.frame_ids.settle_and_mark(page, settle_ms)
                if not (navigations is not None and navigations.pending):
                    return True
                # the page navigated or sent a request while it settled: wait for it
            except PlaywrightError:
                if page.is_closed():
                    return False
                # a navigation replaced the document mid-wait: wait for the new one
            if time.monotonic() >= deadline:
                return False

    async def capture_settled(
        self, config: ObsConfig, parts: frozenset[str], *, settle_ms: float, marked: bool = False
    ) -> dict[str, Any]:
        """``capture`` of the active page, taken again on the next page when the page navigated.

        A page that navigates by itself (a timer, a redirect after a save) can do so between the
        step's settling and its observation: a navigation in flight is waited for first (the page it
        replaces would be observed), and one sent during the capture, which Chromium may leave
        unanswered or fail (`ScreenshotLost`, or Playwright's error), is settled and captured again.
        """
        page, navigations = self.state.page, self.navigations
        for attempt in range(1, CAPTURE_ATTEMPTS + 1):
            if navigations is not None and navigations.navigating:
                marked = await self._settle_active(settle_ms)
            try:
                cdp = await self._session(page)
                return await capture(page, cdp, self.state.frame_ids, config, parts, marked, navigations)
            except ScreenshotLost as exc:
                if attempt == CAPTURE_ATTEMPTS:
                    raise PageHungError(
                        f"The page started a new navigation during each of {attempt} observations "
                        "(it keeps reloading or redirecting by itself)."
                    ) from exc
            except PlaywrightError:
                if attempt == CAPTURE_ATTEMPTS or not self.browser_alive():
                    raise
            marked = await self._settle_active(settle_ms)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _session(self, page: Page) -> CDPSession:
        """The page's CDP session: a tab opened during the episode gets one for the rest of it."""
        cdp = self.cdp_sessions.get(page)
        if cdp is None:
            cdp = self.cdp_sessions[page] = await self.context.new_cdp_session(page)
        return cdp

    async def read(
        self, config: ObsConfig, parts: frozenset[str], *, settle_ms: float, marked: bool = False
    ) -> dict[str, Any]:
        """The active page's captured ``parts``, its URL and the open tabs (titles and URLs)."""
        state = self.state
        page = state.page
        others = [p for p in state.context.pages if p is not page]
        captured, *other_titles = await asyncio.gather(
            self.capture_settled(config, parts, settle_ms=settle_ms, marked=marked),
            *(p.title() for p in others),
            return_exceptions=True,
        )
        if isinstance(captured, BaseException):
            raise captured
        pages = state.context.pages  # as they are now: the capture may have waited for the page
        state.observed_page, state.observed_url = page, page.url
        titles = dict(zip(others, other_titles, strict=True))
        titles[page] = captured.pop("title", None)
        if titles[page] is None:
            titles[page] = await page.title()
        return {
            "url": page.url,
            "open_pages": [
                {"title": t if isinstance(t := titles.get(p), str) else "", "url": p.url, "active": p is page}
                for p in pages
            ],
            **captured,
        }


def fit_screenshot(image: np.ndarray, viewport: tuple[int, int]) -> np.ndarray:
    """``image`` cut or padded to the viewport's shape (device pixel ratios can differ)."""
    width, height = viewport
    if image.shape[:2] == (height, width):
        return image
    out = np.zeros((height, width, 3), dtype=np.uint8)
    h, w = min(height, image.shape[0]), min(width, image.shape[1])
    out[:h, :w] = image[:h, :w]
    return out
