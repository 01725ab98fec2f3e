"""`palaestra compare`: runs side by side per task, with each difference and whether it is noise.

Success rates over a few seeds are noisy: 5/10 against 6/10 says nothing. Every difference against
the first run is therefore tested, and only a two-sided p < 0.05 is marked as a change (▲ or ▼;
≈ otherwise).

Which test: per task, **Fisher's exact test** on the 2×2 table (successes and failures of the two
runs). Evaluations have small n (3 to 50 seeds) and rates at 0 or 1, where the two-proportion z-test's
normal approximation is wrong (its standard error is 0 at 10/10 against 9/10); the exact test holds
at every n and costs O(n). The overall row per agent pools tasks with the **Cochran–Mantel–Haenszel**
test, stratified by task, so that a difference in task mix cannot pass for a difference in skill; it
covers only the tasks every compared run finished (with a single such task it is Fisher's again).

One run of several agents compares its agents (`compare_agents`): each label is one column, by task.
Rows are keyed by (agent label, task). When each run holds exactly one agent and their labels differ
(`compare runs/memory runs/synapse`), or `--by-task` says so, rows are keyed by task alone: the runs
*are* the agents. One label standing for two configurations (`random` here, `random seed=7` there)
is refused: pairing them by label would pass a change of configuration off as a change of result.
Success rates count finished episodes only, as in `palaestra show`; errored episodes are shown apart.
Runs of WebArena's official suites add their evaluator columns side by side (`compare_columns`);
when two or more runs hold desktop episodes' resource figures, each run's mean CPU seconds and
largest peak memory per task follow the deltas (as `palaestra report` shows them; "-": none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.runs.compare_agents import split_by_agent
from palaestra.runs.compare_columns import (
    ColumnComparison,
    align,
    compare_columns,
    format_column_comparison,
    resource_cells,
    resource_header,
)
from palaestra.runs.provenance import episode_differences, provenance_notes
from palaestra.runs.resources import TaskResources
from palaestra.runs.results import TaskSummary, agent_means, load_rows, summarize
from palaestra.runs.resume import condition_notes
from palaestra.runs.significance import cmh_test, fisher_exact
from palaestra.runs.store import RunStore

__all__ = [
    "ALPHA",
    "Cell",
    "CompareError",
    "Comparison",
    "Delta",
    "Row",
    "cmh_test",
    "compare_runs",
    "fisher_exact",
    "format_comparison",
]

#: Significance level: a difference with a two-sided p-value below it is "beyond noise".
ALPHA = 0.05
OVERALL = "overall"
RESOURCE_LEGEND = "CPU s: mean over a task's episodes with figures; peak MiB: the largest; '-': none."
_EMPTY = TaskSummary("", "", 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, 0.0)


class CompareError(PalaestraError, ValueError):
    """The runs given cannot be compared (fewer than two, or one label for two configurations)."""


@dataclass(frozen=True)
class Cell:
    """One run's result on one (agent, task), or an agent's mean over tasks on an overall row."""

    successes: int
    episodes: int
    errors: int
    success: float
    stderr: float
    #: The task's resource figures in that run (None: no episode of it has any; overall rows).
    resources: TaskResources | None = None


@dataclass(frozen=True)
class Delta:
    """A run's difference in success against the first run, and the test's two-sided p-value."""

    diff: float
    p_value: float

    @property
    def beyond_noise(self) -> bool:
        return self.p_value < ALPHA

    @property
    def verdict(self) -> str:
        if not self.beyond_noise:
            return "≈"
        return "▲" if self.diff > 0 else "▼"


@dataclass(frozen=True)
class Row:
    """`cells[i]` is run i's result (None: not in that run); `deltas[i]` compares it to run 0."""

    agent: str
    task: str
    cells: tuple[Cell | None, ...]
    deltas: tuple[Delta | None, ...]
    #: On an overall row, how many tasks (those every run finished) its means cover.
    tasks: int = 1

    @property
    def overall(self) -> bool:
        return self.task == OVERALL


@dataclass(frozen=True)
class Comparison:
    runs: tuple[str, ...]
    #: Each run's agent labels.
    agents: tuple[tuple[str, ...], ...]
    #: True when rows are keyed by task alone (one agent per run, labels differ); `Row.agent` is "".
    by_task: bool
    rows: tuple[Row, ...]
    #: WebArena's evaluator columns side by side, when any run has them.
    columns: ColumnComparison | None = None
    #: Whether two or more runs have resource figures: only then are they shown, per run.
    resources: bool = False
    #: The run whose agents are compared, when one run was given (`runs` are then its agent labels).
    within: str = ""
    #: Settings deciding where episodes end on which the runs differ (`runs.resume.condition_notes`).
    notes: tuple[str, ...] = ()


