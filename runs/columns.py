"""WebArena's evaluator columns, summarised for `palaestra show` and the HTML report.

WebArena's official suites judge every episode three ways (`paper`: the evaluators as the paper
defines them, `corrected`: with their known faults fixed, `verified`: WebArena-Verified's), stored in
the episode's `extra["columns"]`. A column is None where its evaluator could not judge the episode,
so each column's mean is over the episodes that have a value for it, and says how many that was.
Runs without columns summarise to nothing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

#: The known columns, in the order they are shown; any other column follows, sorted.
KNOWN_COLUMNS = ("paper", "corrected", "verified")
#: The task cell of an agent's row over all its tasks.
ALL_TASKS = "all tasks"


@dataclass
class ColumnSummary:
    """One agent's column means on one task (or on `ALL_TASKS`): `means[column] = (mean, n)`."""

    agent: str
    task: str
    episodes: int  # finished episodes with any column
    means: dict[str, tuple[float | None, int]]


def episode_columns(row: dict[str, Any]) -> dict[str, float | None] | None:
    """The evaluator columns of one episode row, or None if it has none (or did not finish)."""
    if row.get("status") != "done":
        return None
    try:
        extra = json.loads(row.get("extra") or "{}")
    except ValueError:
        return None
    columns = extra.get("columns") if isinstance(extra, dict) else None
    if not isinstance(columns, dict) or not columns:
        return None
    return {
        str(k): float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
        for k, v in columns.items()
    }


def group_columns(rows: list[dict[str, Any]]) -> dict[tuple[str, str], list[dict[str, float | None]]]:
    """The columns of every finished episode that has them, grouped by (agent, task)."""
    groups: dict[tuple[str, str], list[dict[str, float | None]]] = defaultdict(list)
    for row in rows:
        columns = episode_columns(row)
        if columns is not None:
            groups[(row["agent"], row["task"])].append(columns)
    return dict(groups)


def column_names(groups: list[list[dict[str, float | None]]]) -> list[str]:
    """The columns the groups hold: the known ones in their order, then any other, sorted."""
    seen = {name for group in groups for columns in group for name in columns}
    return [c for c in KNOWN_COLUMNS if c in seen] + sorted(seen - set(KNOWN_COLUMNS))


def summarize_columns(rows: list[dict[str, Any]]) -> tuple[list[str], list[ColumnSummary]]:
    """The columns seen, and per agent one summary per task then one over all its tasks.

    Both are empty when no episode has columns.
    """
    groups = group_columns(rows)
    names = column_names(list(groups.values()))
    summaries: list[ColumnSummary] = []
    for agent in sorted({agent for agent, _ in groups}):
        tasks = sorted(task for a, task in groups if a == agent)
        for task in tasks:
            summaries.append(summarize_group(agent, task, groups[(agent, task)], names))
        everything = [columns for task in tasks for columns in groups[(agent, task)]]
        summaries.append(summarize_group(agent, ALL_TASKS, everything, names))
    return names, summaries


def summarize_group(
    agent: str, task: str, group: list[dict[str, float | None]], names: list[str]
) -> ColumnSummary:
    """Each column's mean over the episodes of ``group`` that have a value for it."""
    means: dict[str, tuple[float | None, int]] = {}
    for name in names:
        values = [v for columns in group if (v := columns.get(name)) is not None]
        means[name] = (sum(values) / len(values) if values else None, len(values))
    return ColumnSummary(agent, task, len(group), means)


def column_cell(mean: float | None, n: int, episodes: int) -> str:
    """A column's mean; its own n beside it when fewer episodes than the row's have a value."""
    if mean is None:
        return "-"
    return f"{mean:.2f}" if n == episodes else f"{mean:.2f} (n={n})"


def format_columns(rows: list[dict[str, Any]]) -> str:
    """The table `palaestra show` prints under the summary; empty for a run without columns."""
    names, summaries = summarize_columns(rows)
    if not summaries:
        return ""
    widths = [max(11, *(len(n) for n in names))] * len(names)
    header = f"{'agent':<16} {'task':<34} " + " ".join(
        f"{n:>{w}}" for n, w in zip(names, widths, strict=True)
    )
    header += f" {'n':>4}"
    lines = ["", "Evaluator columns (WebArena): mean over episodes with a value", header, "-" * len(header)]
    for s in summaries:
        cells = [column_cell(*s.means[n], s.episodes) for n in names]
        values = " ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True))
        lines.append(f"{s.agent:<16} {s.task:<34} {values} {s.episodes:>4}")
    note = stand_in_note(rows)
    return "\n".join([*lines, note] if note else lines)


