"""WebArena's evaluator columns in `palaestra compare`: each run's column means side by side.

Runs of WebArena's official suites judge every episode three ways (`paper`, `corrected`, `verified`;
see `palaestra.runs.columns`). `palaestra compare` tests the difference in success (the column the
benchmark's published numbers use); this table puts every column of every run beside each other, so
that a change under one evaluator and not another (a `url_match` fix, say) shows. Rows are keyed as
the comparison's (by agent and task, or by task alone). A run without columns shows `-`; when no run
has any, there is no table and `compare` prints what it always did. The desktop resource columns'
cells are made here too (`resource_cells`), beside the comparison's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palaestra.runs.columns import ColumnSummary, column_cell, column_names, group_columns, summarize_group
from palaestra.runs.resources import TaskResources

Groups = dict[tuple[str, str], list[dict[str, float | None]]]


@dataclass(frozen=True)
class ColumnRow:
    """`cells[i]` is run i's column means on the row (None: no judged episode of it in run i)."""

    agent: str
    task: str
    cells: tuple[ColumnSummary | None, ...]
    #: On an overall row, how many tasks (those every run holding the agent judged) it covers.
    tasks: int = 1
    overall: bool = False


@dataclass(frozen=True)
class ColumnComparison:
    names: tuple[str, ...]
    rows: tuple[ColumnRow, ...]


def compare_columns(runs: list[list[dict[str, Any]]], *, by_task: bool) -> ColumnComparison | None:
    """The runs' evaluator columns per (agent, task) and per agent over the tasks every run holding
    it judged; None when no run has columns. `by_task` keys rows by task alone (agent "")."""
    tables: list[Groups] = []
    for rows in runs:
        table: Groups = {}
        for (agent, task), group in group_columns(rows).items():
            table.setdefault(("" if by_task else agent, task), []).extend(group)
        tables.append(table)
    names = column_names([group for table in tables for group in table.values()])
    if not names:
        return None
    out: list[ColumnRow] = []
    for agent in sorted({agent for table in tables for agent, _ in table}):
        tasks = sorted({task for table in tables for a, task in table if a == agent})
        for task in tasks:
            cells = tuple(_cell(table, agent, [task], names) for table in tables)
            out.append(ColumnRow(agent, task, cells))
        present = [table for table in tables if any(a == agent for a, _ in table)]
        common = [t for t in tasks if all((agent, t) in table for table in present)]
        if common:
            cells = tuple(_cell(table, agent, common, names) for table in tables)
            out.append(ColumnRow(agent, "overall", cells, tasks=len(common), overall=True))
    return ColumnComparison(tuple(names), tuple(out))


def _cell(table: Groups, agent: str, tasks: list[str], names: list[str]) -> ColumnSummary | None:
    group = [columns for task in tasks for columns in table.get((agent, task), [])]
    return summarize_group(agent, tasks[0] if len(tasks) == 1 else "overall", group, names) if group else None


def format_column_comparison(c: ColumnComparison, runs: int, by_task: bool) -> list[str]:
    """The table's lines: per row, each run's columns (and its judged episodes, n) in turn."""
    lines = [
        "",
        "Evaluator columns (WebArena): each run's mean over its episodes with a value; (n=k) where fewer",
        "than the run's n; overall: over the episodes of the tasks every run judged. No test here: Δ above",
        "is the success of the benchmark's own column.",
        "",
    ]
    header = ([] if by_task else ["agent"]) + ["task"]
    header += [f"[{i + 1}] {name}" for i in range(runs) for name in (*c.names, "n")]
    table = [header]
    for row in c.rows:
        task = f"overall ({row.tasks} task{'s' * (row.tasks != 1)})" if row.overall else row.task
        cells: list[str] = []
        for cell in row.cells:
            if cell is None:
                cells += ["-"] * (len(c.names) + 1)
            else:
                cells += [column_cell(*cell.means[name], cell.episodes) for name in c.names]
                cells.append(str(cell.episodes))
        table.append(([] if by_task else [row.agent]) + [task, *cells])
    return lines + align(table, 1 if by_task else 2)


def resource_header(runs: int) -> list[str]:
    """The resource columns' headers: each run's CPU seconds and peak memory, as the report names them."""
    return [name for i in range(runs) for name in (f"[{i + 1}] CPU s", f"[{i + 1}] peak MiB")]


def resource_cells(figures: list[TaskResources | None]) -> list[str]:
    """A row's resource cells, run by run (`TaskResources.cells`): "-" where a run has no figures
    for it (not in that run, no episode with figures, an overall row), never a 0."""
    return [cell for f in figures for cell in (f.cells() if f is not None else ("-", "-"))]


def align(table: list[list[str]], text_columns: int) -> list[str]:
    """A text table's lines: the first `text_columns` columns flush left, the rest (numbers) flush
    right, and a rule under the header (the first row)."""
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines: list[str] = []
    for n, r in enumerate(table):
        parts = [
            v.ljust(w) if i < text_columns else v.rjust(w)
            for i, (v, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("-" * len(lines[-1]))
    return lines
