"""`palaestra judge RUN`: judge a run's finished site episodes again, without their agents.

Each site episode with evidence (`runs.evidence`) is restored (its saved databases served as a new
episode of the sites, its tabs reloaded in a fresh browser context) and judged by its task's current
evaluators, in the string-matching mode asked for (by default the one it was judged with). An
episode of WebArena's official tasks is judged offline, from its answer, final URL and network
trace (`tasks.webarena.rejudge_official`). The result says, per episode, the old and the new
verdict; with `write`, changed verdicts replace the old ones in the run, each old one kept in the
episode's `extra["judged"]`. Episodes that cannot be judged again (errored, MiniWoB++, a run from
before evidence was kept, an official column that needs the live sites) are listed with the
reason, never an exception.

Writing is safe beside a run being resumed: only finished episodes are judged, which a resumed run
never plays again, and each verdict is replaced in its own transaction, only if it is still the
one that was judged (`RunStore.replace_verdict`).
"""

from __future__ import annotations

import asyncio
import fnmatch
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.errors import ConfigError, PalaestraError, check_choice
from palaestra.runs import evidence
from palaestra.runs.artifacts import confined
from palaestra.runs.judge_reasons import reason_line
from palaestra.runs.records import FAILURE, SUCCESS
from palaestra.runs.results import load_rows
from palaestra.runs.store import RunStore

#: The string-matching modes of `tasks.webarena.evaluators` (`EvalContext.mode`).
MODES = ("corrected", "paper")
#: The mode site tasks are judged with in a run (`SiteTask.evaluate`).
SITE_MODE = "corrected"


@dataclass
class Rejudged:
    """One episode's old verdict and, when it could be judged again, its new one."""

    key: str
    agent: str
    task: str
    seed: int
    old_reward: float
    old_success: bool
    outcome: str
    new_reward: float | None = None
    new_success: bool | None = None
    #: Why the episode cannot be judged again ("" when it was).
    why_not: str = ""
    #: What the new verdict is: a site task's string-matching mode, or an official task's column.
    column: str = ""
    #: What of the episode's other verdicts (an official task's other columns) could not be judged.
    lacking: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.new_reward is not None and (
            abs(self.new_reward - self.old_reward) > 1e-9 or self.new_success != self.old_success
        )


def judge_run(
    run_dir: str | Path, *, mode: str | None = None, tasks: Sequence[str] = (), write: bool = False
) -> list[Rejudged]:
    """Every finished episode of `run_dir` (of the tasks matching the globs `tasks`) judged again,
    in string-matching `mode` (None: each episode as it was judged, see `judged_column`)."""
    if mode is not None:
        check_choice("--mode", mode, MODES)
    run = Path(run_dir)
    rows = load_rows(run)  # a directory without a run: FileNotFoundError naming the fix
    chosen = [r for r in rows if not tasks or any(_matches(r["task"], g) for g in tasks)]
    if tasks and not chosen:
        names = sorted({r["task"] for r in rows})
        raise ConfigError(
            f"No episode of {run} is of a task matching {', '.join(tasks)}; its tasks: "
            f"{', '.join(names[:12])}{' …' if len(names) > 12 else ''}."
        )
    results = asyncio.run(_judge_all(run, chosen, mode))
    if write:
        _write(run, results)
    return results


def _matches(task: str, glob: str) -> bool:
    """A glob over full names (`shop.product-*`) or short ones (`product-*`)."""
    return fnmatch.fnmatchcase(task, glob) or fnmatch.fnmatchcase(task.split(".", 1)[-1], glob)


async def _judge_all(run: Path, rows: list[dict[str, Any]], mode: str | None) -> list[Rejudged]:
    from palaestra.envs.browser import BrowserHost

    host = BrowserHost()  # launched by the first episode that needs a page
    tasks: dict[str, Any] = {}
    try:
        return [await _judge_one(run, row, mode, host, tasks) for row in rows]
    finally:
        await host.close()


async def _judge_one(
    run: Path, row: dict[str, Any], mode: str | None, host: Any, tasks: dict[str, Any]
) -> Rejudged:
    out = Rejudged(
        key=row["key"], agent=row["agent"], task=row["task"], seed=row["seed"], old_reward=row["reward"],
        old_success=bool(row["success"]), outcome=row["outcome"] or "",
    )  # fmt: skip
    if row["status"] != "done":
        out.why_not = f"it ended in an error ({row['error_kind'] or 'error'}), with no verdict to judge again"
        return out
    if row["task"] not in tasks:
        try:
            tasks[row["task"]] = _site_task(row["task"])
        except _NotRejudgeable as exc:
            tasks[row["task"]] = exc  # said once per task, not made again for each seed
    task = tasks[row["task"]]
    if isinstance(task, _NotRejudgeable):
        out.why_not = str(task)
        return out
    try:
        folder = confined(run, row["artifacts"] or ".")
        record = evidence.load(folder)
        if _is_official(task):
            return await _judge_official(out, task, folder, record, mode)
        out.column = mode or SITE_MODE
        with evidence.restored_state(folder, record) as state:
            if state is None:
                raise evidence.EvidenceError("its evidence holds no saved site state")
            from palaestra.tasks.webarena.rejudge import judge_again

            score, out.details = await judge_again(task, record, state, host.new_context, out.column)
    except evidence.EvidenceError as exc:
        out.why_not = str(exc)
        return out
    except Exception as exc:  # an evaluator that fails on this episode: said, and the others go on
        out.why_not = f"its evaluators failed: {type(exc).__name__}: {str(exc)[:300]}"
        return out
    out.new_reward, out.new_success = score, score >= 1.0
    return out


