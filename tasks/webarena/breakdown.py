"""A run's results by site or by intent template, as WebArena's results are reported
(`palaestra show RUN --by site`).

Each group's success is over its finished episodes (each task once per seed, so a task weighs
what its episodes weigh, as in WebArena's per-site tables); a multi-site task counts in a group of
its own (``gitlab+reddit``), as WebArena's tables keep them apart. Tasks that are not of the WebArena
format (MiniWoB++) group under ``-``. WebArena's evaluator columns follow, over the episodes that
have a value, as in `palaestra show`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from palaestra.runs.columns import KNOWN_COLUMNS, episode_columns, stand_in_note
from palaestra.runs.results import standard_error
from palaestra.tasks.webarena.listing import natural_key, task_facts

GROUPINGS = ("site", "template")


def group_of(task: str, by: str) -> str:
    facts = task_facts(task)
    if facts is None:
        return "-"
    if by == "site":
        return "+".join(sorted(facts.sites))
    return f"{task.split('.', 1)[0]}:{facts.template}"


def format_breakdown(rows: list[dict[str, Any]], by: str) -> str:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["agent"], group_of(row["task"], by))].append(row)
    header = f"{'agent':<16} {by:<30} {'tasks':>5} {'n':>5} {'success':>13} {'errors':>6} " + " ".join(
        f"{c:>9}" for c in KNOWN_COLUMNS
    )
    lines = [f"By {by}: success over each group's finished episodes", header, "-" * len(header)]
    for (agent, group), members in sorted(groups.items(), key=lambda kv: (kv[0][0], natural_key(kv[0][1]))):
        done = [r for r in members if r["status"] == "done"]
        p = sum(bool(r["success"]) for r in done) / len(done) if done else 0.0
        success = f"{p:>6.2f} ± {standard_error(p, len(done)):<4.2f}" if done else f"{'-':>13}"
        cells = []
        columns = [c for r in done if (c := episode_columns(r)) is not None]
        for name in KNOWN_COLUMNS:
            values = [v for c in columns if (v := c.get(name)) is not None]
            cells.append(f"{sum(values) / len(values):>9.2f}" if values else f"{'-':>9}")
        tasks = len({r["task"] for r in members})
        lines.append(
            f"{agent:<16} {group:<30} {tasks:>5} {len(done):>5} {success} {len(members) - len(done):>6} "
            + " ".join(cells)
        )
    note = stand_in_note(rows)
    return "\n".join([*lines, note] if note else lines)
