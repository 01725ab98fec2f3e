"""The Episode viewer's data for an episode a run started and has not recorded: its steps so far.

A run writes an episode's row when it ends, but its trajectory step by step (`runs.trajectory`), so
the run's page lists the episodes under way (`ui.unfinished`). Opening one used to fail ("No episode
... in this run"), since the viewer read the row; it now reads the trajectory instead, read-only,
and says whether the episode is being played ("in_progress") or was cut short by a run that stopped
("unfinished": resuming plays it again).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.runs.artifacts import ArtifactPathError, confined, folder_name
from palaestra.runs.trajectory import TRAJECTORY_FILE, read_trajectory

#: The results an unrecorded episode shows as (`ui.runs_view.result_of` gives the recorded ones).
IN_PROGRESS, UNFINISHED = "in_progress", "unfinished"


def episode_key(agent: str, task: str, seed: Any) -> str:
    """The key a run gives the episode (`runs.spec.EpisodeSpec.key`)."""
    return f"{agent}|{task}|{seed}"


def unrecorded_folder(run: Path, key: str) -> Path | None:
    """The folder of the episode ``key`` when it holds a trajectory (confined to the run), else None."""
    agent, task, seed = [*key.rsplit("|", 2), "", ""][:3]
    if not (agent and task and seed.isdigit()):
        return None
    try:
        folder = confined(run, Path("episodes", folder_name(agent), folder_name(task), seed))
    except ArtifactPathError:
        return None
    return folder if (folder / TRAJECTORY_FILE).is_file() else None


def unrecorded_episode(run: Path, key: str, folder: Path, running: bool) -> dict[str, Any]:
    """The episode as far as its trajectory goes, in the shape of a recorded one (`episode_detail`):
    ``episode`` (an episodes row's fields), ``steps`` (the steps rows'), ``log`` (the trajectory's
    step lines by index), the latest page as ``final``, and ``result``."""
    trajectory = read_trajectory(folder)
    header, lines = trajectory.header, trajectory.steps
    agent, task, seed = key.rsplit("|", 2)
    steps = [_step_row(line) for line in lines]
    episode = {
        "key": key, "agent": header.get("agent") or agent, "task": header.get("task") or task,
        "seed": header.get("seed", int(seed)), "goal": header.get("goal", ""),
        "status": IN_PROGRESS if running else UNFINISHED, "outcome": None, "success": 0,
        "reward": float(lines[-1].get("reward") or 0.0) if lines else 0.0, "steps": len(lines),
        "error_kind": "", "error_message": "", "attempts": 0, "reset_s": None, "elapsed_s": None,
        "tokens_in": sum(s["tokens_in"] for s in steps), "tokens_out": sum(s["tokens_out"] for s in steps),
        "cost": sum(s["cost"] for s in steps), "started": header.get("started"), "finished": None,
        "artifacts": folder.relative_to(run.resolve()).as_posix(), "extra": {},
    }  # fmt: skip
    latest = f"obs-{len(lines):03d}.txt"  # the page after the last step, the one the agent acts on now
    shot = f"shot-{len(lines):03d}.jpg"
    final = {"observation": latest, "screenshot": shot if (folder / shot).is_file() else ""}
    return {
        "episode": episode,
        "steps": steps,
        "log": {line["index"]: line for line in lines if isinstance(line.get("index"), int)},
        "final": final if (folder / latest).is_file() else None,
        "result": episode["status"],
    }


def unrecorded_detail(
    run: Path, key: str, folder: Path, running: bool, step_of: Callable[[dict[str, Any], dict[str, Any]], Any]
) -> dict[str, Any]:
    """The Episode viewer's answer (`ui.episode_view.episode_detail`'s shape) for an unrecorded
    episode: its steps so far (``step_of(row, trajectory line)`` makes each), no neighbours, no
    attempts, trace or verdict yet."""
    found = unrecorded_episode(run, key, folder, running)
    return {
        "run": str(run), "key": key, "episode": found["episode"], "result": found["result"], "attempts": [],
        "artifacts_problem": "", "observed": "before",
        "steps": [step_of(s, found["log"].get(s["idx"], {})) for s in found["steps"]],
        "final": found["final"], "previous_episode": None, "next_episode": None, "has_folder": True,
        "trace": None, "resources": None, "refused_prompt": None,
    }  # fmt: skip


def _step_row(line: dict[str, Any]) -> dict[str, Any]:
    kept = line.get("timings")
    timings: dict[str, Any] = kept if isinstance(kept, dict) else {}
    return {
        "idx": line.get("index"), "action": line.get("action", ""), "error": line.get("error", ""),
        "reward": line.get("reward"), "env_s": timings.get("env_s"), "agent_s": timings.get("agent_s"),
        "overhead_s": None, "tokens_in": int(line.get("tokens_in") or 0),
        "tokens_out": int(line.get("tokens_out") or 0), "cost": float(line.get("cost") or 0.0),
        "screenshot": line.get("screenshot", ""), "observation": line.get("observation", ""),
    }  # fmt: skip
