"""The run database: one SQLite file (WAL) with a row per episode and per step.

Only the run's parent process writes, and an episode with its steps is written in one transaction
when the episode ends, so a run killed at any moment (even SIGKILL) leaves a consistent database:
every finished episode complete, nothing half-written. Secrets are redacted on the way in
(`palaestra.redaction`): records and error messages by name and by value, actions and goals by value.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.redaction import redact, redact_recorded, redact_text
from palaestra.runs.attempt_spending import (
    SPENT_BY_ATTEMPT,
    attempt_spent,
    earlier_attempts,
    fold_killed,
    totals,
)
from palaestra.runs.records import EpisodeOutcome

if TYPE_CHECKING:
    from palaestra.agents.llm.ledger import AttemptSpend

DB_NAME = "results.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS invocations (
    id INTEGER PRIMARY KEY, started REAL NOT NULL, finished REAL, status TEXT, record TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS episodes (
    key TEXT PRIMARY KEY, agent TEXT NOT NULL, agent_name TEXT NOT NULL, agent_hash TEXT NOT NULL,
    task TEXT NOT NULL, seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('done', 'error')),
    outcome TEXT, success INTEGER NOT NULL, reward REAL NOT NULL, steps INTEGER NOT NULL,
    error_kind TEXT, error_message TEXT, attempts INTEGER NOT NULL,
    goal TEXT, reset_s REAL, elapsed_s REAL, tokens_in INTEGER, tokens_out INTEGER, cost REAL,
    started REAL, finished REAL, artifacts TEXT, worker TEXT, invocation INTEGER, extra TEXT
);
CREATE TABLE IF NOT EXISTS steps (
    episode TEXT NOT NULL REFERENCES episodes(key) ON DELETE CASCADE, idx INTEGER NOT NULL,
    action TEXT, error TEXT, reward REAL, env_s REAL, agent_s REAL, overhead_s REAL,
    tokens_in INTEGER, tokens_out INTEGER, cost REAL, screenshot TEXT, observation TEXT,
    PRIMARY KEY (episode, idx)
);
CREATE TABLE IF NOT EXISTS attempts (
    episode TEXT NOT NULL, attempt INTEGER NOT NULL, error_kind TEXT, error_message TEXT,
    finished REAL, invocation INTEGER, PRIMARY KEY (episode, attempt)
);
"""


#: SQLite's result codes for a file that is not, or is no longer, a readable database: SQLITE_CORRUPT
#: (a disk that lost writes, a copy taken mid-write or cut short) and SQLITE_NOTADB.
DAMAGED_CODES = frozenset({11, 26})


