"""The feedback store: what happened when agents called APIs, kept in SQLite.

It serves two readers. The selector multiplies `prior(key)` into its scores, so that APIs that
keep failing sink; the prior is the posterior mean of a Beta(1, 1) success rate (Laplace's rule),
which is 0.5 for an API never called and moves towards the observed rate as calls accumulate, so a
single failure cannot bury an API. And API developers read `worst(n)` / `render_report(n)`: the
APIs that fail most, their commonest error kinds and sample messages (which are written for models,
so they say what went wrong in plain words).

Each call is one row; `mark_episode` records later whether the episode the calls belonged to
succeeded (a call can succeed while the episode fails), kept in its own table so that marking may
come before or after the calls. File databases use WAL so that readers do not block writers.

A third reader is the selector's route history (`history.py`): `record_route` keeps which query
led to a successful call of which API, and `routes()` hands them back, leaving out those of
episodes marked as failed, for `ApiSelector.learn_from`.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from .history import Route

_SCHEMA = """
CREATE TABLE IF NOT EXISTS calls (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    ok INTEGER NOT NULL,
    error_kind TEXT,
    latency_s REAL NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    ts REAL NOT NULL,
    episode_id TEXT
);
CREATE INDEX IF NOT EXISTS calls_key ON calls (key);
CREATE INDEX IF NOT EXISTS calls_episode ON calls (episode_id);
CREATE TABLE IF NOT EXISTS routes (
    id INTEGER PRIMARY KEY,
    query TEXT NOT NULL,
    key TEXT NOT NULL,
    ts REAL NOT NULL,
    episode_id TEXT
);
CREATE TABLE IF NOT EXISTS episodes (
    episode_id TEXT PRIMARY KEY,
    success INTEGER NOT NULL,
    ts REAL NOT NULL
);
"""
_MESSAGE_LIMIT = 2000


@dataclass(frozen=True)
class ApiStats:
    """Aggregates for one API. `success_rate` is smoothed; `raw_success_rate` is not."""

    key: str
    calls: int
    successes: int
    mean_latency_s: float
    success_rate: float
    episodes: int
    episodes_succeeded: int

    @property
    def failures(self) -> int:
        """Calls that did not succeed."""
        return self.calls - self.successes

    @property
    def raw_success_rate(self) -> float | None:
        """successes / calls, or None before the first call."""
        return self.successes / self.calls if self.calls else None


@dataclass(frozen=True)
class FailureReport:
    """One line of the report for API developers."""

    stats: ApiStats
    top_errors: list[tuple[str, int]]
    samples: list[str]


class FeedbackStore:
    """Call outcomes on SQLite (a file path, or ":memory:"). Thread-safe; usable as a context manager."""

    def __init__(
        self, path: str | Path = ":memory:", *, prior_successes: float = 1.0, prior_failures: float = 1.0
    ):
        if prior_successes <= 0 or prior_failures <= 0:
            raise ValueError("the Beta prior's parameters must be positive.")
        self.path = str(path)
        self.alpha, self.beta = prior_successes, prior_failures
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------------

    def record(
        self,
        key: str,
        *,
        ok: bool,
        error_kind: str | None = None,
        latency_s: float = 0.0,
        message: str = "",
        episode_id: str | None = None,
        timestamp: float | None = None,
    ) -> int:
        """Store one call's outcome; return its row id."""
        row = (
            key,
            int(ok),
            error_kind,
            float(latency_s),
            message[:_MESSAGE_LIMIT],
            timestamp if timestamp is not None else time.time(),
            episode_id,
        )
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO calls (key, ok, error_kind, latency_s, message, ts, episode_id) "
                "VALUES (?,?,?,?,?,?,?)",
                row,
            )
        return int(cursor.lastrowid or 0)

    def record_route(self, query: str, key: str, *, episode_id: str | None = None) -> int:
        """Store that `query` was served by a successful call of `key`; return the row id."""
        with self._lock:
            cursor = self._db.execute(
                "INSERT INTO routes (query, key, ts, episode_id) VALUES (?,?,?,?)",
                (query, key, time.time(), episode_id),
            )
        return int(cursor.lastrowid or 0)

    def routes(self) -> list[Route]:
        """The recorded routes, oldest first, one per query and episode with all the keys that
        served it; routes of episodes marked as failed are left out."""
        with self._lock:
            rows = self._db.execute(
                "SELECT r.query, r.key, r.episode_id FROM routes r "
                "LEFT JOIN episodes e ON e.episode_id = r.episode_id "
                "WHERE e.success IS NULL OR e.success = 1 ORDER BY r.id"
            ).fetchall()
        grouped: dict[tuple[str, str | None], list[str]] = {}
        for query, key, episode in rows:
            keys = grouped.setdefault((query, episode), [])
            if key not in keys:
                keys.append(key)
        return [Route(query, tuple(keys)) for (query, _), keys in grouped.items()]

    def mark_episode(self, episode_id: str, success: bool) -> int:
        """Record whether an episode succeeded; return how many stored calls belong to it."""
        with self._lock:
            self._db.execute(
                "INSERT INTO episodes (episode_id, success, ts) VALUES (?,?,?) "
                "ON CONFLICT(episode_id) DO UPDATE SET success = excluded.success, ts = excluded.ts",
                (episode_id, int(success), time.time()),
            )
            (count,) = self._db.execute(
                "SELECT COUNT(*) FROM calls WHERE episode_id = ?", (episode_id,)
            ).fetchone()
        return int(count)

    # -- reading --------------------------------------------------------------------------------

    def smoothed(self, successes: int, calls: int) -> float:
        """The posterior mean success rate under this store's Beta prior."""
        return (successes + self.alpha) / (calls + self.alpha + self.beta)

    def stats(self, key: str) -> ApiStats:
        """Aggregates for one API (all zero, and the prior's rate, if it was never called)."""
        found = self._stats(key)
        return found[0] if found else ApiStats(key, 0, 0, 0.0, self.smoothed(0, 0), 0, 0)

    def all_stats(self) -> list[ApiStats]:
        """Aggregates for every API that was called, by key."""
        return self._stats(None)

    def success_rate(self, key: str) -> float:
        """The smoothed success rate of an API's calls."""
        return self.stats(key).success_rate

    def prior(self, key: str) -> float:
        """A factor in (0, 1) for the selector: the smoothed success rate (0.5 when unseen)."""
        return self.success_rate(key)

    def worst(self, n: int = 10, *, min_calls: int = 1) -> list[FailureReport]:
        """The `n` APIs with the lowest smoothed success rate among those that failed at least once."""
        failing = [s for s in self.all_stats() if s.failures > 0 and s.calls >= min_calls]
        failing.sort(key=lambda s: (s.success_rate, -s.failures, s.key))
        reports = []
        with self._lock:
            for stats in failing[:n]:
                kinds = self._db.execute(
                    "SELECT COALESCE(error_kind, 'unknown'), COUNT(*) AS c FROM calls "
                    "WHERE key = ? AND ok = 0 GROUP BY 1 ORDER BY c DESC, 1 LIMIT 3",
                    (stats.key,),
                ).fetchall()
                samples = self._db.execute(
                    "SELECT message FROM calls WHERE key = ? AND ok = 0 AND message != '' "
                    "GROUP BY message ORDER BY MAX(ts) DESC LIMIT 3",
                    (stats.key,),
                ).fetchall()
                reports.append(FailureReport(stats, [(k, int(c)) for k, c in kinds], [m for (m,) in samples]))
        return reports

    def render_report(self, n: int = 10) -> str:
        """`worst(n)` as Markdown, for API developers."""
        reports = self.worst(n)
        if not reports:
            return "# API feedback\n\nNo failing APIs recorded.\n"
        lines = ["# API feedback", "", f"The {len(reports)} API(s) that fail most, worst first.", ""]
        for report in reports:
            s = report.stats
            errors = ", ".join(f"{kind} x{count}" for kind, count in report.top_errors)
            lines.append(f"## `{s.key}`")
            lines.append("")
            lines.append(
                f"- {s.failures} of {s.calls} calls failed (smoothed success rate {s.success_rate:.2f}, "
                f"mean latency {s.mean_latency_s * 1000:.0f} ms)"
            )
            if s.episodes:
                lines.append(f"- used in {s.episodes} marked episode(s), {s.episodes_succeeded} succeeded")
            lines.append(f"- commonest errors: {errors}")
            for sample in report.samples:
                lines.append(f"- sample: {_one_line(sample, 200)}")
            lines.append("")
        return "\n".join(lines)

    def _stats(self, key: str | None) -> list[ApiStats]:
        where, params = ("WHERE c.key = ?", (key,)) if key is not None else ("", ())
        query = (
            "SELECT c.key, COUNT(*), SUM(c.ok), AVG(c.latency_s), "
            "COUNT(DISTINCT e.episode_id), COUNT(DISTINCT CASE WHEN e.success = 1 THEN e.episode_id END) "
            f"FROM calls c LEFT JOIN episodes e ON e.episode_id = c.episode_id {where} "
            "GROUP BY c.key ORDER BY c.key"
        )
        with self._lock:
            rows = self._db.execute(query, params).fetchall()
        return [
            ApiStats(
                k,
                int(n),
                int(ok or 0),
                float(lat or 0.0),
                self.smoothed(int(ok or 0), int(n)),
                int(ep),
                int(es),
            )
            for k, n, ok, lat, ep, es in rows
        ]


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
