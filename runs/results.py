"""Reading a run's results: per-task summaries for `palaestra show`, and pandas for notebooks.

Success rates are over finished episodes only; errored episodes (the infrastructure's fault) are
counted apart and never as failures.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.runs.resources import TaskResources, task_resources
from palaestra.runs.step_count import counted_answers
from palaestra.runs.store import DB_NAME, RunStore


@dataclass
class TaskSummary:
    agent: str
    task: str
    episodes: int
    errors: int
    success: float
    stderr: float
    mean_reward: float
    mean_steps: float
    mean_seconds: float
    tokens: int
    cost: float
    #: Mean CPU seconds and largest peak memory of the episodes that report them (desktop ones).
    resources: TaskResources | None = None
    #: Mean answers of the finished episodes whose step limit counted answers (`runs.step_count`:
    #: an OSWorld agent's), ``steps`` being their actions; None when none did.
    mean_answers: float | None = None


def standard_error(p: float, n: int) -> float:
    return math.sqrt(p * (1 - p) / n) if n else 0.0


def summarize(rows: list[dict[str, Any]]) -> list[TaskSummary]:
    """One summary per (agent, task), sorted by agent then task."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["agent"], row["task"])].append(row)
    summaries = []
    for (agent, task), group in sorted(groups.items()):
        done = [r for r in group if r["status"] == "done"]
        n = len(done)
        p = sum(r["success"] for r in done) / n if n else 0.0
        summaries.append(
            TaskSummary(
                agent=agent,
                task=task,
                episodes=n,
                errors=len(group) - n,
                success=p,
                stderr=standard_error(p, n),
                mean_reward=sum(r["reward"] for r in done) / n if n else 0.0,
                mean_steps=sum(r["steps"] for r in done) / n if n else 0.0,
                mean_seconds=sum(r["elapsed_s"] or 0.0 for r in done) / n if n else 0.0,
                tokens=sum((r["tokens_in"] or 0) + (r["tokens_out"] or 0) for r in group),
                cost=sum(r["cost"] or 0.0 for r in group),
                resources=task_resources(group),
                mean_answers=mean_answers(done),
            )
        )
    return summaries


def mean_answers(done: list[dict[str, Any]]) -> float | None:
    """The mean answers of the episodes that counted them, None if none did."""
    answers = [a for a in map(counted_answers, done) if a is not None]
    return sum(answers) / len(answers) if answers else None


def agent_means(summaries: list[TaskSummary]) -> dict[str, tuple[float, float]]:
    """Per agent: mean success over its tasks (each task weighs the same) and that mean's std. error."""
    by_agent: dict[str, list[TaskSummary]] = defaultdict(list)
    for s in summaries:
        if s.episodes:
            by_agent[s.agent].append(s)
    means = {}
    for agent, tasks in by_agent.items():
        mean = sum(t.success for t in tasks) / len(tasks)
        stderr = math.sqrt(sum(t.stderr**2 for t in tasks)) / len(tasks)
        means[agent] = (mean, stderr)
    return means


def format_summary(summaries: list[TaskSummary], reference: Collection[str] = ()) -> str:
    """The table `palaestra show` prints. A task or agent with no finished episode (all errored)
    shows `-`, not a success rate of 0: nothing was measured. When any episode reports resource
    figures (desktop ones), two last columns give each task's mean CPU seconds and largest peak
    memory in MiB, `-` for a task none of whose episodes has them (a run recorded before them).
    ``reference`` labels privileged agents (the oracle), marked as the report marks them."""
    aw = max([16, *(len(s.agent) for s in summaries)])  # a label as long as `pkg.module:Class` fits
    tw = max([34, *(len(s.task) for s in summaries)])
    header = (
        f"{'agent':<{aw}} {'task':<{tw}} {'n':>4} {'success':>13} {'reward':>7} {'steps':>6} "
        f"{'s/ep':>6} {'tokens':>9} {'cost':>8} {'errors':>6}"
    )
    measured = has_resources(summaries)
    if measured:
        header += f" {'cpu s':>7} {'peak MB':>8}"
    answered = any(s.mean_answers is not None for s in summaries)
    if answered:  # some agent's step limit counted answers: steps are its actions
        header += f" {'answers':>7}"
    lines = [header, "-" * len(header)]
    for s in summaries:
        shown = (
            f"{s.success:>6.2f} ± {s.stderr:<4.2f} {s.mean_reward:>7.2f} {s.mean_steps:>6.1f} "
            f"{s.mean_seconds:>6.1f}"
            if s.episodes
            else f"{'-':>13} {'-':>7} {'-':>6} {'-':>6}"
        )
        usage = f"{s.tokens:>9,} {s.cost:>8.4f} {s.errors:>6}"
        if measured:
            cpu, peak = s.resources.cells() if s.resources is not None else ("-", "-")
            usage += f" {cpu:>7} {peak:>8}"
        if answered:
            usage += f" {'-' if s.mean_answers is None else f'{s.mean_answers:.1f}':>7}"
        lines.append(f"{s.agent:<{aw}} {s.task:<{tw}} {s.episodes:>4} {shown} {usage}")
    lines.append("-" * len(header))
    means = agent_means(summaries)
    for agent in sorted({s.agent for s in summaries}):
        errors = sum(s.errors for s in summaries if s.agent == agent)
        episodes = sum(s.episodes for s in summaries if s.agent == agent)
        mean = f"{means[agent][0]:>6.2f} ± {means[agent][1]:<4.2f}" if agent in means else f"{'-':>13}"
        note = "" if agent in means else "  (no finished episode)"
        note = "  (reference: told the task)" if agent in reference and agent in means else note
        lines.append(f"{agent:<{aw}} {'mean over tasks':<{tw}} {episodes:>4} {mean}{note:<42}{errors:>6}")
    if reference:
        lines.append(
            f"{', '.join(sorted(reference))}: privileged (told the task's name): a reference solution that "
            "checks the tasks, not a measured agent."
        )
    return "\n".join(lines)


