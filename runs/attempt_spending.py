"""What every attempt at an episode spent on its model calls, kept when the episode is played again.

An episode can be played several times: retried after a crashed browser or a step timeout, resumed
after the LLM budget stopped it, played again by `--rerun-errors`. Each attempt's model calls were
paid (the run's ledger, `agents.llm.ledger`, counts them all), but the run database kept one row per
episode, the last attempt's, so the run's tokens and cost counted only the last attempts. Now the
row's ``tokens_in``, ``tokens_out`` and ``cost`` are the sums over its attempts, and its ``extra``
keeps each attempt's own (`SPENT_BY_ATTEMPT`) once there was more than one.

Each attempt's figures come from the row written before it (never from memory), so an attempt is
counted once whichever invocation plays the next: a resumed run adds to what the database holds.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from palaestra.runs.records import EpisodeOutcome

#: The key of a retried episode's ``extra`` that lists its attempts' spending, oldest first.
SPENT_BY_ATTEMPT = "spent_by_attempt"


def attempt_spent(attempt: int, outcome: EpisodeOutcome) -> dict[str, Any]:
    """One attempt's figures, as listed under `SPENT_BY_ATTEMPT`."""
    return {
        "attempt": attempt, "error_kind": outcome.error_kind, "tokens_in": outcome.tokens_in,
        "tokens_out": outcome.tokens_out, "cost": round(outcome.cost, 12),
    }  # fmt: skip


def earlier_attempts(previous: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The attempts the episode's row recorded before this one, from that row (None: no row). A row
    written before attempts were kept apart holds its last attempt's figures only: that one is listed."""
    if previous is None:
        return []
    try:
        extra = json.loads(previous["extra"] or "{}")
    except ValueError:
        extra = {}
    listed = extra.get(SPENT_BY_ATTEMPT) if isinstance(extra, dict) else None
    if isinstance(listed, list) and all(isinstance(a, dict) for a in listed):
        return list(listed)
    return [{
        "attempt": previous["attempts"], "error_kind": previous["error_kind"] or "",
        "tokens_in": previous["tokens_in"] or 0, "tokens_out": previous["tokens_out"] or 0,
        "cost": previous["cost"] or 0.0,
    }]  # fmt: skip


def totals(attempts: list[dict[str, Any]]) -> tuple[int, int, float]:
    """Tokens in, tokens out and cost over ``attempts``."""
    return (
        sum(int(a.get("tokens_in") or 0) for a in attempts),
        sum(int(a.get("tokens_out") or 0) for a in attempts),
        sum(float(a.get("cost") or 0.0) for a in attempts),
    )
