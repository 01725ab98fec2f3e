"""Play a recorded episode again live, to reproduce a failure and take over from there.

The run's episode is opened as a live environment on its task and seed (the same page a seeded
task shows), and its recorded actions are taken again, up to the step asked for; the person then
sees the page the agent acted on at that step and acts from there by hand, or asks an agent. Each
replayed action's error is set beside the one the run recorded: where they differ the episode did
not repeat (a nondeterministic task, a site whose data moved on, another version), and the Live
page says at which step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.runs.store import RunStore
from palaestra.ui.requests import RequestError

#: Who took a replayed step, in the live history and in a demonstration saved from it.
REPLAY = "replay"


def recorded_actions(run: Path, key: str, upto: int | None) -> tuple[str, int, list[dict[str, Any]]]:
    """The episode's task, seed and its first ``upto`` steps' actions and errors (all with None)."""
    with RunStore(run, readonly=True) as store:
        row = store.db.execute("SELECT task, seed FROM episodes WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise RequestError(f"No episode {key!r} in the run {run}: open it from the run's page.")
        steps = store.steps(key)
    if upto is not None and not 0 <= upto <= len(steps):
        raise RequestError(f"`steps` must be between 0 and {len(steps)} (the episode's steps), got {upto}.")
    chosen = steps if upto is None else steps[:upto]
    return (
        str(row["task"]),
        int(row["seed"]),
        [{"action": s["action"] or "", "error": s["error"] or ""} for s in chosen],
    )


def compare_step(index: int, recorded: dict[str, Any], live_error: str) -> dict[str, Any]:
    """A replayed step beside its recorded self: the same outcome when both errors agree."""
    return {
        "index": index,
        "action": recorded["action"],
        "recorded_error": recorded["error"],
        "error": live_error,
        "same": recorded["error"].strip() == live_error.strip(),
    }
