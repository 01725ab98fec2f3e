"""What a reviewer must know before reading two runs' difference as the agents' own.

A paper's numbers are reproduced months later, on another machine, from another checkout. Two runs
whose episodes were played by another Palaestra commit, another MiniWoB++ or Playwright release,
another browser or on a machine with fewer cores (timing-dependent pages, timeouts) can differ for
those reasons alone. `palaestra compare` therefore names every such difference it finds in the
runs' reproducibility records (`provenance_notes`), and says which episodes, played by the same
agent configuration on the same task and seed, ended otherwise (`episode_differences`), marking
those of tasks registered as nondeterministic (pages on a real-time clock, live sites).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from palaestra.runs.store import RunStore
from palaestra.runs.task_env import RECORD_KEY as TASK_ENV_KEY

#: Packages whose versions change what a task is or how it is played (the rest: `packages`).
TASK_PACKAGES = ("palaestra", "miniwob", "playwright", "gymnasium")
#: How many differing episodes a note names before it only counts them.
_SHOWN = 6


def machine_record() -> dict[str, Any]:
    """The machine's cores (all, and those this process may use) and memory: timing-dependent
    tasks and timeouts behave otherwise on a smaller or busier machine."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        memory_gib = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gib = None
    return {"cpus": os.cpu_count(), "cpus_usable": usable, "memory_gib": memory_gib}


def played_records(run: str | Path) -> list[dict[str, Any]]:
    """The records of the invocations that played the run's episodes (all, if none did)."""
    with RunStore(run, readonly=True) as store:
        used = {row["invocation"] for row in store.episodes()}
        invocations = store.invocations()
    chosen = [i for i in invocations if i["id"] in used] or invocations
    return [i["record"] for i in chosen if isinstance(i.get("record"), dict)]


def _commit(record: dict[str, Any]) -> str:
    git = record.get("git") or {}
    if not git.get("commit"):
        return "no git commit recorded"
    dirty = git.get("dirty")
    if dirty:
        digest = git.get("diff_sha256")
        dirty_note = f" + uncommitted changes{f' {digest[:10]}' if digest else ''}"
    else:
        dirty_note = ""
    return f"{str(git['commit'])[:10]}{dirty_note}"


def _digests(recorded: Any) -> str:
    if not isinstance(recorded, dict) or not recorded:
        return "not recorded"
    return ", ".join(f"{suite} {str(d.get('sha256'))[:10]}" for suite, d in sorted(recorded.items()))


def _machine(record: dict[str, Any]) -> str:
    machine = record.get("machine")
    if not isinstance(machine, dict):
        return "not recorded"
    return (
        f"{machine.get('cpus_usable')} cores usable of {machine.get('cpus')}, {machine.get('memory_gib')} GiB"
    )


def _package(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda record: str((record.get("packages") or {}).get(name) or "not installed")


#: What is compared, each with how a record shows it.
ASPECTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "Palaestra commit": _commit,
    **{f"{name} version": _package(name) for name in TASK_PACKAGES},
    "task definitions": lambda r: _digests(r.get("task_definitions")),
    "browser": lambda r: str(r.get("browser") or "not recorded"),
    "Python": lambda r: str(r.get("python") or "not recorded"),
    "machine": _machine,
}


def provenance_notes(run_dirs: Sequence[str | Path]) -> list[str]:
    """One note per aspect (commit, a task package's version, browser, machine) on which the runs'
    records differ, with every run's value; [] when they agree."""
    values: dict[str, list[str]] = {aspect: [] for aspect in ASPECTS}
    for run in run_dirs:
        records = played_records(run)
        for aspect, shown in ASPECTS.items():
            values[aspect].append(" / ".join(dict.fromkeys(shown(r) for r in records)) or "not recorded")
    values.update(_task_env_values([played_records(run) for run in run_dirs]))
    notes = []
    for aspect, shown_values in values.items():
        if len(set(shown_values)) > 1:
            listed = ", ".join(f"[{i + 1}] {value}" for i, value in enumerate(shown_values))
            notes.append(
                f"Note: the runs differ in {aspect} ({listed}): their differences may be this one's."
            )
    return notes


def _task_env_values(records_per_run: list[list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Per task-shaping variable (`runs.task_env`) any run set, each run's value; runs recorded
    before the variables were kept are left out (nothing is known of theirs)."""
    kept = [
        [r[TASK_ENV_KEY] for r in records if isinstance(r.get(TASK_ENV_KEY), dict)]
        for records in records_per_run
    ]
    if sum(1 for envs in kept if envs) < 2:
        return {}
    names = sorted({name for envs in kept for env in envs for name in env})
    values: dict[str, list[str]] = {}
    for name in names:
        values[f"variable {name}"] = [
            " / ".join(dict.fromkeys(str(env.get(name, "not set")) for env in envs)) or "not recorded"
            for envs in kept
        ]
    return values


def episode_differences(
    names: Sequence[str], loaded: list[list[dict[str, Any]]], *, by_task: bool
) -> list[str]:
    """Per run after the first: the episodes (same agent configuration, task and seed, finished in
    both) whose outcome differs from the first run's, those of nondeterministic tasks marked."""

    def keyed(rows: list[dict[str, Any]]) -> dict[tuple[str, str, int], dict[str, Any]]:
        return {
            ("" if by_task else r["agent"], r["task"], r["seed"]): r for r in rows if r["status"] == "done"
        }

    first = keyed(loaded[0])
    notes = []
    for i, rows in enumerate(loaded[1:], start=2):
        other = keyed(rows)
        same = [k for k in first if k in other and _config(first[k]) == _config(other[k])]
        differ = [k for k in same if _ending(first[k]) != _ending(other[k])]
        if not same:
            continue
        if not differ:
            notes.append(f"Episodes: [{i}] ended every episode it shares with [1] as [1] did ({len(same)}).")
            continue
        shown = [_episode(k, first[k], other[k]) for k in differ[:_SHOWN]]
        more = f", and {len(differ) - _SHOWN} more" if len(differ) > _SHOWN else ""
        flagged = [k for k in differ if not task_is_deterministic(k[1])]
        why = (
            f" {len(flagged)} of them on tasks registered nondeterministic (real-time pages, live sites), "
            "whose episodes can end otherwise from one run to the next."
            if flagged
            else ""
        )
        notes.append(
            f"Episodes: [{i}] ended {len(differ)} of the {len(same)} episodes it shares with [1] otherwise: "
            f"{'; '.join(shown)}{more}.{why}"
        )
    return notes


def _config(row: dict[str, Any]) -> tuple[str, str]:
    return row["agent_name"], row["agent_hash"]


def _ending(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row.get("outcome"), bool(row["success"]), row["steps"])


def _episode(key: tuple[str, str, int], a: dict[str, Any], b: dict[str, Any]) -> str:
    agent, task, seed = key
    mark = "" if task_is_deterministic(task) else " (nondeterministic)"
    who = f"{agent} " if agent else ""
    return (
        f"{who}{task}{mark} seed {seed}: {a.get('outcome')} in {a['steps']} steps, "
        f"then {b.get('outcome')} in {b['steps']}"
    )


def task_is_deterministic(task: str) -> bool:
    """Whether the task is registered deterministic (True when it is not registered here)."""
    from palaestra.tasks.registry import get_task_spec

    try:
        return get_task_spec(task).deterministic
    except Exception:  # a task of a suite not installed on this machine: nothing known of it
        return True
