"""The Runs page's data: every run under the roots, one run's results, two runs side by side.

Numbers come from the same functions as `palaestra show` and `palaestra compare` (`runs.results`,
`runs.compare`), so the UI, the terminal and the HTML report never disagree: success over finished
episodes with its standard error, errored episodes counted apart and never as failures.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from pathlib import Path
from typing import Any

from palaestra.runs.compare import RESOURCE_LEGEND, compare_runs
from palaestra.runs.compare_columns import ColumnComparison
from palaestra.runs.failure_signs import FailureSigns, failure_kind, signs_by_episode, why_it_failed
from palaestra.runs.records import PERMANENT_ERRORS, RETRYABLE_ERRORS
from palaestra.runs.report_html import is_reference
from palaestra.runs.results import agent_means, summarize
from palaestra.runs.store import RunStore
from palaestra.runs.tracing import trace_of
from palaestra.ui.roots import UiRoots
from palaestra.ui.unfinished import unfinished_episodes

#: The columns of an episode row the Runs page shows and filters on.
EPISODE_FIELDS = (
    "key", "agent", "agent_name", "task", "seed", "status", "outcome", "success", "reward", "steps",
    "error_kind", "attempts", "elapsed_s", "tokens_in", "tokens_out", "cost", "goal",
)  # fmt: skip


def run_list(roots: UiRoots) -> list[dict[str, Any]]:
    """A line per run: where it is, what it holds, how it went, when it last ran."""
    out: list[dict[str, Any]] = []
    for path in roots.find_runs():
        try:
            with RunStore(path, readonly=True) as store:
                episodes, invocations = store.episodes(), store.invocations()
        except (sqlite3.Error, OSError) as exc:
            out.append({"id": str(path), "label": roots.label(path), "problem": str(exc)})
            continue
        means = agent_means(summarize(episodes))
        latest = invocations[-1] if invocations else {}
        out.append(
            {
                "id": str(path),
                "label": roots.label(path),
                "episodes": len(episodes),
                "errored": sum(e["status"] == "error" for e in episodes),
                "agents": {agent: {"success": m, "stderr": s} for agent, (m, s) in sorted(means.items())},
                "tasks": len({e["task"] for e in episodes}),
                "status": latest.get("status") or "",
                "started": latest.get("started"),
                "finished": latest.get("finished"),
            }
        )
    return out


def run_detail(roots: UiRoots, path: Path) -> dict[str, Any]:
    """One run: its reproducibility record, per-task summaries, per-agent means, errors, episodes."""
    with RunStore(path, readonly=True) as store:
        episodes, invocations = store.episodes(), store.invocations()
        attempts = [dict(r) for r in store.db.execute("SELECT episode, error_kind FROM attempts")]
        signs = signs_by_episode(store.db, [e["key"] for e in episodes if result_of(e) != "success"])
    summaries = summarize(episodes)
    reference = sorted({e["agent"] for e in episodes if is_reference(e)})
    latest = invocations[-1] if invocations else {}
    return {
        "id": str(path),
        "label": roots.label(path),
        "record": latest.get("record") if isinstance(latest.get("record"), dict) else {},
        "invocations": [{k: i.get(k) for k in ("id", "started", "finished", "status")} for i in invocations],
        "summary": [asdict(s) for s in summaries],
        "agents": [
            {"agent": a, "success": m, "stderr": s, "reference": a in reference}
            for a, (m, s) in sorted(agent_means(summaries).items())
        ],
        "errors": _errors(episodes, attempts),
        "episodes": [_episode_row(path, e, signs.get(e["key"])) for e in episodes],
        # Started, not recorded: playing now (a live run), or stopped during it (resuming replays it).
        "unfinished": unfinished_episodes(path, episodes),
    }


def _episode_row(run: Path, e: dict[str, Any], signs: FailureSigns | None) -> dict[str, Any]:
    row = {k: e.get(k) for k in EPISODE_FIELDS}
    row["result"] = result_of(e)
    # Why it went wrong, as `palaestra show` says it (the error, the evaluator's reason, what its
    # steps show), the kind to filter on, and the step to open it at (its first failed action).
    row["why"] = why_it_failed(e, signs)
    row["failure_kind"] = failure_kind(e, signs)
    row["first_step"] = signs.step if signs is not None and row["result"] != "success" else None
    row["reference"] = is_reference(e)
    # Whether it kept a Playwright trace (`--trace`); the episode page offers it.
    row["trace"] = trace_of(run, e.get("artifacts")) is not None
    return row


def result_of(e: dict[str, Any]) -> str:
    """success, failure, step_limit or error: the four endings, failures and errors kept apart."""
    if e["status"] == "error":
        return "error"
    if e["success"]:
        return "success"
    return str(e.get("outcome") or "failure")


def _errors(episodes: list[dict[str, Any]], attempts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Error kinds: episodes that ended errored, errored attempts (retries included), and the class."""
    kinds: dict[str, dict[str, Any]] = {}
    for e in episodes:
        if e["status"] == "error":
            kind = e["error_kind"] or "unknown"
            entry = kinds.setdefault(kind, {"kind": kind, "episodes": 0, "attempts": 0})
            entry["episodes"] += 1
            entry.setdefault("sample", e["key"])
    for a in attempts:
        kind = a["error_kind"] or "unknown"
        kinds.setdefault(kind, {"kind": kind, "episodes": 0, "attempts": 0})["attempts"] += 1
    for kind, entry in kinds.items():
        entry["class"] = (
            "retryable" if kind in RETRYABLE_ERRORS else "permanent" if kind in PERMANENT_ERRORS else "other"
        )
    return sorted(kinds.values(), key=lambda k: (-k["episodes"], -k["attempts"], k["kind"]))