def compare_runs(run_dirs: Sequence[str | Path], *, by_task: bool | None = None) -> Comparison:
    """Compare two or more runs against the first, per (agent, task) or per task (see the module doc).

    `by_task=True` pairs the runs' single agents whatever their labels (the runs *are* the agents);
    by default that happens when their labels differ. Pairing by label refuses two configurations
    under one label (`random` and `random seed=7`): that would compare different agents unawares.
    """
    if len(run_dirs) == 1:  # one study: its agents side by side (`compare_agents`)
        labels, loaded = split_by_agent(run_dirs[0], CompareError)
        return _compare(tuple(labels), loaded, by_task=True, within=str(run_dirs[0]))
    if len(run_dirs) < 2:
        raise CompareError(f"compare needs two or more runs, got {len(run_dirs)}.")
    loaded = [load_rows(run) for run in run_dirs]
    summaries = [summarize(run_rows) for run_rows in loaded]
    agents = tuple(tuple(sorted({s.agent for s in run})) for run in summaries)
    single = all(len(a) == 1 for a in agents)
    if by_task and not single:
        several = [str(run) for run, a in zip(run_dirs, agents, strict=True) if len(a) != 1]
        raise CompareError(f"--by-task needs one agent per run; {', '.join(several)} hold(s) several.")
    by_task = single and (by_task or len({a[0] for a in agents}) > 1)
    if not by_task:
        refuse_different_configurations(run_dirs, loaded)
    names = tuple(str(r) for r in run_dirs)
    compared = _compare(names, loaded, by_task=by_task)
    notes = [*condition_notes(run_dirs), *provenance_notes(run_dirs)]
    return replace(compared, notes=tuple(notes + episode_differences(names, loaded, by_task=by_task)))


def _compare(
    names: tuple[str, ...], loaded: list[list[dict[str, Any]]], *, by_task: bool, within: str = ""
) -> Comparison:
    """The comparison of ``loaded`` (each a list of episode rows: a run, or one agent's part of one)."""
    summaries = [summarize(run_rows) for run_rows in loaded]
    agents = tuple(tuple(sorted({s.agent for s in run})) for run in summaries)
    tables = [{("" if by_task else s.agent, s.task): s for s in run} for run in summaries]
    rows: list[Row] = []
    for agent in sorted({agent for table in tables for agent, _ in table}):
        tasks = sorted({task for table in tables for a, task in table if a == agent})
        for task in tasks:
            cells = tuple(_cell(table.get((agent, task))) for table in tables)
            rows.append(Row(agent, task, cells, _deltas(cells)))
        overall = _overall(agent, tasks, tables)
        if overall is not None:
            rows.append(overall)
    columns = compare_columns(loaded, by_task=by_task)
    measured = sum(any(s.resources is not None and s.resources.measured for s in run) for run in summaries)
    return Comparison(names, agents, by_task, tuple(rows), columns, measured >= 2, within)


def refuse_different_configurations(run_dirs: Sequence[str | Path], rows: list[list[dict[str, Any]]]) -> None:
    """Raise when one agent label stands for different configurations in different runs."""
    seen: dict[str, tuple[str | Path, str]] = {}
    for run, run_rows in zip(run_dirs, rows, strict=True):
        for label, config_hash in sorted({(r["agent"], r["agent_hash"]) for r in run_rows}):
            first = seen.setdefault(label, (run, config_hash))
            if first[1] != config_hash:
                raise CompareError(
                    f"`{label}` is not the same agent in both runs: {first[0]} ran "
                    f"{_configuration(first[0], label, first[1])}, {run} ran "
                    f"{_configuration(run, label, config_hash)}. To compare the two configurations, "
                    "pass --by-task (when each run holds one agent), or label them apart (--label)."
                )


def _configuration(run: str | Path, label: str, config_hash: str) -> str:
    """`random seed=7 [3f2a9c]`: an agent's name and arguments as its run recorded them."""
    with RunStore(run, readonly=True) as store:
        config = store.meta("config") or {}
    for agent in config.get("agents") or []:
        if isinstance(agent, dict) and agent.get("label") == label:
            args = " ".join(f"{k}={v}" for k, v in agent.get("args") or [])
            return f"`{' '.join(filter(None, [agent.get('name', label), args]))}` [{config_hash}]"
    return f"configuration [{config_hash}]"


def _cell(s: TaskSummary | None) -> Cell | None:
    if s is None:
        return None
    measured = s.resources if s.resources is not None and s.resources.measured else None
    return Cell(round(s.success * s.episodes), s.episodes, s.errors, s.success, s.stderr, measured)


