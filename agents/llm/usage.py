"""Token and cost accounting: a ``Usage`` tally and the per-run ``Budget`` that all calls share.

The budget is checked *before* a request is sent, so a run that has spent its allowance stops
without paying for one more call. Calls in flight at the same moment may overshoot it slightly.
A `Budget` lives in one process; the workers of a run share theirs through the run's ledger
(`ledger.py`), which `Budget.from_config` returns inside a run.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from .config import LLMConfig
from .errors import BudgetExceeded
from .spend_tally import note_spend


@dataclass
class Usage:
    """What calls consumed, from the servers' reported usage. Cached answers count only as calls."""

    calls: int = 0
    cached_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        self.calls += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        self.cost += cost

    def add_cached(self) -> None:
        self.calls += 1
        self.cached_calls += 1

    def copy(self) -> Usage:
        return replace(self)


class Budget:
    """A run's allowance of tokens and/or cost, shared by every ``ChatModel`` of the run.

    Thread-safe, so agents running in parallel threads can share one budget.
    """

    def __init__(self, max_tokens: int | None = None, max_cost: float | None = None) -> None:
        self.max_tokens = max_tokens
        self.max_cost = max_cost
        self._spent = Usage()
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: LLMConfig) -> Budget:
        """The config's budget; inside a run's worker, one kept in the run's shared ledger."""
        from .ledger import active_budget  # set by the run's workers (see ledger.charging)

        shared = active_budget(config.budget_tokens, config.budget_cost)
        return shared if shared is not None else cls(config.budget_tokens, config.budget_cost)

    @property
    def spent(self) -> Usage:
        """A snapshot of what has been charged so far."""
        with self._lock:
            return self._spent.copy()

    def exhausted_reason(self) -> str | None:
        """Why no further call may be sent, or None while some allowance is left."""
        with self._lock:
            spent = self._spent
            if self.max_tokens is not None and spent.total_tokens >= self.max_tokens:
                return f"{spent.total_tokens} of {self.max_tokens} tokens spent"
            if self.max_cost is not None and spent.cost >= self.max_cost:
                return f"cost {spent.cost:.6g} of {self.max_cost:.6g} spent"
        return None

    @property
    def exhausted(self) -> bool:
        return self.exhausted_reason() is not None

    def check(self) -> None:
        """Raise ``BudgetExceeded`` if the allowance is spent; call before sending a request."""
        reason = self.exhausted_reason()
        if reason is not None:
            raise BudgetExceeded(
                f"The run's LLM budget is exhausted ({reason}); no request was sent. "
                "Fix: raise budget_tokens / budget_cost, or end the run here."
            )

    def charge(self, input_tokens: int, output_tokens: int, cost: float) -> None:
        note_spend(input_tokens, output_tokens, cost)  # the playing episode's tally, if any
        with self._lock:
            self._spent.add(input_tokens, output_tokens, cost)
