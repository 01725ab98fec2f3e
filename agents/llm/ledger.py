"""A run's LLM spending, shared by every worker process: a small SQLite ledger in the run directory.

A `Budget` held in memory caps one process; a run has several workers (processes or Ray actors),
so each would spend the whole allowance on its own. The ledger is one file that every worker
charges and reads, in short transactions:

- an agent configuration's own budget (`budget_tokens` / `budget_cost` in its arguments) caps what
  that configuration spends over the whole run, on every worker;
- the run's budget (`palaestra eval --budget-tokens/--budget-cost`) caps the whole run.

A request is sent only while both allowances have something left, and is charged when its answer
arrives. So a run overshoots by at most the requests in flight when the last allowance ran out: at
most one per worker (a worker plays one episode, and its agent waits for each answer), each no
larger than the model's largest answer plus its prompt. The ledger outlives an invocation: a resumed
run continues from what it had spent.

`charging(ledger, scope)` makes every `Budget.from_config` inside it (that is, every `ChatModel`
built without an explicit budget) a `LedgerBudget` of that scope.

Each charge made while an episode plays (`charging(..., attempt=...)`) is also added to that
attempt's own row (`attempt_spend`), in the same transaction. A worker killed mid-episode (SIGKILL,
the OOM killer, its episode_timeout) never reports what the attempt spent; the run then reads it
here (`attempt_spent`) and keeps it with the episode's results (`runs.attempt_spending`).
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from .errors import BudgetExceeded
from .spend_tally import note_spend
from .usage import Budget, Usage

LEDGER_FILE = "llm_spend.sqlite"
#: The scope that sums every scope: the whole run.
RUN_SCOPE = "*"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spend (
    scope TEXT PRIMARY KEY, calls INTEGER NOT NULL, input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL, cost REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS attempt_spend (
    attempt TEXT PRIMARY KEY, episode TEXT NOT NULL, started REAL NOT NULL, calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS attempt_spend_episode ON attempt_spend (episode);
"""


@dataclass(frozen=True)
class EpisodeAttempt:
    """One attempt at an episode, as the ledger keys its spending: the episode's key, an id of its
    own (no two attempts share one, across workers and invocations) and when it started."""

    episode: str
    id: str
    started: float


@dataclass(frozen=True)
class AttemptSpend:
    """What one attempt's model calls were charged, as the ledger kept it."""

    id: str
    started: float
    calls: int
    input_tokens: int
    output_tokens: int
    cost: float


class SpendLedger:
    """The spending of one run, per scope (an agent configuration), in `run_dir/llm_spend.sqlite`.

    `max_tokens` / `max_cost` are the run's own limits (None: unlimited). Safe to share between
    threads, processes and machines that see the same file.
    """

    def __init__(
        self, path: str | Path, max_tokens: int | None = None, max_cost: float | None = None
    ) -> None:
        self.path = Path(path)
        self.max_tokens, self.max_cost = max_tokens, max_cost
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:  # opened on first use: a run without LLM calls leaves no file
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            self._db = db
        return self._db

    def spent(self, scope: str = RUN_SCOPE) -> Usage:
        """What `scope` has spent so far (`RUN_SCOPE`: the whole run)."""
        with self._lock:
            db = self._connect()
            query = "SELECT total(calls), total(input_tokens), total(output_tokens), total(cost) FROM spend"
            if scope == RUN_SCOPE:
                row = db.execute(query).fetchone()
            else:
                row = db.execute(query + " WHERE scope = ?", (scope,)).fetchone()
        return Usage(calls=int(row[0]), input_tokens=int(row[1]), output_tokens=int(row[2]), cost=row[3])

    def charge(
        self,
        scope: str,
        input_tokens: int,
        output_tokens: int,
        cost: float,
        attempt: EpisodeAttempt | None = None,
    ) -> None:
        """Add one call to ``scope``'s spending and, when given, to ``attempt``'s, in one transaction
        (a kill between the two would leave the attempt short of what the run counts)."""
        with self._lock:
            db = self._connect()
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO spend VALUES (?, 1, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
                    "calls = calls + 1, input_tokens = input_tokens + excluded.input_tokens, "
                    "output_tokens = output_tokens + excluded.output_tokens, cost = cost + excluded.cost",
                    (scope, input_tokens, output_tokens, cost),
                )
                if attempt is not None:
                    db.execute(
                        "INSERT INTO attempt_spend VALUES (?, ?, ?, 1, ?, ?, ?) ON CONFLICT(attempt) DO "
                        "UPDATE SET calls = calls + 1, input_tokens = input_tokens + excluded.input_tokens, "
                        "output_tokens = output_tokens + excluded.output_tokens, cost = cost + excluded.cost",
                        (attempt.id, attempt.episode, attempt.started, input_tokens, output_tokens, cost),
                    )
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


