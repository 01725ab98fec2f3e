"""The episodes `palaestra export` reads: a run's (its database says who played, the verdict, the
model) or loose trajectory folders (`palaestra serve --trajectories`, the UI's recordings), each
with the facts the filters and the rows' provenance keys need.

Kept apart from the row formats (`runs.export_rows`) and the writing (`runs.export`): this module
only finds episodes and says why one is left out.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.config import ConfigError
from palaestra.runs.artifacts import confined
from palaestra.runs.store import DB_NAME, RunStore
from palaestra.runs.trajectory import TRAJECTORY_FILE, Trajectory, find_trajectories, read_trajectory
from palaestra.tasks.registry import natural_key


@dataclass
class ExportEpisode:
    """One episode to export: who played which task, how it ended, and its trajectory."""

    run: str
    agent: str
    agent_name: str
    task: str
    seed: int | None
    goal: str
    success: bool
    reward: float
    #: success, failure, step_limit; an error kind for an errored episode; "" when cut short.
    outcome: str
    folder: Path
    model: str = ""
    #: The action set the run gave its agents ("" for the task's own).
    action_set: str = ""
    trajectory: Trajectory | None = None

    @property
    def order(self) -> tuple[Any, ...]:
        """Run order: task, seed, then agent, so that two exports of the same runs diff cleanly."""
        return (natural_key(self.task), -1 if self.seed is None else self.seed, self.agent)

    def step_name(self, step: dict[str, Any]) -> str:
        """Which step of which episode, for an error about it: ``generic on miniwob.x seed 0 step 2``."""
        return f"{self.agent} on {self.task} seed {self.seed} step {step.get('index')}"


@dataclass(frozen=True)
class EpisodeFilter:
    """Which episodes are kept (`--success-only`, `--tasks`, `--agents`, `--min-reward`, `--max-steps`)."""

    success_only: bool = False
    tasks: Sequence[str] = ()
    agents: Sequence[str] = ()
    min_reward: float | None = None
    max_steps: int | None = None

    def reason_to_drop(self, episode: ExportEpisode) -> str:
        """Why ``episode`` is left out ("" to keep it); the reasons are the summary's lines."""
        short = episode.task.split(".", 1)[-1]
        if self.tasks and not any(
            fnmatch.fnmatchcase(n, p) for p in self.tasks for n in (episode.task, short)
        ):
            return "not among --tasks"
        names = (episode.agent, episode.agent_name)
        if self.agents and not any(fnmatch.fnmatchcase(n, p) for p in self.agents for n in names):
            return "not among --agents"
        if self.success_only and not episode.success:
            return "not a success (--success-only)"
        if self.min_reward is not None and episode.reward < self.min_reward:
            return "reward below --min-reward"
        steps = len(episode.trajectory.steps) if episode.trajectory else 0
        if self.max_steps is not None and steps > self.max_steps:
            return "longer than --max-steps"
        return ""


def parse_globs(values: Sequence[str] | None) -> list[str]:
    """`--tasks 'click-*,enter-*' --tasks x` as one list of globs."""
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def read_episodes(paths: Sequence[str | Path]) -> Iterator[ExportEpisode]:
    """The episodes of each path: a run directory's, or the trajectories under a folder; a path that
    is neither is refused, saying what was expected."""
    for path in map(Path, paths):
        if (path / DB_NAME).is_file():
            yield from _run_episodes(path)
        elif path.is_dir() and ((path / TRAJECTORY_FILE).is_file() or find_trajectories(path)):
            yield from _loose_episodes(path)
        else:
            raise ConfigError(
                f"{path} is neither a run directory (no {DB_NAME}) nor a folder holding trajectories "
                f"({TRAJECTORY_FILE}). Fix: name the --out of `palaestra eval`, or a folder of "
                "`palaestra serve --trajectories` or the UI's recordings."
            )


def _run_episodes(run: Path) -> Iterator[ExportEpisode]:
    with RunStore(run, readonly=True) as store:
        rows = store.episodes()
        records = {i["id"]: i["record"] for i in store.invocations()}
    for row in rows:
        record = records.get(row["invocation"]) or {}
        folder = confined(run, row["artifacts"] or "")
        trajectory = read_trajectory(folder) if (folder / TRAJECTORY_FILE).is_file() else None
        status_outcome = row["outcome"] if row["status"] == "done" else (row["error_kind"] or "error")
        yield ExportEpisode(
            run=run.name, agent=row["agent"], agent_name=row["agent_name"], task=row["task"],
            seed=int(row["seed"]), goal=row["goal"] or "", success=bool(row["success"]),
            reward=float(row["reward"]), outcome=status_outcome or "", folder=folder,
            model=_model_of(record, row["agent"]), action_set=_action_set_of(record), trajectory=trajectory,
        )  # fmt: skip


def _model_of(record: dict[str, Any], label: str) -> str:
    """The model the reproducibility record names for the agent labelled ``label``."""
    for agent in record.get("agents") or []:
        if isinstance(agent, dict) and agent.get("label") == label:
            return str(agent.get("model") or "")
    return ""


def _action_set_of(record: dict[str, Any]) -> str:
    settings = (record.get("config") or {}).get("settings") or {}
    return str(settings.get("action_set") or "") if isinstance(settings, dict) else ""


def _loose_episodes(root: Path) -> Iterator[ExportEpisode]:
    for folder in find_trajectories(root):
        trajectory = read_trajectory(folder)
        header, end = trajectory.header, trajectory.end or {}
        seed = header.get("seed")
        yield ExportEpisode(
            run=root.name, agent=str(header.get("agent") or header.get("source") or ""),
            agent_name=str(header.get("agent") or ""), task=str(header.get("task") or ""),
            seed=int(seed) if isinstance(seed, int) else None, goal=str(header.get("goal") or ""),
            success=bool(end.get("success")), reward=float(end.get("reward") or 0.0),
            outcome=str(end.get("outcome") or end.get("error_kind") or ""), folder=folder,
            trajectory=trajectory,
        )  # fmt: skip


@dataclass
class Tally:
    """What the export did: episodes read, kept, dropped (by reason), rows, steps left out, tokens."""

    read: int = 0
    kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    rows: int = 0
    skipped_steps: dict[str, int] = field(default_factory=dict)
    tokens_in: int = 0
    tokens_out: int = 0
    #: The most tokens one exported call took (in and out): a trainer's maximum length below it cuts
    #: rows, and TRL's SFTTrainer drops a row whose answer is cut away (its default is 1024).
    longest_call: int = 0
    #: The image files written beside the export (one per distinct image), and their folder.
    images: int = 0
    images_folder: Path | None = None

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped_steps[reason] = self.skipped_steps.get(reason, 0) + n

    def summary(self, out: Path, fmt: str) -> str:
        lines = [f"episodes: {self.read} read, {self.kept} kept, {self.read - self.kept} dropped"]
        lines += [f"  dropped, {why}: {n}" for why, n in sorted(self.dropped.items())]
        lines.append(f"rows written: {self.rows} ({fmt}) to {out}")
        lines += [f"  steps left out, {why}: {n}" for why, n in sorted(self.skipped_steps.items())]
        if self.images and self.images_folder is not None:
            key = "file_name" if fmt == "steps" else "file_names"
            lines.append(f"images written: {self.images} to {self.images_folder} (the rows' {key})")
        if self.tokens_in or self.tokens_out:
            lines.append(
                f"tokens of the exported calls (as reported): {self.tokens_in} in, {self.tokens_out} out;"
                f" the longest call {self.longest_call} (keep a trainer's max_length above it)"
            )
        return "\n".join(lines)
