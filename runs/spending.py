"""What a run's model calls cost, per agent: the tokens and cost its endpoint reported, that
spending per success (what a result cost, the figure a budget is planned with), and the calls that
cost nothing (answered from the response cache) or had to be sent shorter (past the model's window).

The table of `palaestra show` gives tokens and cost per task only; over hundreds of tasks the totals
and the cost of one success are what a researcher paying for an endpoint reads first.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from palaestra.runs.attempt_spending import SPENT_BY_ATTEMPT, UNRECORDED, totals
from palaestra.runs.records import UNSTEPPED_SPEND

if TYPE_CHECKING:
    from palaestra.agents.llm.spend_tally import SpendTally
    from palaestra.runs.records import EpisodeOutcome

#: Counts an agent's step may report in its ``extra`` (`AgentStep.charge`, the generic agent's
#: shrinking), summed into the episode's ``extra`` by the runner.
STEP_COUNTS = ("cached_calls", "context_shrinks")


def add_step_counts(episode_extra: MutableMapping[str, Any], step_extra: Mapping[str, Any]) -> None:
    """Add a step's cache hits and shrunk prompts to its episode's record."""
    for key in STEP_COUNTS:
        count = step_extra.get(key)
        if isinstance(count, int) and not isinstance(count, bool) and count > 0:
            episode_extra[key] = int(episode_extra.get(key, 0)) + count


def keep_unstepped_spend(out: EpisodeOutcome, tally: SpendTally) -> None:
    """Keep with the episode what its model calls were charged beyond what its steps recorded: the
    calls of a step that raised (a budget stop mid re-ask, ``context_length`` after paid re-sends, an
    endpoint error after a paid answer). The episode's tokens and cost then match the ledger's."""
    recorded_in = sum(s.tokens_in for s in out.steps)
    recorded_out = sum(s.tokens_out for s in out.steps)
    recorded_cost = sum(s.cost for s in out.steps)
    missing_in = max(0, tally.tokens_in - recorded_in)
    missing_out = max(0, tally.tokens_out - recorded_out)
    missing_cost = max(0.0, tally.cost - recorded_cost)
    if missing_in or missing_out or missing_cost > 1e-12:
        out.extra[UNSTEPPED_SPEND] = {
            "tokens_in": missing_in, "tokens_out": missing_out, "cost": round(missing_cost, 12),
        }  # fmt: skip


def format_spending(rows: list[dict[str, Any]]) -> str:
    """Per agent that called a model: tokens in and out, cost, and both per success, over every
    episode (an errored one spent too); "" when no agent spent anything."""
    by_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_agent[row["agent"]].append(row)
    lines = []
    for agent, group in sorted(by_agent.items()):
        tokens_in = sum(r["tokens_in"] or 0 for r in group)
        tokens_out = sum(r["tokens_out"] or 0 for r in group)
        cost = sum(r["cost"] or 0.0 for r in group)
        counts = {key: sum(int(_extra(r).get(key) or 0) for r in group) for key in STEP_COUNTS}
        unstepped = [_extra(r).get(UNSTEPPED_SPEND) for r in group]
        unstepped_tokens = sum(
            int(u.get("tokens_in", 0)) + int(u.get("tokens_out", 0)) for u in unstepped if isinstance(u, dict)
        )
        unstepped_episodes = sum(1 for u in unstepped if isinstance(u, dict))
        retried = [_earlier(r) for r in group]
        retried_episodes = sum(1 for earlier in retried if earlier is not None)
        earlier_tokens = sum(t for t, _ in (e for e in retried if e is not None))
        earlier_cost = sum(c for _, c in (e for e in retried if e is not None))
        if not (tokens_in or tokens_out or cost or any(counts.values())):
            continue
        successes = sum(1 for r in group if r["status"] == "done" and r["success"])
        line = (
            f"  {agent}: {tokens_in + tokens_out:,} tokens ({tokens_in:,} in, {tokens_out:,} out), cost "
            f"{cost:.4f} over {len(group)} episodes; "
        )
        if successes:
            per = (tokens_in + tokens_out) / successes
            line += f"per success ({successes}): {per:,.0f} tokens, cost {cost / successes:.4f}"
        else:
            line += "no success to spread it over"
        lines.append(line)
        notes = []
        if counts["cached_calls"]:
            notes.append(f"{counts['cached_calls']:,} answers from the response cache (not counted)")
        if counts["context_shrinks"]:
            notes.append(f"{counts['context_shrinks']:,} prompts sent again shorter, past the model's window")
        if unstepped_tokens:
            episodes = f"{unstepped_episodes} episode" + ("s" if unstepped_episodes > 1 else "")
            raised = f"{unstepped_tokens:,} tokens of steps that raised after paying ({episodes}; counted)"
            notes.append(raised)
        if retried_episodes:
            episodes = f"{retried_episodes} episode" + ("s" if retried_episodes > 1 else "")
            notes.append(
                f"{earlier_tokens:,} tokens, cost {earlier_cost:.4f} of earlier attempts at {episodes} "
                "played again (counted)"
            )
        if notes:
            lines.append(f"  {'':<{len(agent)}}  " + "; ".join(notes))
        lines += _attempt_lines(group)
    if not lines:
        return ""
    head = "\nModel spending (as the endpoints reported it; costs by the agents' prices):"
    return "\n".join([head, *lines])


#: How many retried episodes `palaestra show` lists with each attempt's spending, per agent.
ATTEMPT_LINES = 5


def _earlier(row: Mapping[str, Any]) -> tuple[int, float] | None:
    """Tokens and cost of a played-again episode's attempts before its last (None: played once)."""
    attempts = _extra(row).get(SPENT_BY_ATTEMPT)
    if not isinstance(attempts, list) or len(attempts) < 2:
        return None
    tokens_in, tokens_out, cost = totals([a for a in attempts[:-1] if isinstance(a, dict)])
    return tokens_in + tokens_out, cost


def _attempt_lines(group: list[dict[str, Any]]) -> list[str]:
    """Each played-again episode's spending per attempt (the first `ATTEMPT_LINES`, most spent first)."""
    retried = [r for r in group if _earlier(r) is not None]
    retried.sort(key=lambda r: -((r["tokens_in"] or 0) + (r["tokens_out"] or 0)))
    lines = []
    for row in retried[:ATTEMPT_LINES]:
        said = []
        for a in _extra(row)[SPENT_BY_ATTEMPT]:
            if isinstance(a, dict):
                tokens = int(a.get("tokens_in") or 0) + int(a.get("tokens_out") or 0)
                cost, ended = float(a.get("cost") or 0.0), a.get("error_kind") or "finished"
                which = f"attempt {a.get('attempt')}"
                if a.get(UNRECORDED):  # killed with its run: known from the ledger, it has no number
                    which = f"an attempt killed with the run before attempt {a.get('attempt')}:"
                said.append(f"{which} {tokens:,} tokens, cost {cost:.4f} ({ended})")
        lines.append(f"    {row['task']} seed {row['seed']}: " + "; ".join(said))
    if len(retried) > ATTEMPT_LINES:
        lines.append(f"    ... and {len(retried) - ATTEMPT_LINES} more played again")
    return lines


def _extra(row: Mapping[str, Any]) -> dict[str, Any]:
    try:
        extra = json.loads(row.get("extra") or "{}")
    except ValueError:
        return {}
    return extra if isinstance(extra, dict) else {}
