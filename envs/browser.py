"""One Chromium process per event loop, shared by every environment on that loop.

Launching Chromium costs about a second; a browser context costs a few milliseconds. So a
``BrowserHost`` launches the browser once and hands out fresh contexts (isolated cookies and
storage) to episodes. If the browser dies or stops answering, the next ``ensure_browser`` call
replaces it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import uuid
import weakref
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from playwright.async_api import Browser, BrowserContext, Playwright, async_playwright

from palaestra.envs.loop_end import at_loop_end, end_driver, user_data_dir
from palaestra.errors import BrowserNotFoundError

#: Chromium features we switch off. Chromium reads only the last ``--disable-features`` flag, so this
#: one replaces the list Playwright passes: it repeats the entries of Playwright's list that matter
#: to us (profiles destroyed on close, no paint holding, no third-party storage partitioning, no
#: HTTPS upgrades of HTTP task sites, no calls home) and adds our own.
DISABLED_FEATURES = (
    # Playwright's, kept.
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    # Ours: no network chatter on a machine with no network.
    "Translate",
    "MediaRouter",
    "OptimizationHints",
    # Every new window (so every episode's fresh context) of Chromium 15x otherwise loads the
    # omnibox popup's WebUI in a renderer process of its own: an agent never sees that popup, and
    # it doubled the processes per episode and the CPU of preparing a page (measured: 1.3 s of
    # CPU per page down to 0.5 s on a loaded 2-core machine).
    "WebUIOmniboxPopup",
    "WebUIOmniboxAimPopup",
)

#: Flags that keep Chromium quiet on a machine with no network and no GPU.
CHROMIUM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-features=" + ",".join(DISABLED_FEATURES),
)

SYSTEM_CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")
#: Debian's ``chromium-headless-shell``: the same engine without the browser's windows and toolbars.
#: Chromium's own headless mode lays out and paints a hidden window, toolbar and tab strip for every
#: new context; the shell has none, which makes a fresh context and page cost about 40% less CPU
#: (0.31 s instead of 0.51-0.58 s per MiniWoB++ page on a loaded 2-core machine) for the same pages.
SYSTEM_HEADLESS_SHELL_PATHS = ("/usr/lib/chromium/chromium-headless-shell",)


def find_chromium(playwright: Playwright | None = None, headless: bool = True) -> str | None:
    """Return the Chromium to launch, or None for "Playwright's own, if installed".

    Order: ``$PALAESTRA_CHROMIUM``; Playwright's own Chromium when it is installed; for a headless
    browser, the system's headless shell when installed; the system's Chromium. Raises
    ``BrowserNotFoundError`` naming the fix when there is none.
    """
    configured = os.environ.get("PALAESTRA_CHROMIUM")
    if configured:
        if not Path(configured).is_file():
            raise BrowserNotFoundError(
                f"PALAESTRA_CHROMIUM={configured!r} is not a file. Point it at a Chromium binary "
                "or unset it to use Playwright's or the system's Chromium."
            )
        return configured
    if playwright is not None and Path(playwright.chromium.executable_path).is_file():
        return None
    shells = SYSTEM_HEADLESS_SHELL_PATHS if headless else ()
    for candidate in (*shells, *SYSTEM_CHROMIUM_PATHS, shutil.which("chromium") or ""):
        if candidate and Path(candidate).is_file():
            return candidate
    raise BrowserNotFoundError(
        "No Chromium found. Install one with `apt-get install -y chromium` (Debian/Ubuntu) or "
        "`python -m playwright install chromium`, or set PALAESTRA_CHROMIUM to a Chromium binary."
    )


@dataclass
class BrowserOptions:
    """How to launch the shared browser."""

    headless: bool = True
    executable_path: str | None = None
    extra_args: tuple[str, ...] = ()


@dataclass
class BrowserHost:
    """Owns the Playwright driver and one Chromium for one event loop."""

    options: BrowserOptions = field(default_factory=BrowserOptions)
    _playwright: Playwright | None = None
    #: What started ``_playwright`` (``async_playwright()``): the way to its driver's pipe.
    _manager: object = None
    _browser: Browser | None = None
    _marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: The browser's process, its parent (Playwright's driver) and its profile, read at launch.
    _processes: tuple[psutil.Process, psutil.Process, Path | None] | None = None
    #: Kept so that the loop's end closes this host (`loop_end`); set by `host_for_running_loop`.
    _loop_end: AsyncGenerator[None, None] | None = None
    launches: int = 0

    async def ensure_browser(self, health_timeout: float = 5.0) -> Browser:
        """Return a live browser, replacing one that crashed or hangs."""
        async with self._lock:
            if self._browser is not None and self._browser.is_connected():
                try:
                    await asyncio.wait_for(self._probe(self._browser), health_timeout)
                    return self._browser
                except Exception:  # hung (timeout) or gone: replace it
                    await self._discard_browser()
            elif self._browser is not None:
                await self._discard_browser()
            self._browser = await self._launch()
            return self._browser

    async def replace_browser(self) -> Browser:
        """Kill the browser (it hangs or is gone) and launch a new one."""
        async with self._lock:
            await self._discard_browser()
            self._browser = await self._launch()
            return self._browser

    async def _probe(self, browser: Browser) -> None:
        """A round trip through the browser process: a hung browser does not answer it.

        No ``finally`` here: cleaning up after a cancelled probe would wait on the hung browser and
        so block the cancellation (``asyncio.wait_for`` waits for it) for ever.
        """
        session = await browser.new_browser_cdp_session()
        await session.send("Browser.getVersion")
        await session.detach()

    async def new_context(self, **kwargs: object) -> BrowserContext:
        """A fresh context in the current browser (launched when there is none).

        No health check: it costs three round trips through the browser, and environments make a
        context per episode. They check the browser when a reset finds nothing prepared, and
        replace a hung one when a reset times out.
        """
        browser = self._browser
        if browser is None or not browser.is_connected():
            browser = await self.ensure_browser()
        return await browser.new_context(**kwargs)  # type: ignore[arg-type]

    async def _launch(self) -> Browser:
        if self._playwright is None:
            manager = self._manager = async_playwright()
            self._playwright = await manager.start()
        executable = self.options.executable_path or find_chromium(self._playwright, self.options.headless)
        args = [*CHROMIUM_FLAGS, *self.options.extra_args, f"--palaestra-host={self._marker}"]
        browser = await self._playwright.chromium.launch(
            executable_path=executable, headless=self.options.headless, args=args
        )
        self.launches += 1
        proc = self.browser_process()
        with contextlib.suppress(psutil.Error):
            if proc is not None:
                self._processes = (proc, proc.parent() or proc, user_data_dir(proc.cmdline()))
        return browser

    async def _discard_browser(self, graceful: bool = False) -> None:
        """Drop the browser. A crashed or hung one is killed first; closing it would hang."""
        browser, self._browser = self._browser, None
        if browser is None:
            return
        if not graceful:
            self.kill_browser_process()
        with contextlib.suppress(Exception):  # already dead: nothing left to close
            await asyncio.wait_for(browser.close(), 5)
        self.kill_browser_process()

    def browser_process(self) -> psutil.Process | None:
        """The browser's main process (found by the marker flag it was launched with)."""
        flag = f"--palaestra-host={self._marker}"
        for proc in psutil.Process().children(recursive=True):
            try:
                cmdline = proc.cmdline()
            except psutil.Error:
                continue
            if flag in cmdline and not any(arg.startswith("--type=") for arg in cmdline):
                return proc
        return None

    def kill_browser_process(self) -> None:
        proc = self.browser_process()
        if proc is not None:
            try:
                for child in proc.children(recursive=True):
                    child.kill()
                proc.kill()
            except psutil.Error:
                pass

    @property
    def browser(self) -> Browser | None:
        return self._browser

    async def close(self) -> None:
        await self._discard_browser(graceful=True)
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
        self._processes = None

    async def _at_loop_end(self) -> None:
        """The host's loop is ending and Playwright's reader is cancelled: end the driver and its
        browser by signal (`loop_end`) rather than asking them, which no answer would come back to."""
        processes, self._processes = self._processes, None
        self._browser = self._playwright = None
        if processes is not None:
            browser, driver, profile = processes
            await end_driver(self._manager, driver, None if browser is driver else browser, profile)


_hosts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, BrowserHost] = weakref.WeakKeyDictionary()


def host_for_running_loop() -> BrowserHost:
    """The shared ``BrowserHost`` of the running event loop (created on first use)."""
    loop = asyncio.get_running_loop()
    host = _hosts.get(loop)
    if host is None:
        host = _hosts[loop] = BrowserHost()
        host._loop_end = at_loop_end(lambda: _end_with_loop(loop, host))
    return host


async def _end_with_loop(loop: asyncio.AbstractEventLoop, host: BrowserHost) -> None:
    """Close ``host`` as its loop ends, and forget it: its generator refers to the loop, which
    would otherwise keep the loop alive as this weak mapping's key."""
    _hosts.pop(loop, None)
    await host._at_loop_end()
