"""The isolation check that tests and ``bench.speed.sites`` share: two episodes of the shop change the same
record (Emma Lopez's last name) through the site's own form at the same time, in two browser
contexts served by the same site process; both must succeed and neither may see the other's write.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from playwright.async_api import Browser

from palaestra.sites.runtime import SiteRuntime

LAST_NAME = "SELECT last_name FROM auth_user WHERE username = 'emma.lopez'"


@dataclass(frozen=True)
class Rename:
    wanted: str
    shown: str  # what the episode's own profile page shows afterwards
    stored: str  # what the episode's own database holds


def read_value(db: Path, query: str) -> object:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query).fetchone()[0]


async def rename(browser: Browser, runtime: SiteRuntime, name: str) -> Rename:
    """Log in as Emma in a fresh episode and context, and change her last name through the form."""
    episode = await asyncio.to_thread(runtime.new_episode, ["shop"])
    context = await browser.new_context(extra_http_headers=episode.headers)
    try:
        await context.add_cookies(episode.login_cookies())
        page = await context.new_page()
        await page.goto(runtime.url("shop") + "/accounts/profile/edit/")
        await page.get_by_label("Last name").fill(name)
        await page.get_by_role("button", name="Save").click()
        await page.wait_for_url("**/accounts/profile/")
        shown = await page.locator("table").first.inner_text()
        stored = str(read_value(episode.database("shop"), LAST_NAME))
    finally:
        await context.close()
        episode.discard()
    return Rename(name, shown, stored)


async def concurrent_renames(browser: Browser, runtime: SiteRuntime) -> tuple[Rename, Rename, str]:
    """Two renames at once, then the seed's value as a third, fresh episode sees it."""
    a, b = await asyncio.gather(
        rename(browser, runtime, "Parallel-A"), rename(browser, runtime, "Parallel-B")
    )
    fresh = await asyncio.to_thread(runtime.new_episode, ["shop"])
    seeded = str(read_value(fresh.database("shop"), LAST_NAME))
    fresh.discard()
    return a, b, seeded


def isolated(a: Rename, b: Rename, seeded: str) -> bool:
    return (
        f"Emma {a.wanted}" in a.shown and a.stored == a.wanted and b.wanted not in a.shown
        and f"Emma {b.wanted}" in b.shown and b.stored == b.wanted and a.wanted not in b.shown
        and seeded == "Lopez"
    )  # fmt: skip
