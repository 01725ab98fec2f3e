"""The isolation check that tests and ``bench.speed.sites`` share: two episodes of a site change the
same record through the site's own form at the same time, in two browser contexts served by the same
site process; both must succeed, neither may see the other's write, and the seed keeps its value.

One record per site that has a form a person edits (``RECORDS``): Emma's last name in the shop, a
ticket's title on the code host (stored in the episode's copy of the project's Fossil repository),
an article's title on the wiki. The same records serve the runtime tests of reset and crashes.
"""

from __future__ import annotations

import asyncio
import sqlite3
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from palaestra.sites.registry import get_site

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from palaestra.sites.runtime import Episode, SiteRuntime

LAST_NAME = "SELECT last_name FROM auth_user WHERE username = 'emma.lopez'"


@dataclass(frozen=True)
class Record:
    """One seeded value of a site and the form that changes it."""

    site: str
    #: The edit form, under the site's base URL.
    edit_path: str
    #: The form's text field that holds the value (a CSS selector).
    field: str
    #: The buttons pressed in turn after filling the field (each loads a page).
    buttons: tuple[str, ...]
    #: Reads the value from the episode's database file ``file`` (relative to the episode's folder).
    query: str
    file: str
    #: The value in the seed.
    seeded: str

    def stored(self, episode: Episode) -> str:
        return str(read_value(episode.folder / self.file, self.query))

    def db_state(self, expected: str) -> dict[str, str]:
        """A ``db_state`` check of WebArena's task format: the record holds ``expected``."""
        dataset = get_site(self.site).dataset
        return {"dataset": dataset, "file": self.file, "query": self.query, "expected": expected}


def read_value(db: Path, query: str) -> object:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(query).fetchone()[0]


def _shop(runtime: SiteRuntime) -> Record:
    seeded = str(read_value(runtime.build_of("shop") / "db.sqlite3", LAST_NAME))
    return Record("shop", "/accounts/profile/edit/", "input[name=last_name]", ("Save",), LAST_NAME,
                  "shop.sqlite3", seeded)  # fmt: skip


def _code(runtime: SiteRuntime) -> Record:
    """The first open ticket of a public project in which the seeded account may edit tickets."""
    account = runtime.default_account("code")
    project, uuid, title = _row(
        runtime.build_of("code") / "db.sqlite3",
        "SELECT t.project, t.uuid, t.title FROM ticket t JOIN project p ON p.name = t.project"
        " JOIN member m ON m.project = t.project WHERE p.public = 1 AND m.login = ?"
        " AND m.role IN ('owner', 'developer') AND t.status = 'Open' ORDER BY t.project, t.uuid LIMIT 1",
        account,
    )
    query = f"SELECT title FROM ticket WHERE tkt_uuid = '{uuid}'"
    return Record("code", f"/{project}/tktedit/{uuid}", "input[name=title]", ("Preview", "Submit"), query,
                  f"repos/{project}.fossil", title)  # fmt: skip


def _wiki(runtime: SiteRuntime) -> Record:
    """The first article (by id) in a section, with a plain title."""
    article, path, title = _row(
        runtime.build_of("wiki") / "db.sqlite3",
        "SELECT a.id, s.slug || '/' || p.slug, r.title FROM wiki_urlpath p"
        " JOIN wiki_urlpath s ON s.id = p.parent_id JOIN wiki_article a ON a.id = p.article_id"
        " JOIN wiki_articlerevision r ON r.id = a.current_revision_id"
        " WHERE p.level = 2 AND r.title GLOB '[A-Za-z]*' ORDER BY a.id LIMIT 1",
    )
    query = (
        "SELECT r.title FROM wiki_article a JOIN wiki_articlerevision r ON r.id = a.current_revision_id"
        f" WHERE a.id = {int(article)}"
    )
    return Record("wiki", f"/{path}/_edit/", "input[name=title]", ("Save changes",), query, "wiki.sqlite3",
                  title)  # fmt: skip


def _row(db: Path, query: str, *params: object) -> tuple[str, ...]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(query, params).fetchone()
    if row is None:
        raise LookupError(f"the seed {db} holds no record for the isolation check ({query})")
    return tuple(str(v) for v in row)


#: Site -> the record its checks change.
RECORDS: dict[str, Callable[[SiteRuntime], Record]] = {"shop": _shop, "code": _code, "wiki": _wiki}


@dataclass(frozen=True)
class Change:
    wanted: str
    shown: str  # what the episode's own page shows after the form is saved
    stored: str  # what the episode's own database holds


async def change(browser: Browser, runtime: SiteRuntime, record: Record, value: str) -> Change:
    """Log in as the site's seeded account in a fresh episode and context, and set the record to
    ``value`` through the site's form."""
    episode = await asyncio.to_thread(runtime.new_episode, [record.site])
    context = await browser.new_context(extra_http_headers=episode.headers)
    try:
        await context.add_cookies(episode.login_cookies())
        page = await context.new_page()
        await page.goto(runtime.url(record.site) + record.edit_path)
        await page.locator(record.field).fill(value)
        for button in record.buttons:
            async with page.expect_navigation():
                await page.get_by_role("button", name=button).first.click()
        shown = await page.locator("body").inner_text()
        stored = record.stored(episode)
    finally:
        await context.close()
        episode.discard()
    return Change(value, shown, stored)


def visit(runtime: SiteRuntime, episode: Episode, site: str) -> None:
    """One request of the episode to the site: the code host copies an episode's repositories on its
    first request, so a fresh episode has none to read before it."""
    request = urllib.request.Request(runtime.url(site) + "/", headers=episode.headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()


@dataclass(frozen=True)
class Outcome:
    record: Record
    a: Change
    b: Change
    #: The record's value in a third episode begun after both changes.
    fresh: str

    @property
    def isolated(self) -> bool:
        a, b = self.a, self.b
        return (
            a.wanted in a.shown and a.stored == a.wanted and b.wanted not in a.shown
            and b.wanted in b.shown and b.stored == b.wanted and a.wanted not in b.shown
            and self.fresh == self.record.seeded
        )  # fmt: skip


async def concurrent_changes(browser: Browser, runtime: SiteRuntime, site: str) -> Outcome:
    """Two changes of the site's record at once, then the value a third, fresh episode sees."""
    record = await asyncio.to_thread(RECORDS[site], runtime)
    a, b = await asyncio.gather(
        change(browser, runtime, record, "Parallel-A"), change(browser, runtime, record, "Parallel-B")
    )
    fresh = await asyncio.to_thread(runtime.new_episode, [site])
    try:
        await asyncio.to_thread(visit, runtime, fresh, site)
        value = await asyncio.to_thread(record.stored, fresh)
    finally:
        fresh.discard()
    return Outcome(record, a, b, value)