def attempt_spent(path: str | Path, episode: str) -> list[AttemptSpend]:
    """Every attempt at ``episode`` that the ledger at ``path`` charged, oldest first ([] when the
    run has no ledger, or one older than attempts' rows). Read-only: the run's ledger is left as is."""
    if not Path(path).is_file():
        return []
    db = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        rows = db.execute(
            "SELECT attempt, started, calls, input_tokens, output_tokens, cost FROM attempt_spend "
            "WHERE episode = ? ORDER BY started, rowid",
            (episode,),
        ).fetchall()
    except sqlite3.OperationalError:  # a ledger written before attempts were kept: no such table
        return []
    finally:
        db.close()
    return [AttemptSpend(str(r[0]), float(r[1]), int(r[2]), int(r[3]), int(r[4]), float(r[5])) for r in rows]


def _over(spent: Usage, max_tokens: int | None, max_cost: float | None) -> str | None:
    if max_tokens is not None and spent.total_tokens >= max_tokens:
        return f"{spent.total_tokens} of {max_tokens} tokens spent"
    if max_cost is not None and spent.cost >= max_cost:
        return f"cost {spent.cost:.6g} of {max_cost:.6g} spent"
    return None


class LedgerBudget(Budget):
    """A `Budget` whose spending lives in the run's ledger, under `scope`, beside the run's limits."""

    def __init__(
        self, ledger: SpendLedger, scope: str, max_tokens: int | None = None, max_cost: float | None = None
    ) -> None:
        super().__init__(max_tokens=max_tokens, max_cost=max_cost)
        self.ledger, self.scope = ledger, scope

    @property
    def spent(self) -> Usage:
        return self.ledger.spent(self.scope)

    def exhausted_reason(self) -> str | None:
        own = _over(self.ledger.spent(self.scope), self.max_tokens, self.max_cost)
        if own is not None:
            return f"this agent configuration's budget: {own}"
        run = _over(self.ledger.spent(), self.ledger.max_tokens, self.ledger.max_cost)
        return None if run is None else f"the run's budget: {run}"

    def check(self) -> None:
        reason = self.exhausted_reason()
        if reason is not None:
            raise BudgetExceeded(
                f"The LLM budget is exhausted ({reason}, over all workers); no request was sent. Fix: "
                "raise budget_tokens / budget_cost (or the run's --budget-tokens / --budget-cost) and "
                "run the same command again: it resumes from what was spent."
            )

    def charge(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        note_spend(input_tokens, output_tokens, cost)  # the playing episode's tally (`spend_tally`)
        active = _ACTIVE.get()  # the model was built before this episode: its attempt is read now
        attempt = active.attempt if active is not None and active.ledger is self.ledger else None
        self.ledger.charge(self.scope, input_tokens, output_tokens, cost, attempt)


@dataclass(frozen=True)
class _Charging:
    ledger: SpendLedger
    scope: str
    attempt: EpisodeAttempt | None = None


_ACTIVE: ContextVar[_Charging | None] = ContextVar("palaestra_llm_ledger", default=None)


@contextlib.contextmanager
def charging(ledger: SpendLedger, scope: str, attempt: EpisodeAttempt | None = None) -> Iterator[None]:
    """Inside this block (and the tasks it starts), models built with no explicit budget charge
    `ledger` under `scope`, and models charging `ledger` charge ``attempt``'s row too."""
    token = _ACTIVE.set(_Charging(ledger, scope, attempt))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def active_budget(max_tokens: int | None, max_cost: float | None) -> Budget | None:
    """The ledger's budget for a model built now, or None outside `charging`."""
    active = _ACTIVE.get()
    if active is None:
        return None
    return LedgerBudget(active.ledger, active.scope, max_tokens, max_cost)