#: The suite of a user's own WebArena-format task files (`palaestra.tasks.webarena.own_tasks`).
OWN_TASKS = "webarena-json"


def stand_in_note(rows: list[dict[str, Any]]) -> str:
    """Lines saying how many judged episodes ran on Palaestra's stand-ins rather than WebArena's
    images: official tasks' numbers then do not compare with published ones; a user's own task
    files (`OWN_TASKS`) may be written for the stand-ins, so theirs only says where they ran. ""
    when none did."""
    official, own = _StandIns(), _StandIns()
    for row in rows:
        if episode_columns(row) is not None:
            (own if str(row.get("task", "")).startswith(f"{OWN_TASKS}.") else official).count(row)
    lines = []
    if official.stand:
        lines.append(
            f"{official.said()} ran on Palaestra's stand-ins for {official.sites()}: they check the "
            "harness, not the agent, and do not compare with published WebArena numbers (give your "
            "instances: --site NAME=URL)."
        )
    if own.stand:
        lines.append(
            f"{own.said()} of your own task files ({OWN_TASKS}) ran on Palaestra's stand-ins for "
            f"{own.sites()}: their verdicts are of the stand-ins' pages and data (other instances: "
            "--site NAME=URL)."
        )
    return "\n".join(lines)


class _StandIns:
    """How many judged episodes of a group ran on stand-ins, and for which sites."""

    def __init__(self) -> None:
        self.judged = self.stand = 0
        self.names: set[str] = set()

    def count(self, row: dict[str, Any]) -> None:
        self.judged += 1
        verdict = json.loads(row.get("extra") or "{}").get("verdict") or {}
        if verdict.get("stand_ins"):
            self.stand += 1
            self.names.update(verdict["stand_ins"])

    def said(self) -> str:
        return f"{self.stand} of {self.judged} judged episodes"

    def sites(self) -> str:
        return ", ".join(sorted(self.names))


#: How much of one part of a failure's reason `palaestra show` prints (an error's text, a value an
#: evaluator wanted or read): each part is cut on its own, so a long one (an "Available: ..." list
#: of actions, a page's text) never hides the parts after it.
PART_CHARS = 160


def cut(text: str, width: int = PART_CHARS) -> str:
    """``text`` on one line, cut at ``width`` with "…" when longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def episode_reason(row: dict[str, Any], width: int = PART_CHARS) -> str:
    """Why a failed or errored episode ended so, in one line for `palaestra show`: an error's first
    line, or for a WebArena task the evaluator parts that scored below 1 in each column with what
    each wanted and read, the columns that could not judge it and why (a shopping helper with no
    Magento), and Verified's status. Each part is cut at ``width`` on its own."""
    if row.get("status") == "error":
        return cut(str(row.get("error_message") or "").strip().split("\n", 1)[0], width)
    try:
        extra = json.loads(row.get("extra") or "{}")
    except ValueError:
        return ""
    verdict = extra.get("verdict") if isinstance(extra, dict) else None
    if not isinstance(verdict, dict):
        return ""
    parts = []
    values = verdict.get("values") or {}
    for mode, scores in (verdict.get("details") or {}).items():
        read = values.get(mode) or {}
        low = [
            f"{k} {v:g}{_wanted_and_read(read.get(k), width)}"
            for k, v in (scores or {}).items()
            if isinstance(v, int | float) and v < 1
        ]
        if low:
            parts.append(f"{mode}: {', '.join(low)}")
    verified = verdict.get("verified") or {}
    if verified.get("status") not in (None, "success"):
        parts.append(f"verified: {verified['status']}")
    for column, error in (verdict.get("errors") or {}).items():
        parts.append(f"{column} not judged: {cut(str(error).splitlines()[0], width) if error else ''}")
    return "; ".join(parts)


def _wanted_and_read(values: Any, width: int) -> str:
    """` (wanted X, read "Y")` for a part whose verdict kept its values (`EvalContext.keep_values`),
    with the rule that refused an answer holding the reference (`; lists candidates: ...`)."""
    if not isinstance(values, dict) or "wanted" not in values:
        return ""
    why = f"; {cut(values['why'], width)}" if values.get("why") else ""
    return f' (wanted {cut(values["wanted"], width)}, read "{cut(values.get("found", ""), width)}"{why})'