def comparison(roots: UiRoots, paths: list[Path]) -> dict[str, Any]:
    """`palaestra compare`'s tables as JSON: per row each run's cell and its difference to the first,
    then (`columns`, or None) WebArena's evaluator columns of each run side by side."""
    c = compare_runs(paths)
    rows = []
    for row in c.rows:
        rows.append(
            {
                "agent": row.agent,
                "task": row.task,
                "overall": row.overall,
                "tasks": row.tasks,
                "cells": [asdict(cell) if cell else None for cell in row.cells],
                "deltas": [
                    {"diff": d.diff, "p_value": d.p_value, "verdict": d.verdict} if d else None
                    for d in row.deltas
                ],
            }
        )
    return {
        # One run's agents: each column is one of its agents (`palaestra compare RUN`).
        "runs": [{"id": str(paths[0]), "label": label} for label in c.runs]
        if c.within
        else [{"id": str(p), "label": roots.label(p)} for p in paths],
        "within": roots.label(paths[0]) if c.within else "",
        "agents": [list(a) for a in c.agents],
        "by_task": c.by_task,
        "rows": rows,
        "columns": _columns(c.columns),
        # Desktop episodes' figures (a cell's `resources`), shown when two runs or more have any.
        "resources": c.resources,
        "resource_legend": RESOURCE_LEGEND,
        # Settings that end episodes on which the runs differ (another --max-steps...), as compare says.
        "notes": list(c.notes),
    }


def _columns(c: ColumnComparison | None) -> dict[str, Any] | None:
    """WebArena's evaluator columns side by side, as `palaestra compare` prints them; None when no run
    has columns. A cell is a run's `{episodes, means: {column: {mean, n}}}` on the row, or None."""
    if c is None:
        return None
    return {
        "names": list(c.names),
        "rows": [
            {
                "agent": row.agent,
                "task": row.task,
                "overall": row.overall,
                "tasks": row.tasks,
                "cells": [
                    None
                    if cell is None
                    else {
                        "episodes": cell.episodes,
                        "means": {name: {"mean": m, "n": n} for name, (m, n) in cell.means.items()},
                    }
                    for cell in row.cells
                ],
            }
            for row in c.rows
        ],
    }


def parse_extra(episode: dict[str, Any]) -> dict[str, Any]:
    try:
        extra = json.loads(episode.get("extra") or "{}")
    except ValueError:
        return {}
    return extra if isinstance(extra, dict) else {}
