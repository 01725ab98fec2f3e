"""What the model endpoint made an episode wait: the calls retried, why, and the waits asked for.

A call that succeeded after a 429 with ``Retry-After: 20`` looks, in the step's timings, like an
agent that thought for twenty seconds. A run counts the retries of every model call made while it
tallies (`tallying`, a context variable, so each episode of a worker has its own tally), and keeps
them with the episode, so that a slow agent and a rate-limited endpoint can be told apart.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RetryTally:
    """Retries of model calls: how many, the wait chosen before each, and their causes."""

    retries: int = 0
    waited_s: float = 0.0
    causes: Counter[str] = field(default_factory=Counter)

    def as_record(self) -> dict[str, Any]:
        """The tally as an episode's record keeps it (JSON)."""
        return {"retries": self.retries, "waited_s": round(self.waited_s, 3), "causes": dict(self.causes)}


_ACTIVE: ContextVar[RetryTally | None] = ContextVar("palaestra_llm_retries", default=None)


@contextlib.contextmanager
def tallying(tally: RetryTally | None = None) -> Iterator[RetryTally]:
    """Inside this block (and the tasks it starts), retried model calls are counted in `tally` (a
    new one if none is given)."""
    tally = tally if tally is not None else RetryTally()
    token = _ACTIVE.set(tally)
    try:
        yield tally
    finally:
        _ACTIVE.reset(token)


def note_retry(exc: BaseException, delay: float) -> None:
    """One call failed with `exc` and is retried after `delay` seconds (outside a tally: nothing)."""
    tally = _ACTIVE.get()
    if tally is None:
        return
    tally.retries += 1
    tally.waited_s += delay
    tally.causes[retry_cause(exc)] += 1


def retry_cause(exc: BaseException) -> str:
    """The HTTP status a retried call got (``"429"``, ``"503"``), or its failure's type when no
    status came (``"APITimeoutError"``, ``"APIConnectionError"``, ``"MalformedBody"``)."""
    import openai  # here: every run worker imports this module, and the SDK costs half a second

    if isinstance(exc, openai.APIStatusError):
        return str(exc.status_code)
    return type(exc).__name__
