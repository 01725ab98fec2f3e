"""``BrowserEnv`` driven by an asyncio program of its own: ``asyncio.run``, ``async with``, its own
timeouts and cancellation, closing while a step runs. Real Chromium throughout."""

from __future__ import annotations

import asyncio
from pathlib import Path

import psutil
import pytest

from palaestra.envs import BrowserEnv
from palaestra.envs.loop_end import gone


def test_asyncio_run_ends_the_browser_its_loop_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's asyncio program left its Playwright driver and Chromium running after
    ``asyncio.run`` returned, until the process exited: a training loop that calls ``asyncio.run``
    per epoch gathered one browser (six processes) per epoch. Now the loop's end ends them, and
    the browser's profile directory goes with them."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # where the driver puts the browser's profile

    async def main() -> tuple[psutil.Process, psutil.Process]:
        env = BrowserEnv("miniwob.click-test", pages_ahead=0)
        await env.areset(seed=0)
        await env.aclose()  # the environment's contexts; the loop's browser stays for the next one
        browser = env.host.browser_process()
        assert browser is not None and "run-driver" in browser.parent().cmdline()
        return browser, browser.parent()

    browser, driver = asyncio.run(main())
    assert gone(driver) and gone(browser)
    assert not list(tmp_path.glob("playwright*"))
