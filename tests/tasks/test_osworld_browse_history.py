"""OSWorld's ``update_browse_history`` setup step: the History database it writes as each episode
starts (real SQLite, read back by the ``history`` getter and judged by ``check_history_deleted``),
and the steps it is refused in."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedStepError, load_task
from palaestra.tasks.desktop.osworld import browse_history as bh
from palaestra.tasks.desktop.osworld.chrome_getters import history

from .test_osworld_chrome_more import DEFAULT, LAUNCH, outcome, rule, task

# -- update_browse_history ---------------------------------------------------------------------

HISTORY_STEP = {
    "type": "update_browse_history",
    "parameters": {
        "history": [
            {
                "url": "https://www.youtube.com/watch?v=1",
                "title": "A video",
                "visit_time_from_now_in_seconds": 3600,
            },
            {"url": "https://www.nytimes.com/", "title": "News", "visit_time_from_now_in_seconds": 60},
        ]
    },
}
DELETED = {
    "func": "check_history_deleted",
    "result": {"type": "history"},
    "expected": rule({"type": "keywords", "keywords": ["youtube"]}),
}


def test_the_history_step_writes_the_database_as_each_episode_starts(tmp_path: Path) -> None:
    loaded = load_task(task(tmp_path, DELETED, [HISTORY_STEP, LAUNCH]))
    before = datetime.now(UTC)
    written = loaded.setup(random.Random(0)).files[bh.HISTORY]
    home = tmp_path / "home"
    (home / DEFAULT).mkdir(parents=True)
    (home / bh.HISTORY).write_bytes(written if isinstance(written, bytes) else written.encode())
    rows = history(outcome(home)) or []
    assert [(u, t) for u, t, _ in rows] == [
        ("https://www.youtube.com/watch?v=1", "A video"),
        ("https://www.nytimes.com/", "News"),
    ]
    hour_ago = bh.chrome_time(before) - 3600 * 1_000_000
    assert 0 <= rows[0][2] - hour_ago < 60 * 1_000_000  # an hour before this episode, not before the load
    with sqlite3.connect(home / bh.HISTORY) as db:
        assert db.execute("SELECT url, transition FROM visits ORDER BY id").fetchall() == [
            (1, bh.TRANSITION),
            (2, bh.TRANSITION),
        ]
    assert loaded.evaluate(outcome(home)).reward == 0.0  # the youtube page is in the history
    with sqlite3.connect(home / bh.HISTORY) as db:
        db.execute("DELETE FROM urls WHERE url LIKE '%youtube%'")
    assert loaded.evaluate(outcome(home)).reward == 1.0


def test_the_history_step_is_refused_once_the_browser_runs_or_when_malformed(tmp_path: Path) -> None:
    with pytest.raises(OSWorldTaskError, match="after a step that starts the browser"):
        load_task(task(tmp_path, DELETED, [LAUNCH, HISTORY_STEP]))
    opened = {"type": "chrome_open_tabs", "parameters": {"urls_to_open": ["about:blank"]}}
    with pytest.raises(OSWorldTaskError, match="after a step that starts the browser"):
        load_task(task(tmp_path, DELETED, [opened, HISTORY_STEP]))
    with pytest.raises(UnsupportedStepError, match="before the browser starts"):
        load_task(task(tmp_path, {**DELETED, "postconfig": [HISTORY_STEP]}))
    bad = {"type": "update_browse_history", "parameters": {"history": [{"url": "https://a", "title": "A"}]}}
    with pytest.raises(OSWorldTaskError, match="visit_time_from_now_in_seconds"):
        load_task(task(tmp_path, DELETED, [bad, LAUNCH]))
    assert not load_task(task(tmp_path, DELETED, [LAUNCH])).setup(random.Random(0)).files
