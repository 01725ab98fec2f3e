"""OSWorld's ``update_browse_history`` setup step: the browser's History database, holding the
task's pages and no others, put in the profile before the browser starts.

OSWorld uploads a copy of an empty History database (downloaded from its file cache) with the
task's entries added, over the VM's one. Nothing may download here, so the database is written
afresh: the ``urls`` and ``visits`` tables in the layout of Chromium's History (version 70, which
Debian's Chromium 156 writes); Chromium adds its other tables and its ``meta`` table when it opens
the file. It is built for each episode as it starts (`database`), so that "an hour ago" is an hour
before the episode, not before the file was loaded.

A browser reads its History when it starts and writes it from then on: an entry written while one
runs would be lost, so the step is refused when it comes after a step that starts the browser.
"""

from __future__ import annotations

import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError

#: Where the step writes, in HOME (the profile `palaestra.envs.desktop.browser_app` gives Chromium).
HISTORY = ".config/chromium/Default/History"
#: Chromium counts time in microseconds since 1601-01-01 UTC.
EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
#: A visit's transition as OSWorld writes it: a link followed, the start and end of its chain.
TRANSITION = 805306368
#: The two tables as Chromium's History (version 70) has them.
SCHEMA = (
    "CREATE TABLE urls(id INTEGER PRIMARY KEY AUTOINCREMENT,url LONGVARCHAR,title LONGVARCHAR,"
    "visit_count INTEGER DEFAULT 0 NOT NULL,typed_count INTEGER DEFAULT 0 NOT NULL,"
    "last_visit_time INTEGER NOT NULL,hidden INTEGER DEFAULT 0 NOT NULL)",
    "CREATE TABLE visits(id INTEGER PRIMARY KEY AUTOINCREMENT,url INTEGER NOT NULL,"
    "visit_time INTEGER NOT NULL,from_visit INTEGER,external_referrer_url TEXT,"
    "transition INTEGER DEFAULT 0 NOT NULL,segment_id INTEGER,visit_duration INTEGER DEFAULT 0 NOT NULL,"
    "incremented_omnibox_typed_score BOOLEAN DEFAULT FALSE NOT NULL,opener_visit INTEGER,"
    "originator_cache_guid TEXT,originator_visit_id INTEGER,originator_from_visit INTEGER,"
    "originator_opener_visit INTEGER,is_known_to_sync BOOLEAN DEFAULT FALSE NOT NULL,"
    "consider_for_ntp_most_visited BOOLEAN DEFAULT FALSE NOT NULL,"
    "visited_link_id INTEGER DEFAULT 0 NOT NULL,app_id TEXT)",
)


@dataclass(frozen=True)
class Visit:
    """One page of the history: its URL and title, and how long before the episode it was seen."""

    url: str
    title: str
    seconds_ago: float


def visits(params: dict[str, Any], source: str, where: str) -> tuple[Visit, ...]:
    """The step's ``history`` entries (``url``, ``title``, ``visit_time_from_now_in_seconds``).
    Their URLs are only written down, never opened: internet pages are allowed."""
    entries = params.get("history")
    if not isinstance(entries, list) or not entries:
        raise OSWorldTaskError(source, where, 'needs "history": a list of {"url", "title", ...} entries')
    found = []
    for i, entry in enumerate(entries):
        at = f"{where} history[{i}]"
        if not isinstance(entry, dict):
            raise OSWorldTaskError(source, at, f"each entry is an object, got {entry!r}")
        url, title = entry.get("url"), entry.get("title", "")
        ago = entry.get("visit_time_from_now_in_seconds")
        if not isinstance(url, str) or not url.strip():
            raise OSWorldTaskError(source, at, f"`url` must be a page's address, got {url!r}")
        if not isinstance(title, str):
            raise OSWorldTaskError(source, at, f"`title` must be text, got {title!r}")
        if isinstance(ago, bool) or not isinstance(ago, int | float) or ago < 0:
            raise OSWorldTaskError(
                source, at, f"`visit_time_from_now_in_seconds` must be a number >= 0, got {ago!r}"
            )
        found.append(Visit(url.strip(), title, float(ago)))
    return tuple(found)


def chrome_time(moment: datetime) -> int:
    """``moment`` in Chromium's count (microseconds since 1601, UTC)."""
    return round((moment - EPOCH).total_seconds() * 1_000_000)


def database(history: tuple[Visit, ...], now: datetime) -> bytes:
    """The History database's bytes: each visit a row of ``urls`` and one of ``visits``, seen
    ``seconds_ago`` before ``now``."""
    with tempfile.TemporaryDirectory(prefix="palaestra-history-") as folder:
        path = Path(folder) / "History"
        db = sqlite3.connect(path)
        try:
            for statement in SCHEMA:
                db.execute(statement)
            for visit in history:
                seen = chrome_time(now) - round(visit.seconds_ago * 1_000_000)
                row = db.execute(
                    "INSERT INTO urls (url, title, visit_count, typed_count, last_visit_time, hidden) "
                    "VALUES (?, ?, 1, 0, ?, 0)",
                    (visit.url, visit.title, seen),
                )
                db.execute(
                    "INSERT INTO visits (url, visit_time, from_visit, transition, segment_id, "
                    "visit_duration) VALUES (?, ?, 0, ?, 0, 0)",
                    (row.lastrowid, seen, TRANSITION),
                )
            db.commit()
        finally:
            db.close()
        return path.read_bytes()
