"""Play a recorded episode again live, to reproduce a failure and take over from there.

The run's episode is opened as a live environment on its task and seed (the same page a seeded
task shows), and its recorded actions are taken again, up to the step asked for; the person then
sees the page the agent acted on at that step and acts from there by hand, or asks an agent. Each
replayed action's error is set beside the one the run recorded: where they differ the episode did
not repeat (a nondeterministic task, a site whose data moved on, another version), and the Live
page says at which step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from palaestra.runs.resume import OUTCOME_SETTINGS
from palaestra.runs.store import RunStore
from palaestra.ui.requests import RequestError

#: Who took a replayed step, in the live history and in a demonstration saved from it.
REPLAY = "replay"
#: A run's step limit when its record predates the setting (`palaestra eval`'s default).
DEFAULT_MAX_STEPS = OUTCOME_SETTINGS["max_steps"][1]


@dataclass(frozen=True)
class RecordedEpisode:
    """What a live replay repeats of a run's episode: its task, seed, actions and settings."""

    task: str
    seed: int
    #: The first steps asked for: each one's action and the error the run recorded for it.
    steps: list[dict[str, Any]]
    #: The run's ``--action-set`` ("" for the task's own) and the step limit the live episode takes
    #: (None: none, `settings` says why).
    action_set: str = ""
    max_steps: int | None = None
    #: What the Live page says of the settings, applied or not.
    settings: str = ""


def recorded_episode(run: Path, key: str, upto: int | None) -> RecordedEpisode:
    """The episode's task, seed, first ``upto`` steps' actions and errors (all with None), and the
    settings of the invocation that recorded it."""
    with RunStore(run, readonly=True) as store:
        row = store.db.execute(
            "SELECT task, seed, invocation, extra FROM episodes WHERE key = ?", (key,)
        ).fetchone()
        if row is None:
            raise RequestError(f"No episode {key!r} in the run {run}: open it from the run's page.")
        steps = store.steps(key)
        record = next((i["record"] for i in store.invocations() if i["id"] == row["invocation"]), None)
    if upto is not None and not 0 <= upto <= len(steps):
        raise RequestError(f"`steps` must be between 0 and {len(steps)} (the episode's steps), got {upto}.")
    chosen = steps if upto is None else steps[:upto]
    config = record.get("config") if isinstance(record, dict) else None
    settings = config.get("settings") if isinstance(config, dict) else None
    actions = [{"action": s["action"] or "", "error": s["error"] or ""} for s in chosen]
    episode = RecordedEpisode(str(row["task"]), int(row["seed"]), actions)
    if not isinstance(settings, dict):
        said = "The run recorded no settings: replayed with the task's own action set and no step limit."
        return replace(episode, settings=said)
    action_set = str(settings.get("action_set") or "")
    shown = f"the run's --action-set {action_set}" if action_set else "the task's own action set, as the run"
    limit = settings.get("max_steps") or DEFAULT_MAX_STEPS
    limit = (
        limit if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 1 else DEFAULT_MAX_STEPS
    )
    if _limit_unit(row["extra"]) != "actions":
        said = (
            f"Replayed with {shown}. The run's --max-steps {limit} counted the agent's answers, "
            "not its actions, so the live episode has no step limit."
        )
        return replace(episode, action_set=action_set, settings=said)
    said = (
        f"Replayed with {shown}; the live episode ends at step {limit} as the run's did "
        f"(--max-steps {limit})."
    )
    return replace(episode, action_set=action_set, max_steps=limit, settings=said)


def _limit_unit(extra: str | None) -> str:
    """What the episode's step limit counted (`runs.step_count.StepCount.record`): actions unless
    its record says answers."""
    try:
        recorded = json.loads(extra or "{}")
    except ValueError:
        return "actions"
    return str(recorded.get("step_limit_counts") or "actions") if isinstance(recorded, dict) else "actions"


def compare_step(index: int, recorded: dict[str, Any], live_error: str) -> dict[str, Any]:
    """A replayed step beside its recorded self: the same outcome when both errors agree."""
    return {
        "index": index,
        "action": recorded["action"],
        "recorded_error": recorded["error"],
        "error": live_error,
        "same": recorded["error"].strip() == live_error.strip(),
    }