def is_damaged(exc: BaseException) -> bool:
    """Whether `exc` is SQLite saying that a database file is damaged (by its result code)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return isinstance(exc, sqlite3.DatabaseError) and isinstance(code, int) and code & 0xFF in DAMAGED_CODES


def damaged_message(run: str, exc: BaseException) -> str:
    """What a command says of a run whose database is damaged, and how to get its results back."""
    database = Path(run) / DB_NAME
    return (
        f"the run database {database} is damaged (SQLite: {exc}), so its results cannot be read. Keep "
        f"a copy of it, then let SQLite recover what it can: `sqlite3 {database} .recover | sqlite3 "
        f"{database.with_name('recovered.sqlite')}`, and put the recovered file in its place (or restore "
        f"a backup); the episodes' own files under {Path(run) / 'episodes'} are not affected. Or run "
        "into a new --out."
    )


class RunStore:
    """Read and write one run's database. Open with `RunStore(run_dir)`; close when done."""

    def __init__(self, run_dir: str | Path, *, readonly: bool = False) -> None:
        self.run_dir = Path(run_dir)
        self.path = self.run_dir / DB_NAME
        if readonly:
            if not self.path.is_file():
                raise FileNotFoundError(
                    f"{self.run_dir} is not a run directory (no {DB_NAME}); run `palaestra eval` first."
                )
            self.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        else:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            with self.db:
                self.db.executescript(_SCHEMA)
                self.db.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
        self.db.row_factory = sqlite3.Row

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self.db:
            yield self.db

    # -- run-level records ---------------------------------------------------------------------------

    def set_meta(self, key: str, value: Any) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(redact(value))))

    def meta(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else default

    def begin_invocation(self, record: dict[str, Any]) -> int:
        with self._tx() as db:
            cursor = db.execute(
                "INSERT INTO invocations (started, status, record) VALUES (?, 'running', ?)",
                (time.time(), json.dumps(redact(record))),
            )
        return int(cursor.lastrowid or 0)

    def mark_killed_invocations(self) -> None:
        """Invocations still marked running ended without a word (SIGKILL, a machine that went
        down): mark them ``killed``, so that the report does not show them running. Only a caller
        that holds the run's lock (`runs.run_lock`) may, since no other invocation runs then."""
        with self._tx() as db:
            db.execute("UPDATE invocations SET status = 'killed' WHERE status = 'running'")

    def end_invocation(self, invocation: int, status: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE invocations SET finished = ?, status = ? WHERE id = ?",
                (time.time(), status, invocation),
            )

    # -- episodes ------------------------------------------------------------------------------------

    def record(
        self, outcome: EpisodeOutcome, invocation: int = 0, ledger: list[AttemptSpend] | None = None
    ) -> int:
        """Write one attempt's result: the episode row, its steps, and (if it errored) the attempt.
        ``ledger``: the episode's attempts as the run's spending ledger charged them, to count
        those killed before they could report (`runs.attempt_spending.fold_killed`).

        Returns how many attempts the episode has had, this one included.
        """
        previous = self.db.execute(
            "SELECT attempts, error_kind, tokens_in, tokens_out, cost, extra FROM episodes WHERE key = ?",
            (outcome.key,),
        ).fetchone()
        attempts = (previous["attempts"] if previous else 0) + 1
        o = outcome
        message = redact_text(o.error_message)
        # Every attempt paid for its model calls: the row sums them (`runs.attempt_spending`).
        killed = fold_killed(o, attempts, previous, ledger or [])
        spent = [*earlier_attempts(previous), *killed, attempt_spent(attempts, o)]
        tokens_in, tokens_out, cost = totals(spent)
        extra = {**o.extra, SPENT_BY_ATTEMPT: spent} if len(spent) > 1 else o.extra
        row = (
            o.key, o.agent, o.agent_name, o.agent_hash, o.task, o.seed,
            "error" if o.errored else "done", o.outcome or None, int(o.success), o.reward, len(o.steps),
            o.error_kind or None, message or None, attempts, redact_recorded(o.goal), o.reset_s, o.elapsed_s,
            tokens_in, tokens_out, cost, o.started, o.finished, o.artifacts, o.worker, invocation,
            json.dumps(redact(extra)),
        )  # fmt: skip
        with self._tx() as db:
            db.execute("DELETE FROM steps WHERE episode = ?", (o.key,))
            db.execute(f"INSERT OR REPLACE INTO episodes VALUES ({', '.join('?' * len(row))})", row)
            db.executemany(
                "INSERT INTO steps VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (o.key, s.index, redact_recorded(s.action), redact_recorded(s.error), s.reward, s.env_s,
                     s.agent_s, s.overhead_s, s.tokens_in, s.tokens_out, s.cost, s.screenshot, s.observation)
                    for s in o.steps
                ],
            )  # fmt: skip
            if o.errored:
                db.execute(
                    "INSERT OR REPLACE INTO attempts VALUES (?, ?, ?, ?, ?, ?)",
                    (o.key, attempts, o.error_kind, message, o.finished, invocation),
                )
        return attempts

    def replace_verdict(
        self,
        key: str,
        reward: float,
        success: bool,
        outcome: str,
        judged: dict[str, Any],
        seen: tuple[float, bool] | None = None,
        columns: dict[str, float] | None = None,
    ) -> bool:
        """A new verdict for a finished episode (`palaestra judge --write`). The verdict it replaces
        goes into the record's `extra["judged"]`, oldest first, with `judged` (how and when the new
        one was reached): the original is never lost. `columns` (an official task's re-judged
        evaluator columns) update the record's. Read and written in one transaction, beside a
        resumed run writing its rows; with `seen` (the reward and success that were judged), a
        verdict changed since is left alone and False returned."""
        with self._tx() as db:
            db.execute("BEGIN IMMEDIATE")  # the row cannot change between this read and the write
            row = db.execute(
                "SELECT reward, success, outcome, extra FROM episodes WHERE key = ?", (key,)
            ).fetchone()
            if row is None:
                raise KeyError(key)
            if seen is not None and (abs(row["reward"] - seen[0]) > 1e-9 or bool(row["success"]) != seen[1]):
                return False
            extra = json.loads(row["extra"] or "{}")
            old = {"reward": row["reward"], "success": bool(row["success"]), "outcome": row["outcome"]}
            extra.setdefault("judged", []).append({**judged, "replaced": old})
            if columns and isinstance(extra.get("columns"), dict):
                old["columns"] = dict(extra["columns"])
                extra["columns"].update(columns)
            db.execute(
                "UPDATE episodes SET reward = ?, success = ?, outcome = ?, extra = ? WHERE key = ?",
                (reward, int(success), outcome, json.dumps(redact(extra), default=str), key),
            )
        return True

    def status(self) -> dict[str, tuple[str, str, int]]:
        """`key -> (status, error_kind, attempts)` for every recorded episode."""
        rows = self.db.execute("SELECT key, status, error_kind, attempts FROM episodes")
        return {r[0]: (r[1], r[2] or "", r[3]) for r in rows}

    def episodes(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM episodes ORDER BY agent, task, seed").fetchall()
        return [dict(r) for r in rows]

    def steps(self, key: str) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM steps WHERE episode = ? ORDER BY idx", (key,)).fetchall()
        return [dict(r) for r in rows]

    def attempts(self, key: str) -> list[dict[str, Any]]:
        """The errored attempts of one episode, oldest first."""
        rows = self.db.execute("SELECT * FROM attempts WHERE episode = ? ORDER BY attempt", (key,))
        return [dict(r) for r in rows.fetchall()]

    def invocations(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM invocations ORDER BY id").fetchall()
        return [{**dict(r), "record": json.loads(r["record"])} for r in rows]
