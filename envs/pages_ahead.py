"""Pages prepared ahead of the resets that will use them.

A fresh browser context with the task's page loaded costs a few hundred milliseconds of browser
work, far more than a reset may take. So the environment keeps up to ``depth`` pages preparing or
prepared in the background, each in its own fresh context, and a reset takes the oldest one.
Preparations run one after another, never side by side: each one competes with the agent's steps
for the same few cores, and a second one at the same time would only slow both.

A preparation may also start the episode on its page (the task's ``setup``), when the seed of that
episode is already known: see ``predict_seeds``. Such a page carries the seed it was started with and
is used only by a reset with exactly that seed.
"""

from __future__ import annotations

import asyncio
import copy
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import numpy as np
from playwright.async_api import BrowserContext, CDPSession, Page

from palaestra.envs.navigation import NavigationWatch
from palaestra.tasks.base import Task

#: Episode seeds drawn by ``reset()`` without a seed lie in [0, SEED_BOUND).
SEED_BOUND = 2**31 - 1


@dataclass
class PreparedPage:
    """A task's page in a fresh context, with its CDP session; maybe with its episode started."""

    task: Task
    context: BrowserContext
    page: Page
    cdp: CDPSession
    #: URLs the context's guard refused (only when the task restricts URLs); cleared at reset.
    blocked: list[str] = field(default_factory=list)
    #: The page's navigations and requests since it started loading (the first observation waits
    #: for those still in flight, as a step's waits for those its actions sent).
    navigations: NavigationWatch | None = None
    #: The seed the episode was started with ahead of its reset, and the goal it stated.
    seed: int | None = None
    goal: str | None = None


OpenPage = Callable[[int | None], Awaitable[PreparedPage]]
StartEpisode = Callable[[PreparedPage, int], Awaitable[PreparedPage]]


def draw_seed(rng: np.random.Generator) -> int:
    """The episode seed ``reset()`` draws when it is given none."""
    return int(rng.integers(0, SEED_BOUND))


def predict_seeds(rng: np.random.Generator, count: int) -> list[int]:
    """The seeds the next ``count`` unseeded resets will draw, leaving ``rng`` untouched.

    Gymnasium's ``reset(seed=None)`` continues the environment's RNG, so these are known now; they
    stay right unless someone draws from ``env.np_random`` in between or passes a seed (which
    reseeds it). A reset checks its seed against the page's before using an early-started episode.
    """
    twin = copy.deepcopy(rng)
    return [draw_seed(twin) for _ in range(count)]


class PagePipeline:
    """Up to ``depth`` preparations in flight, oldest first, each starting when the one before ends."""

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._pending: deque[tuple[asyncio.Future[PreparedPage], int | None]] = deque()

    def __len__(self) -> int:
        return len(self._pending)

    def fill(self, open_page: OpenPage, seeds: list[int | None], limit: int | None = None) -> None:
        """Start preparations until ``depth`` (or ``limit``, if smaller) are pending; the i-th page
        in line starts ``seeds[i]``.

        ``seeds`` lists, for each place in line from the front, the episode to start on the page
        there (None: prepare only). Pages already in line keep what they were started with.
        """
        while len(self._pending) < (self.depth if limit is None else min(limit, self.depth)):
            place = len(self._pending)
            seed = seeds[place] if place < len(seeds) else None
            previous = self._pending[-1][0] if self._pending else None
            future = asyncio.ensure_future(_after(previous, open_page, seed))
            future.add_done_callback(_retrieve_exception)
            self._pending.append((future, seed))

    def start_ahead(self, start: StartEpisode, seeds: list[int | None]) -> None:
        """Have the pages in line that are only prepared also start ``seeds[i]`` (by place)."""
        for place, (future, seed) in enumerate(self._pending):
            wanted = seeds[place] if place < len(seeds) else None
            if seed is None and wanted is not None:
                started = asyncio.ensure_future(_then_start(future, start, wanted))
                started.add_done_callback(_retrieve_exception)
                self._pending[place] = (started, wanted)

    def take(self) -> tuple[asyncio.Future[PreparedPage], int | None] | None:
        """The oldest preparation and the seed it starts (None when nothing is pending)."""
        return self._pending.popleft() if self._pending else None

    async def wait(self) -> None:
        """Until every pending preparation has ended (prepared, failed or cancelled)."""
        if self._pending:
            await asyncio.wait([future for future, _ in self._pending])

    def discard(self, close: Callable[[PreparedPage], None]) -> list[asyncio.Future[PreparedPage]]:
        """Cancel every pending preparation; ``close`` gets the pages that were already prepared.

        Returns the cancelled preparations, for a caller that must wait until they have ended.
        """
        cancelled = [future for future, _ in self._pending]
        self._pending.clear()
        for future in cancelled:
            cancel_preparation(future, close)
        return cancelled


def cancel_preparation(future: asyncio.Future[PreparedPage], close: Callable[[PreparedPage], None]) -> None:
    """Cancel one preparation; ``close`` gets its page if it was prepared before the cancellation."""
    future.cancel()
    future.add_done_callback(lambda f: _hand_over(f, close))


async def _after(
    previous: asyncio.Future[PreparedPage] | None, open_page: OpenPage, seed: int | None
) -> PreparedPage:
    if previous is not None:
        await asyncio.wait([previous])  # done, failed or cancelled: this one's turn either way
    return await open_page(seed)


async def _then_start(prepared: asyncio.Future[PreparedPage], start: StartEpisode, seed: int) -> PreparedPage:
    return await start(await prepared, seed)


def _hand_over(future: asyncio.Future[PreparedPage], close: Callable[[PreparedPage], None]) -> None:
    if not future.cancelled() and future.exception() is None:
        close(future.result())


def _retrieve_exception(future: asyncio.Future[PreparedPage]) -> None:
    """A preparation may fail when the browser goes away; the reset that takes it handles that."""
    if not future.cancelled():
        future.exception()
