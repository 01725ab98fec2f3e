"""``send_plain`` answers what ``CDPSession.send`` answers, on real Chromium, without Playwright's
walk over the answer (`envs/cdp_calls.py`): the same dicts for the snapshot and the accessibility
tree, the same error class for a call Chromium refuses, and the walk is not made."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from playwright.async_api import Browser
from playwright.async_api import Error as PlaywrightError
from playwright.async_api._generated import mapping

from palaestra.envs.cdp_calls import send_plain
from palaestra.envs.observation import SNAPSHOT_PARAMS

PAGE = "<title>t</title><main><h1>Shop</h1>" + "".join(
    f"<p><a href='#{i}'>item {i}</a> <button>Buy {i}</button></p>" for i in range(200)
)


def test_send_plain_answers_as_send_does_without_the_walk(
    browser: Browser, loop: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def check() -> None:
        context = await browser.new_context()
        page = await context.new_page()
        await page.set_content(PAGE)
        cdp = await context.new_cdp_session(page)
        walked: list[Any] = []
        walk = mapping.from_maybe_impl

        def counted(obj: Any, *rest: Any) -> Any:
            walked.append(obj)
            return walk(obj, *rest)

        for method, params in [
            ("DOMSnapshot.captureSnapshot", SNAPSHOT_PARAMS),
            ("Accessibility.getFullAXTree", None),
        ]:
            public = await cdp.send(method, params)
            monkeypatch.setattr(mapping, "from_maybe_impl", counted)
            plain = await send_plain(cdp, method, params)
            monkeypatch.undo()
            assert plain == public and len(str(plain)) > 10_000
            assert walked == []  # the whole point: the answer is not walked
        with pytest.raises(PlaywrightError, match="wasn't found"):
            await send_plain(cdp, "Accessibility.noSuchMethod")
        await context.close()

    loop.run_until_complete(check())
