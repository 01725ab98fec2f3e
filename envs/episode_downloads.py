"""The files an episode's pages downloaded, kept where its task's evaluator can read them.

Playwright keeps a download in a folder of its own that goes with the browser context, under a
random name; an evaluator ("download the invoice of order 42") needs the file itself, its name
and where it came from. Before each verdict the downloads started since the last are saved, each
in a numbered folder of an episode temp folder under its suggested name (``.../1/invoice.pdf``),
and given to the task as ``EpisodeState.downloads``. The folder is removed when the episode is
retired (the next reset, or closing the environment), after its evidence has been read.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path, PurePath

from playwright.async_api import Download as PlaywrightDownload
from playwright.async_api import Error as PlaywrightError

from palaestra.tasks.base import Download

#: At most this long a verdict waits for one unfinished download; it is tried again next step.
DOWNLOAD_WAIT_S = 10.0


class EpisodeDownloads:
    """Saves the episode's downloads (``started``: `PageEvents.downloads`, in order) for its task."""

    def __init__(self, started: list[PlaywrightDownload]) -> None:
        self._started = started
        self._saved: list[Download] = []
        self.folder: Path | None = None

    async def saved(self) -> list[Download]:
        """Every download so far, saved; one still in progress after ``DOWNLOAD_WAIT_S`` (or one
        that failed) has no ``path`` and says why in ``failure``."""
        pending: list[Download] = []
        for number, download in enumerate(self._started[len(self._saved) :], len(self._saved) + 1):
            done = await self._save(number, download)
            if done.failure == STILL_DOWNLOADING:  # and the ones after it wait with it
                pending = [done]
                break
            self._saved.append(done)
        return [*self._saved, *pending]

    async def _save(self, number: int, download: PlaywrightDownload) -> Download:
        name = PurePath(download.suggested_filename).name or "download"
        if self.folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="palaestra-downloads-"))
        path = self.folder / str(number) / name
        path.parent.mkdir(exist_ok=True)
        try:
            await asyncio.wait_for(download.save_as(path), DOWNLOAD_WAIT_S)
        except TimeoutError:
            return Download(name, download.url, None, STILL_DOWNLOADING)
        except PlaywrightError as exc:
            failure = await _failure(download) or str(exc).splitlines()[0]
            return Download(name, download.url, None, failure)
        return Download(name, download.url, path)

    def remove(self) -> None:
        """Delete the saved files (the episode is over and judged)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


#: The ``failure`` of a download not finished when the verdict was asked for.
STILL_DOWNLOADING = f"still downloading after {DOWNLOAD_WAIT_S:g} s"


async def _failure(download: PlaywrightDownload) -> str | None:
    try:
        return await asyncio.wait_for(download.failure(), DOWNLOAD_WAIT_S)
    except (TimeoutError, PlaywrightError):
        return None
