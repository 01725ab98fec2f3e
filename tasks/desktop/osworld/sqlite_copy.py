"""Queries on an app's SQLite database, read from a copy.

A running app holds its database locked, and a reader must never change what the agent left, so
the file is copied first with its companions: a transaction in flight (``-journal``) rolls back, as
the app's own would, and commits still in the write-ahead log (``-wal``) are read, as the app reads
them. The query comes from a task file, not from a model, but it still may not reach beyond the
copy: ``ATTACH`` (which creates files) is denied.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

COMPANIONS = ("-journal", "-wal")


def query_copy(source: Path, home: Path, query: str) -> list[tuple[Any, ...]] | None:
    """The rows of ``query`` on a copy of the database ``source`` (in ``home``). None when it is
    missing or unreadable, the query fails, or it or a companion leads out of ``home`` (a link the
    agent made): a score of 0, not a failed verdict."""
    home = home.resolve()
    with tempfile.TemporaryDirectory(prefix="palaestra-sqlite-") as folder:
        try:
            source = source.resolve()
            if not source.is_relative_to(home) or not source.is_file():
                return None
            copy = Path(folder) / source.name
            shutil.copyfile(source, copy)
            for suffix in COMPANIONS:
                companion = source.with_name(source.name + suffix)
                if not companion.is_file():
                    continue
                if not companion.resolve().is_relative_to(home):
                    return None
                shutil.copyfile(companion, copy.with_name(copy.name + suffix))
        except OSError:
            return None
        db = sqlite3.connect(copy)
        db.set_authorizer(_no_attach)
        try:
            return list(db.execute(query))
        except sqlite3.Error:
            return None
        finally:
            db.close()


def _no_attach(action: int, *_args: Any) -> int:
    return (
        sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK
    )
