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
"""


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

    def charge(self, scope: str, input_tokens: int, output_tokens: int, cost: float) -> None:
        with self._lock:
            self._connect().execute(
                "INSERT INTO spend VALUES (?, 1, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET "
                "calls = calls + 1, input_tokens = input_tokens + excluded.input_tokens, "
                "output_tokens = output_tokens + excluded.output_tokens, cost = cost + excluded.cost",
                (scope, input_tokens, output_tokens, cost),
            )

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None


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
        self.ledger.charge(self.scope, input_tokens, output_tokens, cost)


@dataclass(frozen=True)
class _Charging:
    ledger: SpendLedger
    scope: str


_ACTIVE: ContextVar[_Charging | None] = ContextVar("palaestra_llm_ledger", default=None)


@contextlib.contextmanager
def charging(ledger: SpendLedger, scope: str) -> Iterator[None]:
    """Inside this block (and the tasks it starts), models built with no explicit budget charge
    `ledger` under `scope`."""
    token = _ACTIVE.set(_Charging(ledger, scope))
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
