"""What an episode's model calls were charged, whether or not a step came back to say so.

An agent adds a call's tokens to the step it returns (`AgentStep.charge`). A step that raises after
paying for calls (the budget running out at a re-ask, a prompt refused as too long after shrunk
re-sends, an endpoint error after a paid answer) returns no step, so its calls would be in the run's
ledger and budget but in no episode's record, and `palaestra show`'s spending would count less than
was paid. A run tallies every charge made while an episode plays (`tallying_spend`, a context
variable like `retry_tally`'s), and keeps what its steps do not account for with the episode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class SpendTally:
    """The tokens and cost charged by an episode's model calls (cache hits are never charged)."""

    calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0


_ACTIVE: ContextVar[SpendTally | None] = ContextVar("palaestra_llm_spend", default=None)


@contextlib.contextmanager
def tallying_spend(tally: SpendTally | None = None) -> Iterator[SpendTally]:
    """Inside this block (and the tasks it starts), every charged model call adds to `tally`."""
    tally = tally if tally is not None else SpendTally()
    token = _ACTIVE.set(tally)
    try:
        yield tally
    finally:
        _ACTIVE.reset(token)


def note_spend(input_tokens: int, output_tokens: int, cost: float) -> None:
    """One model call was charged (outside a tally: nothing)."""
    tally = _ACTIVE.get()
    if tally is None:
        return
    tally.calls += 1
    tally.tokens_in += input_tokens
    tally.tokens_out += output_tokens
    tally.cost += cost
