"""The agents of one run, compared with each other as `palaestra compare` compares runs.

A study in AgentLab is several agents over the same tasks and seeds in one place, and its results
table sets them side by side. Here such a study is one run folder (`palaestra eval --agent a
--agent b ...`), so `palaestra compare RUN` splits it by agent label: each label becomes one
column, keyed by task, the first agent given to `eval` being the one the others are tested
against (the order of the run's configuration; labels it does not list follow, sorted).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.runs.results import load_rows
from palaestra.runs.store import RunStore


def run_agent_order(run_dir: str | Path, labels: set[str]) -> list[str]:
    """``labels`` in the order the run's configuration lists its agents, the rest sorted after."""
    with RunStore(run_dir, readonly=True) as store:
        config = store.meta("config") or {}
    listed = [a.get("label") for a in config.get("agents") or [] if isinstance(a, dict)]
    ordered = [label for label in dict.fromkeys(listed) if label in labels]
    return ordered + sorted(labels - set(ordered))


def split_by_agent(
    run_dir: str | Path, error: type[PalaestraError]
) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """The run's agent labels, in order, and each one's episode rows; ``error`` when it has fewer
    than two agents (there is nothing to compare it with)."""
    rows = load_rows(run_dir)
    labels = {r["agent"] for r in rows}
    if len(labels) < 2:
        held = f"only `{next(iter(labels))}`" if labels else "no episode"
        raise error(
            f"compare needs two or more runs, or one run of two or more agents; {run_dir} holds {held}. "
            f"Fix: palaestra compare {run_dir} OTHER_RUN (each run is compared to the first)."
        )
    order = run_agent_order(run_dir, labels)
    return order, [[r for r in rows if r["agent"] == label] for label in order]
