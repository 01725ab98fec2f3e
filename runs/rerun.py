"""`palaestra eval --config RUN --out NEW`: a recorded run played again from its directory alone.

A reviewer given a run folder (shared as an archive, or the author's own six months later) should
not have to rebuild its command from a paper's appendix. The run's reproducibility record holds the
configuration it was played with; this turns it back into run-file values, with the tasks pinned to
those the run played (a glob such as `click-*` could match other tasks on another Palaestra) and the
seeds to those it recorded. Flags and `PALAESTRA_*` variables still override it (`--workers 1`).

What cannot come back from the record is said, never guessed: secrets were redacted when recorded
(their values are not in the run: give them again), and an agent argument that is a relative path
(a memory folder) is read from the working folder the run was made in.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError
from palaestra.redaction import REDACTED
from palaestra.runs.store import RunStore

#: Settings a rerun does not take from the record: where it writes, and what only the recorded
#: run's resumption meant (run its errored episodes again).
_NOT_CARRIED = ("out", "rerun_errors")


def is_run_directory(path: Path) -> bool:
    return path.is_dir() and (path / "results.sqlite").is_file()


def recorded_run_file(run: Path) -> dict[str, Any]:
    """The run-file values that play ``run`` again (see the module doc)."""
    with RunStore(run, readonly=True) as store:
        episodes = store.episodes()
        invocations = [i for i in store.invocations() if isinstance(i.get("record"), dict)]
    played = {row["invocation"] for row in episodes}
    records = [i["record"] for i in invocations if i["id"] in played] or [i["record"] for i in invocations]
    config = records[-1].get("config") if records else None
    if not isinstance(config, dict) or not isinstance(config.get("settings"), dict):
        raise ConfigError(
            f"{run} holds no recorded configuration to run again (made by a Palaestra before records "
            "kept one?). Run it with the command its report shows (`palaestra report`)."
        )
    values = {k: v for k, v in config["settings"].items() if k not in _NOT_CARRIED and v is not None}
    tasks = sorted({row["task"] for row in episodes})
    if tasks:
        values["tasks"] = tasks  # full names: each resolves in its own suite
    seeds = sorted({int(s) for r in records for s in r.get("seeds") or []}) or None
    if seeds:
        values["seeds"] = seeds
    agents = config.get("agents") or records[-1].get("agents") or []
    values["agents"] = [_agent(entry, run) for entry in agents if isinstance(entry, dict)]
    cwd = records[-1].get("cwd")
    if cwd and any(_relative_path(v) for a in values["agents"] for v in a["args"].values()):
        print(
            f"Note: {run} was made in {cwd}; its agents' relative paths are read from here.", file=sys.stderr
        )
    return values


def _agent(entry: dict[str, Any], run: Path) -> dict[str, Any]:
    recorded = entry.get("args") or []
    pairs = recorded.items() if isinstance(recorded, dict) else recorded
    args = {str(k): str(v) for k, v in pairs}
    withheld = sorted(k for k, v in args.items() if REDACTED in v)
    if withheld:
        raise ConfigError(
            f"{run} recorded agent `{entry.get('label')}` with {', '.join(withheld)} redacted (secrets "
            "are never kept). Give its arguments again with --agent and --agent-arg, or put the secret in "
            "the environment variable the agent reads instead of an argument."
        )
    return {"name": entry["name"], "args": args, "label": entry.get("label") or ""}


def _relative_path(value: str) -> bool:
    return "/" in value and not value.startswith(("/", "http://", "https://"))
