"""What every attempt at an episode spent on its model calls, kept when the episode is played again.

An episode can be played several times: retried after a crashed browser or a step timeout, resumed
after the LLM budget stopped it, played again by `--rerun-errors`. Each attempt's model calls were
paid (the run's ledger, `agents.llm.ledger`, counts them all), but the run database kept one row per
episode, the last attempt's, so the run's tokens and cost counted only the last attempts. Now the
row's ``tokens_in``, ``tokens_out`` and ``cost`` are the sums over its attempts, and its ``extra``
keeps each attempt's own (`SPENT_BY_ATTEMPT`) once there was more than one.

Each attempt's figures come from the row written before it (never from memory), so an attempt is
counted once whichever invocation plays the next: a resumed run adds to what the database holds.

An attempt whose worker was killed (SIGKILL, the OOM killer, its episode_timeout) reports nothing,
and one in flight when the whole run was killed leaves no row at all; both paid for their calls.
The run's ledger keeps each attempt's charges apart (`agents.llm.ledger.attempt_spent`), and the
row names the ledger attempts it accounts for (`LEDGER_ATTEMPTS`): when a row is written, the
episode's ledger attempts it does not yet account for are the killed ones, and are added
(`fold_killed`): the killed attempt the row is for takes its own figures, any other (killed with
the run, before a resume) is listed as an earlier attempt marked `UNRECORDED`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from palaestra.runs.records import UNREPORTED_ERRORS, UNSTEPPED_SPEND, EpisodeOutcome

if TYPE_CHECKING:
    from palaestra.agents.llm.ledger import AttemptSpend

#: The key of a retried episode's ``extra`` that lists its attempts' spending, oldest first.
SPENT_BY_ATTEMPT = "spent_by_attempt"


#: An outcome's ``extra``: the ledger attempt its own calls were charged to (set by the worker).
OWN_ATTEMPT = "ledger_attempt"
#: A row's ``extra``: the ledger attempts whose spending the row counts, oldest first.
LEDGER_ATTEMPTS = "ledger_attempts"
#: Marks an attempt listed under `SPENT_BY_ATTEMPT` that was killed with its run and left no row:
#: known from the ledger alone, it took no attempt's number (``attempt`` is the one that found it).
UNRECORDED = "unrecorded"


def fold_killed(
    outcome: EpisodeOutcome, attempt: int, previous: Mapping[str, Any] | None, ledger: list[AttemptSpend]
) -> list[dict[str, Any]]:
    """Account in ``outcome`` (its row's ``extra``) for the episode's ``ledger`` attempts that no row
    has counted yet; returns those killed before it, as `SPENT_BY_ATTEMPT` entries.

    The outcome of a killed worker (`UNREPORTED_ERRORS`, no own attempt) takes the newest such
    attempt's figures as its own: nothing else was playing the episode then."""
    listed = _listed(previous)
    counted = set(listed)
    own = outcome.extra.pop(OWN_ATTEMPT, None)
    unaccounted = [a for a in ledger if a.id not in counted and a.id != own]
    if own is None and outcome.error_kind in UNREPORTED_ERRORS and unaccounted:
        killed = unaccounted.pop()
        outcome.extra[UNSTEPPED_SPEND] = {
            "tokens_in": killed.input_tokens, "tokens_out": killed.output_tokens,
            "cost": round(killed.cost, 12),
        }  # fmt: skip
        own = killed.id
    ids = [*listed, *(a.id for a in unaccounted), *([own] if isinstance(own, str) else [])]
    if ids:
        outcome.extra[LEDGER_ATTEMPTS] = ids
    return [
        {"attempt": attempt, UNRECORDED: True, "error_kind": "killed", "tokens_in": a.input_tokens,
         "tokens_out": a.output_tokens, "cost": round(a.cost, 12)}
        for a in unaccounted
    ]  # fmt: skip


def _listed(previous: Mapping[str, Any] | None) -> list[str]:
    extra = _extra(previous)
    ids = extra.get(LEDGER_ATTEMPTS)
    return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []


def _extra(previous: Mapping[str, Any] | None) -> dict[str, Any]:
    if previous is None:
        return {}
    try:
        extra = json.loads(previous["extra"] or "{}")
    except ValueError:
        return {}
    return extra if isinstance(extra, dict) else {}


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
    listed = _extra(previous).get(SPENT_BY_ATTEMPT)
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