def has_resources(summaries: list[TaskSummary]) -> bool:
    """Whether any task has resource figures: only then do the tables show their columns."""
    return any(s.resources is not None and s.resources.measured for s in summaries)


def format_errors(rows: list[dict[str, Any]], limit: int = 5) -> str:
    """The errors of a run, grouped by kind and message, most frequent first: what broke reads at
    once, without opening the database or the UI ("" when nothing errored)."""
    groups = Counter(
        (r["error_kind"] or "error", next(iter((r["error_message"] or "").strip().splitlines()), "")[:240])
        for r in rows if r["status"] == "error"
    )  # fmt: skip
    if not groups:
        return ""
    lines = ["\nErrors (kind, episodes, message):"]
    lines += [f"  {kind:<14} {n:>4}  {message}" for (kind, message), n in groups.most_common(limit)]
    if len(groups) > limit:
        lines.append(
            f"  … and {len(groups) - limit} other messages: palaestra report, or the UI, shows each one"
        )
    return "\n".join(lines)


def format_model_retries(rows: list[dict[str, Any]]) -> str:
    """Per agent, the model calls its endpoint made it retry (`agents.llm.retry_tally`) and the waits:
    they are inside its time per episode, which reads as a slow agent otherwise ("" when none)."""
    tallies: dict[str, list[dict[str, Any]]] = defaultdict(list)
    episodes: Counter[str] = Counter()
    for row in rows:
        episodes[row["agent"]] += 1
        extra = json.loads(row.get("extra") or "{}")
        if isinstance(extra, dict) and isinstance(extra.get("model_retries"), dict):
            tallies[row["agent"]].append(extra["model_retries"])
    if not tallies:
        return ""
    lines = ["\nModel calls retried (the endpoint's 429s, 5xx, timeouts; the waits are in s/ep):"]
    for agent, found in sorted(tallies.items()):
        causes: Counter[str] = Counter()
        for tally in found:
            causes.update({str(k): int(v) for k, v in (tally.get("causes") or {}).items()})
        listed = ", ".join(f"{cause} x{n}" for cause, n in causes.most_common())
        retried = sum(int(t.get("retries") or 0) for t in found)
        waited = sum(float(t.get("waited_s") or 0.0) for t in found)
        lines.append(
            f"  {agent}: {retried} retries in {len(found)} of {episodes[agent]} episodes ({listed}), "
            f"{waited:.1f} s waited"
        )
    return "\n".join(lines)


def format_episode_links(
    run_dir: str | Path, rows: list[dict[str, Any]], every: bool = False, limit: int = 20
) -> str:
    """Where to open the run and its episodes in `palaestra ui`: the first ``limit`` failed and
    errored episodes, or with ``every`` all episodes, each with its link (and the command that opens
    its Playwright trace, when it recorded one: `--trace`). A failure whose evaluator gives no reason
    (MiniWoB++) is explained by its steps (`runs.failure_signs`: failed actions, a repeated action),
    and its link opens the episode at the step where that starts."""
    from palaestra.runs.failure_signs import FailureSigns, signs_by_episode, why_it_failed
    from palaestra.runs.tracing import show_trace_command, trace_of
    from palaestra.ui.links import episode_link, run_link

    lines = [f"\nIn the UI (palaestra ui {run_dir}): {run_link(run_dir)}"]
    chosen = rows if every else [r for r in rows if r["status"] == "error" or not r["success"]]
    if chosen:
        lines.append("Episodes:" if every else "Failed and errored episodes (--episodes lists every one):")
    signs: dict[str, FailureSigns] = {}
    if (Path(run_dir) / DB_NAME).is_file():
        with RunStore(run_dir, readonly=True) as store:
            signs = signs_by_episode(store.db, [r["key"] for r in chosen])
    for r in chosen if every else chosen[:limit]:
        if r["status"] == "error":
            ending = r["error_kind"] or "error"
        else:
            ending = "success" if r["success"] else r["outcome"] or "failure"
        failed = r["status"] == "error" or not r["success"]
        sign = signs.get(r["key"]) if failed else None
        link = episode_link(run_dir, r["key"], sign.step if sign else None)
        lines.append(f"  {ending:<14} {r['agent']} {r['task']} seed {r['seed']}  {link}")
        reason = why_it_failed(r, sign)
        if reason:  # what to fix, without opening the episode
            lines.append(f"  {'':<14} {reason}")
        trace = trace_of(run_dir, r.get("artifacts"))
        if trace is not None:
            lines.append(f"  {'':<14} trace: {show_trace_command(trace)}")
    if not every and len(chosen) > limit:
        lines.append(f"  … and {len(chosen) - limit} more: palaestra show {run_dir} --episodes")
    return "\n".join(lines)


def load_rows(run_dir: str | Path) -> list[dict[str, Any]]:
    with RunStore(run_dir, readonly=True) as store:
        return store.episodes()


def to_dataframe(run_dir: str | Path, *, steps: bool = False) -> Any:
    """The run's episodes (or, with `steps`, its steps) as a pandas DataFrame.

    Needs pandas (`pip install 'palaestra[analysis]'`).
    """
    import pandas as pd

    with RunStore(run_dir, readonly=True) as store:
        table = "steps" if steps else "episodes"
        return pd.read_sql_query(f"SELECT * FROM {table}", store.db)
