"""Playwright traces of browser episodes, for debugging a run (`palaestra eval --trace`).

A trace, in Playwright's own format, records what the browser did: every call Playwright made, a
DOM snapshot around each one, the screencast and the network; `python -m playwright show-trace
trace.zip` opens it offline. Tracing belongs to a browser context, and each episode has a context of
its own, maybe prepared ahead while the episode before it ran. So tracing starts when an episode
takes its context, never while the context waits in line (it could not know for which episode it
records), and stops when the episode ends, writing the zip before the context closes. An episode
that records none pays nothing: no step looks at tracing at all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import BrowserContext
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.browser_episode import BrowserEpisode

#: Seconds writing a trace may take (a long site episode's zip is tens of MB); a hung browser
#: costs the trace, not the run.
SAVE_TIMEOUT = 60.0


@dataclass(frozen=True)
class SavedTrace:
    """Where an episode's trace was written, or, when it could not be, why not."""

    path: Path | None
    problem: str = ""


async def start_trace(context: BrowserContext, title: str) -> None:
    """Record ``context`` from now on: snapshots and screencast, no sources (they would be ours)."""
    await context.tracing.start(screenshots=True, snapshots=True, sources=False, title=title)


async def save_trace(context: BrowserContext, path: Path) -> SavedTrace:
    """Stop recording ``context`` and write its trace to ``path``; never raises (a browser that died
    mid-episode leaves no trace to write, and that is the episode's story, told elsewhere)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        await asyncio.wait_for(context.tracing.stop(path=str(path)), SAVE_TIMEOUT)
    except TimeoutError:
        return SavedTrace(None, f"writing the trace took longer than {SAVE_TIMEOUT:g} s")
    except (PlaywrightError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return SavedTrace(None, f"{type(exc).__name__}: {first}")
    return SavedTrace(path)


class EpisodeTraces:
    """Which of an environment's episodes records a trace, and the saving of one that ended.

    ``request`` says the next episode records into a path; the reset that starts it takes the
    request. An episode ends either when its caller asks (``finish``, which waits for the file) or
    on its own: an infrastructure error, the next reset, closing the environment. Then ``retire``
    saves the trace before the context closes, in the background, and ``finish`` waits for that.
    """

    def __init__(self) -> None:
        self.requested: Path | None = None
        self.saving: asyncio.Future[SavedTrace] | None = None

    def request(self, path: Path) -> None:
        self.requested = Path(path)

    def take(self) -> Path | None:
        requested, self.requested = self.requested, None
        return requested

    async def start(self, episode: BrowserEpisode, path: Path | None, title: str) -> None:
        if path is not None:
            await start_trace(episode.context, title)
            episode.trace = path

    def retire(
        self, episode: BrowserEpisode, close: Callable[[BrowserContext], None]
    ) -> asyncio.Future[SavedTrace] | None:
        """Close the ended episode's context (``close`` does it in the background), after saving
        its trace if it records one; returns the saving, for the environment to keep."""
        if episode.trace is None:
            close(episode.context)
            return None
        path, episode.trace = episode.trace, None

        async def save_then_close() -> SavedTrace:
            try:
                return await save_trace(episode.context, path)
            finally:
                close(episode.context)

        self.saving = asyncio.ensure_future(save_then_close())
        return self.saving

    async def finish(self, episode: BrowserEpisode | None) -> SavedTrace | None:
        """Write the trace of the episode that just ended (``episode``, still live, or the one
        ``retire`` is saving); None if it recorded none."""
        self.requested = None
        if episode is not None and episode.trace is not None:
            path, episode.trace = episode.trace, None
            return await save_trace(episode.context, path)
        saving, self.saving = self.saving, None
        return None if saving is None else await saving
