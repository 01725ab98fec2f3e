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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError
from palaestra.redaction import REDACTED
from palaestra.runs.agent_overrides import FLAG, AgentOverride, apply_overrides
from palaestra.runs.store import RunStore
from palaestra.runs.task_env import RECORD_KEY as TASK_ENV_KEY
from palaestra.runs.task_env import rerun_env_notes

#: Settings a rerun does not take from the record: where it writes, and what only the recorded
#: run's resumption meant (run its errored episodes again).
_NOT_CARRIED = ("out", "rerun_errors")


def is_run_directory(path: Path) -> bool:
    return path.is_dir() and (path / "results.sqlite").is_file()


def recorded_run_file(run: Path, overrides: Sequence[AgentOverride] = ()) -> dict[str, Any]:
    """The run-file values that play ``run`` again (see the module doc), with ``overrides`` (one
    argument of one recorded agent each, `runs.agent_overrides`) applied."""
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
    recorded_agents = [_agent(entry) for entry in agents if isinstance(entry, dict)]
    values["agents"] = apply_overrides(recorded_agents, overrides, str(run))
    _refuse_withheld(values["agents"], run)
    for note in rerun_env_notes(str(run), records[-1].get(TASK_ENV_KEY)):
        print(note, file=sys.stderr)
    cwd = records[-1].get("cwd")
    if cwd and any(_relative_path(v) for a in values["agents"] for v in a["args"].values()):
        print(
            f"Note: {run} was made in {cwd}; its agents' relative paths are read from here.", file=sys.stderr
        )
    return values


def _agent(entry: dict[str, Any]) -> dict[str, Any]:
    recorded = entry.get("args") or []
    pairs = recorded.items() if isinstance(recorded, dict) else recorded
    args = {str(k): str(v) for k, v in pairs}
    return {"name": entry["name"], "args": args, "label": entry.get("label") or ""}


def _refuse_withheld(agents: list[dict[str, Any]], run: Path) -> None:
    """A secret the record redacted and no override gave again cannot be played: said, not guessed."""
    for agent in agents:
        withheld = sorted(k for k, v in agent["args"].items() if REDACTED in str(v))
        if withheld:
            label = agent["label"] or agent["name"]
            raise ConfigError(
                f"{run} recorded agent `{label}` with {', '.join(withheld)} redacted (secrets are never "
                f"kept). Give it again with {FLAG} {label}.{withheld[0]}=VALUE, or give the agents again "
                "with --agent and --agent-arg, or put the secret in the environment variable the agent "
                "reads instead of an argument."
            )


def _relative_path(value: str) -> bool:
    return "/" in value and not value.startswith(("/", "http://", "https://"))
