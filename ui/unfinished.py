"""Episodes a run has started but not recorded: those playing now while the run goes on, or those
a run stopped during (killed, interrupted) that resuming will play again.

An episode's row is written to `results.sqlite` only once it ends (one transaction per episode),
but its trajectory folder is written step by step from its reset, so a person watching a live run
in the UI sees which episodes are under way and how far each got, instead of a list that only
grows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from palaestra.runs.artifacts import folder_name
from palaestra.runs.trajectory import TRAJECTORY_FILE, read_trajectory
from palaestra.ui.in_progress import episode_key

#: At most this many are listed (a run killed with many workers leaves one per worker).
LISTED = 50


def unfinished_episodes(run: Path, episodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The run's episode folders with a trajectory but no recorded episode, newest first: agent,
    task, seed, the steps taken so far, when it started and the last action's error."""
    recorded = {(folder_name(str(e["agent"])), folder_name(str(e["task"])), str(e["seed"])) for e in episodes}
    found = []
    for path in (run / "episodes").glob(f"*/*/*/{TRAJECTORY_FILE}"):
        agent_dir, task_dir, seed_dir = path.parts[-4:-1]
        if (agent_dir, task_dir, seed_dir) in recorded:
            continue
        try:
            trajectory = read_trajectory(path.parent)
        except (OSError, UnicodeDecodeError):
            continue  # written as we read it, or unreadable: the next look shows it
        header, steps = trajectory.header, trajectory.steps
        agent, task, seed = (
            header.get("agent") or agent_dir,
            header.get("task") or task_dir,
            header.get("seed", seed_dir),
        )
        found.append(
            {
                # What the Episode viewer opens it by (`ui.in_progress`): its steps so far.
                "key": episode_key(agent, task, seed),
                "agent": agent,
                "task": task,
                "seed": seed,
                "goal": header.get("goal", ""),
                "started": header.get("started"),
                "steps": len(steps),
                "last_action": steps[-1].get("action", "") if steps else "",
                "last_error": (steps[-1].get("error") or "") if steps else "",
                "ended": trajectory.end is not None,
            }
        )
    found.sort(key=lambda e: -(e["started"] or 0))
    return found[:LISTED]
