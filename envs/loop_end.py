"""Ending, with its event loop, the browser an asyncio program's loop started.

``asyncio.run`` ends its loop in three moves: it cancels the tasks still pending (Playwright's
reader of its driver's pipe among them), finalizes the async generators still alive on the loop
(``loop.shutdown_asyncgens``), then closes the loop. A ``BrowserHost`` started on that loop
outlived it: its Playwright driver and Chromium kept running until the process exited, one set per
``asyncio.run`` (a training loop calling ``asyncio.run`` per epoch gathered a browser per epoch).
An async generator started on the loop and kept referenced is finalized there, so its ``finally``
is the loop's last moment to end them. By then the driver no longer answers (its reader was
cancelled), so it is asked to end by signal: ``SIGTERM`` makes it close its browser and remove the
browser's profile directory; it is then killed. A loop closed without ``shutdown_asyncgens`` (one
made by hand) gets no such call: close its host (``await env.host.close()``) before closing it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path

import psutil

#: How long the driver gets to close its browser and remove its profile before both are killed.
PATIENCE_S = 10.0


def at_loop_end(cleanup: Callable[[], Awaitable[None]]) -> AsyncGenerator[None, None]:
    """Have the running loop await ``cleanup`` when it finalizes its async generators.

    The caller keeps the returned generator referenced (the loop holds it weakly). Its first step
    is taken here by hand, since the caller is not a coroutine: that step is what registers it
    with the loop (asyncio's first-iteration hook), and it stops at once at its ``yield``.
    """

    async def waiting() -> AsyncGenerator[None, None]:
        try:
            yield
        finally:
            await cleanup()

    generator = waiting()
    first = generator.asend(None)
    with contextlib.suppress(StopIteration):
        first.send(None)
    return generator


async def end_driver(
    manager: object, driver: psutil.Process, browser: psutil.Process | None, profile: Path | None
) -> None:
    """End a Playwright driver that no longer answers, and its browser, leaving no profile behind.

    Closing the driver's pipe is how Playwright itself stops it: the driver then closes its
    browsers, removes their profiles and exits, and asyncio sees its process end (no "unclosed
    transport" or "subprocess is still running" warnings). That pipe is reached through
    Playwright's own objects (``manager``: what ``async_playwright()`` returned); if a Playwright
    release moves them, a signal does the same but for those warnings.
    """
    transport = getattr(getattr(manager, "_client", None), "_transport", None)
    process = getattr(transport, "_proc", None)
    if transport is not None and isinstance(process, asyncio.subprocess.Process):
        with contextlib.suppress(Exception):
            transport.request_stop()
            await asyncio.wait_for(process.wait(), PATIENCE_S)
    with contextlib.suppress(psutil.Error):
        if not gone(driver):
            driver.terminate()  # the driver closes its browsers and removes their profiles
    deadline = asyncio.get_running_loop().time() + PATIENCE_S
    while asyncio.get_running_loop().time() < deadline and not (
        gone(browser) and (profile is None or not profile.exists())
    ):
        await asyncio.sleep(0.05)
    with contextlib.suppress(psutil.Error):
        if browser is not None and not gone(browser):  # killed while the driver, its parent, still is
            for child in browser.children(recursive=True):
                child.kill()
            browser.kill()
    with contextlib.suppress(psutil.Error):
        if not gone(driver):
            driver.kill()


def gone(proc: psutil.Process | None) -> bool:
    """Whether ``proc`` has exited (a zombie waiting for its parent to read its status has)."""
    if proc is None:
        return True
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.Error:
        return True


def user_data_dir(cmdline: list[str]) -> Path | None:
    """The profile directory a Chromium was launched with, if the command line names one."""
    for arg in cmdline:
        if arg.startswith("--user-data-dir="):
            return Path(arg.split("=", 1)[1])
    return None