def _deltas(cells: tuple[Cell | None, ...]) -> tuple[Delta | None, ...]:
    first = cells[0]
    deltas: list[Delta | None] = [None]
    for cell in cells[1:]:
        if first is None or cell is None or not first.episodes or not cell.episodes:
            deltas.append(None)
        else:
            p = fisher_exact(first.successes, first.episodes, cell.successes, cell.episodes)
            deltas.append(Delta(cell.success - first.success, p))
    return tuple(deltas)


def _overall(agent: str, tasks: list[str], tables: list[dict[tuple[str, str], TaskSummary]]) -> Row | None:
    """The agent's mean over the tasks that every run holding the agent finished; None if no task."""
    present = [i for i, table in enumerate(tables) if any(a == agent for a, _ in table)]
    common = [t for t in tasks if all(tables[i].get((agent, t), _EMPTY).episodes for i in present)]
    if not common:
        return None
    cells: list[Cell | None] = []
    for i, table in enumerate(tables):
        if i not in present:
            cells.append(None)
            continue
        chosen = [table[(agent, t)] for t in common]
        mean, stderr = agent_means(chosen)[chosen[0].agent]
        successes = sum(c.successes for c in map(_cell, chosen) if c)
        episodes, errors = sum(s.episodes for s in chosen), sum(s.errors for s in chosen)
        cells.append(Cell(successes, episodes, errors, mean, stderr))
    deltas: list[Delta | None] = [None]
    for i in range(1, len(tables)):
        first, cell = cells[0], cells[i]
        if first is None or cell is None:
            deltas.append(None)
            continue
        strata = [(_counts(tables[0][(agent, t)]) + _counts(tables[i][(agent, t)])) for t in common]
        p = fisher_exact(*strata[0]) if len(strata) == 1 else cmh_test(strata)
        deltas.append(Delta(cell.success - first.success, p))
    return Row(agent, OVERALL, tuple(cells), tuple(deltas), tasks=len(common))


def _counts(s: TaskSummary) -> tuple[int, int]:
    return round(s.success * s.episodes), s.episodes


def format_comparison(c: Comparison) -> str:
    """The comparison as an aligned text table for the terminal."""
    if c.within:
        lines = [f"Comparing the {len(c.runs)} agents of {c.within} by task:"]
        lines += [f"  [{i + 1}] {label}" for i, label in enumerate(c.runs)]
    else:
        lines = [f"Comparing {len(c.runs)} runs" + (" by task (one agent per run):" if c.by_task else ":")]
        for i, (run, agents) in enumerate(zip(c.runs, c.agents, strict=True)):
            lines.append(f"  [{i + 1}] {run}  agents: {', '.join(agents) or '(none)'}")
    lines += [
        "Cells: success ± std. error (successes/episodes, errored episodes apart); '-': not in that run.",
        f"Δ vs [1]: ▲/▼ beyond noise (two-sided p < {ALPHA}), ≈ within. Per task: Fisher's exact test;",
        "overall: mean over the tasks every run finished, Cochran–Mantel–Haenszel test by task.",
        *([RESOURCE_LEGEND] if c.resources else []),
        *c.notes,
        "",
    ]
    header = ([] if c.by_task else ["agent"]) + ["task"] + [f"[{i + 1}]" for i in range(len(c.runs))]
    header += [f"Δ [{i + 1}]-[1]" for i in range(1, len(c.runs))]
    header += resource_header(len(c.runs)) if c.resources else []
    table = [header]
    for row in c.rows:
        task = f"{OVERALL} ({row.tasks} task{'s' * (row.tasks != 1)})" if row.overall else row.task
        cells = [_format_cell(cell) for cell in row.cells]
        deltas = [_format_delta(d) for d in row.deltas[1:]]
        used = resource_cells([cell.resources if cell else None for cell in row.cells]) if c.resources else []
        table.append(([] if c.by_task else [row.agent]) + [task, *cells, *deltas, *used])
    lines += align(table, 1 if c.by_task else 2)
    if not any(d for row in c.rows for d in row.deltas):
        lines.append("(no task finished in both the first run and another: nothing to compare)")
    if c.columns is not None:
        lines += format_column_comparison(c.columns, len(c.runs), c.by_task)
    return "\n".join(lines)


def _format_cell(cell: Cell | None) -> str:
    if cell is None:
        return "-"
    errors = f" +{cell.errors} err" if cell.errors else ""
    if not cell.episodes:
        return f"-{errors}"
    return f"{cell.success:.2f} ± {cell.stderr:.2f} ({cell.successes}/{cell.episodes}){errors}"


def _format_delta(delta: Delta | None) -> str:
    if delta is None:
        return "-"
    p = "p<0.001" if delta.p_value < 0.001 else f"p={delta.p_value:.3f}"
    return f"{delta.diff:+.2f} {delta.verdict} {p}"
