"""The metadata side of the memory: one SQLite row per exemplar.

The working database lives in RAM and is copied to and from disk with SQLite's online backup, so a
save writes one consistent file into the temporary directory that is then swapped in whole; there
is no half-written database on disk to recover from. Vectors are not stored here: the FAISS index
keeps them and can hand them back, so the row table stays small and loads fast.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.memory.errors import UnknownFilterError
from palaestra.memory.exemplar import FILTER_FIELDS, Exemplar, canonical_json

SCHEMA = """
CREATE TABLE IF NOT EXISTS exemplars (
    id TEXT PRIMARY KEY,
    fid INTEGER NOT NULL UNIQUE,
    content_hash TEXT NOT NULL UNIQUE,
    goal TEXT NOT NULL,
    suite TEXT NOT NULL,
    task TEXT NOT NULL,
    site TEXT,
    initial_state TEXT,
    success INTEGER NOT NULL,
    reward REAL NOT NULL,
    source TEXT NOT NULL,
    trajectory TEXT NOT NULL,
    metadata TEXT NOT NULL,
    added_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS exemplars_suite_task ON exemplars (suite, task);
CREATE INDEX IF NOT EXISTS exemplars_task ON exemplars (task);
CREATE INDEX IF NOT EXISTS exemplars_site ON exemplars (site);
CREATE INDEX IF NOT EXISTS exemplars_source ON exemplars (source);
"""
COLUMNS = (
    "id", "goal", "suite", "task", "site", "initial_state", "success", "reward", "source",
    "trajectory", "metadata",
)  # fmt: skip
_SELECT = f"SELECT fid, {', '.join(COLUMNS)} FROM exemplars"


def _row_to_exemplar(row: Sequence[Any]) -> tuple[int, Exemplar]:
    values = dict(zip(COLUMNS, row[1:], strict=True))
    values["success"] = bool(values["success"])
    values["trajectory"] = json.loads(values["trajectory"])
    values["metadata"] = json.loads(values["metadata"])
    return int(row[0]), Exemplar(**values)


def filter_clause(filters: Mapping[str, Any] | None) -> tuple[str, list[Any]]:
    """SQL ``WHERE`` for equality filters; a list/tuple/set value means "any of these"."""
    if not filters:
        return "", []
    parts: list[str] = []
    params: list[Any] = []
    for key, value in filters.items():
        if key not in FILTER_FIELDS:
            raise UnknownFilterError(key, FILTER_FIELDS)
        values = list(value) if isinstance(value, list | tuple | set | frozenset) else [value]
        if key == "success":
            values = [int(bool(v)) for v in values]
        non_null = [v for v in values if v is not None]
        ors = []
        if non_null:
            ors.append(f"{key} IN ({', '.join('?' * len(non_null))})")
            params.extend(non_null)
        if len(non_null) < len(values):
            ors.append(f"{key} IS NULL")
        parts.append("(" + (" OR ".join(ors) or "0") + ")")
    return " WHERE " + " AND ".join(parts), params


class ExemplarStore:
    """CRUD over the ``exemplars`` table of an in-RAM SQLite database."""

    def __init__(self, source: Path | None = None) -> None:
        # Not tied to the creating thread; ExemplarMemory is still single-writer (see its docstring).
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        if source is not None:
            disk = sqlite3.connect(f"{Path(source).resolve().as_uri()}?mode=ro", uri=True)
            try:
                disk.backup(self.db)
            finally:
                disk.close()
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def save_to(self, path: Path) -> None:
        """Write a consistent copy of the database to ``path`` (which must not exist yet)."""
        self.db.commit()
        disk = sqlite3.connect(str(path))
        try:
            self.db.backup(disk)
            disk.commit()
        finally:
            disk.close()

    def __len__(self) -> int:
        return int(self.db.execute("SELECT COUNT(*) FROM exemplars").fetchone()[0])

    def insert(self, fid: int, ex: Exemplar, chash: str) -> None:
        self.db.execute(
            "INSERT INTO exemplars (fid, content_hash, added_at, " + ", ".join(COLUMNS) + ") "
            "VALUES (?, ?, ?, " + ", ".join("?" * len(COLUMNS)) + ")",
            [fid, chash, time.time(), *self._values(ex)],
        )

    def replace(self, fid: int, ex: Exemplar, chash: str) -> None:
        """Overwrite the row of ``ex.id`` (keeping its ``added_at``), with a possibly new ``fid``."""
        sets = ", ".join(f"{c} = ?" for c in COLUMNS[1:])
        self.db.execute(
            f"UPDATE exemplars SET fid = ?, content_hash = ?, {sets} WHERE id = ?",
            [fid, chash, *self._values(ex)[1:], ex.id],
        )

    @staticmethod
    def _values(ex: Exemplar) -> list[Any]:
        return [
            ex.id, ex.goal, ex.suite, ex.task, ex.site, ex.initial_state, int(bool(ex.success)),
            float(ex.reward), ex.source, canonical_json(ex.trajectory), canonical_json(ex.metadata),
        ]  # fmt: skip

    def delete(self, ids: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM exemplars WHERE id = ?", [(i,) for i in ids])

    def get(self, exemplar_id: str) -> tuple[int, Exemplar] | None:
        row = self.db.execute(f"{_SELECT} WHERE id = ?", (exemplar_id,)).fetchone()
        return None if row is None else _row_to_exemplar(row)

    def by_fids(self, fids: Sequence[int]) -> dict[int, Exemplar]:
        out: dict[int, Exemplar] = {}
        for start in range(0, len(fids), 500):  # stay under SQLite's bound-parameter limit
            chunk = [int(f) for f in fids[start : start + 500]]
            rows = self.db.execute(f"{_SELECT} WHERE fid IN ({', '.join('?' * len(chunk))})", chunk)
            out.update(_row_to_exemplar(row) for row in rows)
        return out

    def id_for_hash(self, chash: str) -> str | None:
        row = self.db.execute("SELECT id FROM exemplars WHERE content_hash = ?", (chash,)).fetchone()
        return None if row is None else str(row[0])

    def fid_of(self, exemplar_id: str) -> int | None:
        row = self.db.execute("SELECT fid FROM exemplars WHERE id = ?", (exemplar_id,)).fetchone()
        return None if row is None else int(row[0])

    def fids(self, filters: Mapping[str, Any] | None = None) -> np.ndarray:
        """The ``fid`` of every row matching ``filters`` (all rows when ``None``)."""
        where, params = filter_clause(filters)
        rows = self.db.execute(f"SELECT fid FROM exemplars{where}", params).fetchall()
        return np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM exemplars ORDER BY added_at, fid")]