def _is_official(task: Any) -> bool:
    from palaestra.tasks.webarena.official_task import OfficialTask

    return isinstance(task, OfficialTask)


async def _judge_official(
    out: Rejudged, task: Any, folder: Path, record: dict[str, Any], mode: str | None
) -> Rejudged:
    """An official task's episode judged offline; evidence without a network trace (or with an
    unreadable one) still gets its string-matching columns judged, and says what it lacked."""
    from palaestra.tasks.webarena.rejudge_official import judge_official_again

    missing = ""
    try:
        network = evidence.network(folder, record)
    except evidence.EvidenceError as exc:
        network, missing = None, str(exc)
    verdict = await judge_official_again(task, record, network, mode, missing)
    out.column, out.details, out.why_not = verdict.column, verdict.details, verdict.why_not
    others = {k: v for k, v in verdict.details.get("undecided", {}).items() if k != verdict.column}
    out.lacking = "; ".join(others.values())
    if verdict.score is not None:
        out.new_reward, out.new_success = verdict.score, verdict.score >= 1.0
    return out


class _NotRejudgeable(PalaestraError):
    """The episode's task cannot be judged from evidence."""


def _site_task(name: str) -> Any:
    """The task `name` as it is now, if it is a site task that `palaestra judge` can judge."""
    from palaestra.tasks.registry import get_task_spec
    from palaestra.tasks.webarena.task import SiteTask

    try:
        task = get_task_spec(name).make()
    except PalaestraError as exc:
        raise _NotRejudgeable(f"its task cannot be made here: {exc}") from exc
    if not isinstance(task, SiteTask):
        raise _NotRejudgeable("not a site task: its verdict is read off its live page, nothing is saved")
    return task


def _write(run: Path, results: list[Rejudged]) -> None:
    """The changed verdicts into the run, each replaced verdict kept in the episode's record. A
    verdict that changed in the run since it was read (another `judge --write`) is left as it is,
    and said in its result."""
    with RunStore(run) as store:
        for r in results:
            if not r.changed or r.new_reward is None:
                continue
            # A failure that was a success fails; a step_limit stays one unless it now succeeds.
            outcome = SUCCESS if r.new_success else FAILURE if r.outcome == SUCCESS else r.outcome
            judged = {"at": time.time(), "by": "palaestra judge", "mode": r.column, "details": r.details}
            columns = {k: v for k, v in r.details.get("columns", {}).items() if v is not None}
            seen = (r.old_reward, r.old_success)
            if not store.replace_verdict(
                r.key, r.new_reward, bool(r.new_success), outcome, judged, seen, columns
            ):
                r.lacking = "not written: its verdict in the run changed while it was judged"


def format_rejudged(results: list[Rejudged], written: bool = False) -> str:
    """The table `palaestra judge` prints: a line per episode judged again, totals, and the
    episodes that could not be, each with why."""
    judged = [r for r in results if r.new_reward is not None]
    lines: list[str] = []
    if judged:
        aw = max([5, *(len(r.agent) for r in judged)])
        tw = max([4, *(len(r.task) for r in judged)])
        header = f"{'agent':<{aw}} {'task':<{tw}} {'seed':>5} {'old':>6} {'new':>6}  changed"
        lines += [header, "-" * len(header)]
        for r in judged:
            mark = "yes" if r.changed else ""
            old, new = f"{r.old_reward:.2f}", f"{r.new_reward:.2f}"
            lines.append(f"{r.agent:<{aw}} {r.task:<{tw}} {r.seed:>5} {old:>6} {new:>6}  {mark}")
        changed = [r for r in judged if r.changed]
        before, after = sum(r.old_success for r in judged), sum(bool(r.new_success) for r in judged)
        lines.append("-" * len(header))
        modes = ", ".join(sorted({r.column for r in judged}))
        lines.append(
            f"Judged again ({modes}): {len(judged)} episode(s), {len(changed)} changed; "
            f"successes {before}/{len(judged)} -> {after}/{len(judged)}."
        )
        if changed:
            lines.append(
                "The new verdicts are written into the run (the old ones kept in each record's history)."
                if written
                else "Nothing written: --write stores the new verdicts (the old ones kept as history)."
            )
    else:
        lines.append("No episode could be judged again.")
    failing = [(r, reason_line(r)) for r in judged if not r.new_success]
    if failing:
        lines.append(f"\nWhy the failing verdicts fail ({len(failing)}):")
        lines += [f"  {r.agent} {r.task} seed {r.seed} ({r.column}): {why or 'no part below 1 was kept'}"
                  for r, why in failing]  # fmt: skip
    lines += _grouped("Judged in part", [(r, r.lacking) for r in judged if r.lacking], "")
    skipped = [(r, r.why_not) for r in results if r.new_reward is None]
    lines += _grouped("Not re-judgeable", skipped, "not re-judgeable: ")
    return "\n".join(lines)


def _grouped(title: str, items: list[tuple[Rejudged, str]], prefix: str) -> list[str]:
    """A section of episodes with what was said of them, seeds of one agent, task and reason together."""
    groups: dict[tuple[str, str, str], list[int]] = {}
    for r, said in items:
        groups.setdefault((r.agent, r.task, said), []).append(r.seed)
    if not groups:
        return []
    lines = [f"\n{title} ({len(items)}):"]
    for (agent, task, said), seeds in groups.items():
        which = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"
        lines.append(f"  {agent} {task} {which}: {prefix}{said}")
    return lines
