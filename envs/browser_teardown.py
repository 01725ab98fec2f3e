"""What ended ``BrowserEnv`` episodes leave behind, and closing the environment.

An ended episode's context is closed in the background, after its Playwright trace is written if
it records one (`episode_trace`), since awaiting a hung browser would block the next reset; pages
prepared ahead are also started in the background (`page_supply`). This layer keeps a reference
to each such task until it ends, so that ``aclose`` can wait for all of them, and it binds the
environment to its event loop, which every layer's coroutines do first. ``BrowserEnv``
(`browser_env`) constructs every attribute declared here.
"""

from __future__ import annotations

import asyncio
import contextlib
import warnings
from collections.abc import Coroutine
from typing import Any

from palaestra.envs.base import PalaestraEnv
from palaestra.envs.browser import BrowserHost
from palaestra.envs.browser_episode import BrowserEpisode
from palaestra.envs.episode_trace import EpisodeTraces
from palaestra.envs.one_call import OneCall
from palaestra.envs.page_supply import PageSupply


class BrowserTeardown(PalaestraEnv):
    """The lowest layer of ``BrowserEnv``: its event loop, its background work and its closing."""

    _loop: asyncio.AbstractEventLoop | None
    _episode: BrowserEpisode | None
    _pages: PageSupply
    _traces: EpisodeTraces
    #: The reset or step running now: another one meanwhile is refused (`one_call`).
    _calls: OneCall
    _background: set[asyncio.Future[Any]]
    _host: BrowserHost | None
    #: Whether the caller gave the host (else it is the loop's own, chosen at first use).
    _host_given: bool = False
    #: ``info["error"]`` of the failure that ended the episode (its context is gone), until the next
    #: reset: a step meanwhile answers that the episode is over, as after any other end.
    _failure: dict[str, str] | None = None
    #: Whether the last reset was cancelled or failed before its episode started: a step then
    #: says so, rather than "before reset()" to code that did call it.
    _reset_unfinished: bool = False

    async def _end_episode(self, abandon: bool = False) -> None:
        episode, self._episode = self._episode, None
        if episode is not None:
            # Closing a context takes a few ms; a hung one must not block the next reset.
            self._retire(episode)
        if abandon:
            self._pages.discard()

    def _retire(self, episode: BrowserEpisode) -> None:
        """Close an ended episode's context in the background, after writing its trace if any;
        remove the files it downloaded (its task has judged it, and its evidence was read).
        Once only: a reset retires the last episode when it ends, early or late."""
        if episode.retired:
            return
        episode.retired = True
        episode.downloads.remove()
        saving = self._traces.retire(episode, self._pages.close_later)
        if saving is not None:
            self._background.add(saving)
            saving.add_done_callback(self._background.discard)

    def _in_background(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` without waiting for it, keeping a reference until it ends."""
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        self._start_over_if_loop_closed()  # what it had open ended with its loop
        if self._loop is None:
            self._closed = True
            return
        self._bind_loop()
        cancelled = self._pages.discard()
        await self._end_episode(abandon=True)
        # Cancelled preparations hand their contexts over for closing as they end.
        await asyncio.gather(*cancelled, return_exceptions=True)
        while self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        self._closed, self._failure = True, None

    def _start_over_if_loop_closed(self) -> None:
        """An environment whose event loop has closed (an earlier ``asyncio.run``) starts over on
        the running one: what it had open lived in that loop's browser, which ended with the loop
        (`loop_end`). Before, each later ``asyncio.run`` got "started on another event loop", and a
        training loop running an ``asyncio.run`` per epoch had to make its environments anew."""
        if self._loop is None or not self._loop.is_closed():
            return
        self._loop, self._episode, self._background = None, None, set()
        self._calls.forget()
        self._pages.forget()
        self._traces = EpisodeTraces()
        if not self._host_given:
            self._host = None  # the new loop's own, when first needed

    def __del__(self) -> None:
        """An environment dropped without ``close()`` kept its contexts (its episode's and the
        pages prepared ahead: three renderer processes by default) open in the loop's shared
        browser for the process's life. It now warns, as an unclosed file does, and has its loop
        close them (the collector may run in any thread, so the loop is asked, not entered)."""
        loop = self._loop
        if self._closed or loop is None or loop.is_closed():
            return
        warnings.warn(
            f"{type(self).__name__} was not closed: call close() (or await aclose(), or use "
            "`with`/`async with`) when done with it. Its browser contexts are closed now.",
            ResourceWarning,
            source=self,
            stacklevel=2,
        )
        pages, episode = self._pages, self._episode

        def abandon() -> None:
            pages.discard()
            if episode is not None:
                pages.close_later(episode.context)

        with contextlib.suppress(RuntimeError):  # its loop closed meanwhile: nothing is left to close
            loop.call_soon_threadsafe(abandon)

    def _started_on_a_loop(self) -> bool:
        return self._loop is not None and not self._loop.is_closed()
