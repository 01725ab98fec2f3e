"""What an episode cost the machine: its resource figures in the run's records and summaries.

Desktop episodes report the CPU seconds, peak memory, OOM kills and forks refused at the process
limit of their own processes
(`envs.desktop.episode_resources`) in the reset's info and in the info of the step that ends them.
The runner keeps the final figures in the episode's record (``extra["resources"]``, a JSON column
every run already has, so runs recorded before keep resuming unchanged) and in its trajectory's end
line; `palaestra show` and `palaestra report` add a task's mean CPU seconds and largest peak when
any of its episodes has them. Other environments report none (see docs/runs.md for why).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from palaestra.runs.records import EpisodeOutcome

#: Set in the figures of an episode the runner killed at its episode_timeout: read at the kill
#: (`kill_figures`), not at a last observation.
AT_KILL = "at_kill"
#: The figures a desktop episode reports, as kept in its record.
RESOURCE_KEYS = ("cpu_s", "peak_memory_mb", "oom_kills", "pids_max_hits", "source")


def take_resources(out: EpisodeOutcome, info: dict[str, Any]) -> None:
    """The episode's figures from a reset's or a last step's info into the outcome `out`, when the
    info has them (desktop episodes; a served environment passes them on in its info)."""
    figures = info.get("resources")
    if isinstance(figures, dict) and "cpu_s" in figures:
        out.extra["resources"] = {k: figures.get(k) for k in RESOURCE_KEYS}


def keep_resources(env: object, out: EpisodeOutcome) -> None:
    """The figures up to the episode's last observation, from an environment that keeps them
    (`DesktopEnv.resources`): an episode that ended at the step limit, or because its agent
    stopped, has no last step's info to read them from. Reading them never fails the episode."""
    try:
        figures = getattr(env, "resources", None)
    except Exception:
        return
    if isinstance(figures, dict):
        take_resources(out, {"resources": figures})


def episode_resources(row: dict[str, Any]) -> dict[str, Any] | None:
    """A recorded episode's figures, or None: runs recorded before them, and episodes of
    environments that report none, have no figures."""
    try:
        extra = json.loads(row.get("extra") or "{}")
    except (TypeError, ValueError):
        return None
    figures = extra.get("resources") if isinstance(extra, dict) else None
    return figures if isinstance(figures, dict) else None


@dataclass(frozen=True)
class TaskResources:
    """A task's figures over the episodes that have them (``measured`` of them)."""

    measured: int
    mean_cpu_s: float | None
    max_peak_memory_mb: float | None

    def cells(self) -> tuple[str, str]:
        """The CPU and memory cells of a summary table: "-" for what no episode measured."""
        cpu = "-" if self.mean_cpu_s is None else f"{self.mean_cpu_s:.2f}"
        peak = "-" if self.max_peak_memory_mb is None else f"{self.max_peak_memory_mb:.0f}"
        return cpu, peak


def task_resources(rows: list[dict[str, Any]]) -> TaskResources:
    """Mean CPU seconds and largest peak memory over one task's episodes that have figures, finished
    or errored alike: an errored episode used the machine too."""
    figures = [f for f in map(episode_resources, rows) if f is not None]
    cpus = [float(f["cpu_s"]) for f in figures if isinstance(f.get("cpu_s"), int | float)]
    peaks = [float(f["peak_memory_mb"]) for f in figures if isinstance(f.get("peak_memory_mb"), int | float)]
    return TaskResources(
        measured=len(figures),
        mean_cpu_s=sum(cpus) / len(cpus) if cpus else None,
        max_peak_memory_mb=max(peaks) if peaks else None,
    )


def any_resources(rows: list[dict[str, Any]]) -> bool:
    """Whether any episode of the run has figures: only then do summaries show their columns."""
    return any(episode_resources(r) is not None for r in rows)


def describe(figures: dict[str, Any]) -> str:
    """One episode's figures in a line, for its report page: `1.52 CPU s · peak 143 MiB · 0 OOM kills
    (cgroup)`; OOM kills are unknown without a cgroup (None). Forks refused at the process limit
    show only when there were any, and figures read when the runner killed the episode say so."""
    cpu, peak, kills = figures.get("cpu_s"), figures.get("peak_memory_mb"), figures.get("oom_kills")
    parts = [
        f"{cpu:.2f} CPU s" if isinstance(cpu, int | float) else "CPU -",
        f"peak {peak:.0f} MiB" if isinstance(peak, int | float) else "peak -",
        f"{kills} OOM kills" if isinstance(kills, int) else "OOM kills unknown",
    ]
    hits = figures.get("pids_max_hits")
    if isinstance(hits, int) and hits:
        parts.append(f"{hits} forks refused at the process limit")
    source = figures.get("source") or "unknown source"
    return " · ".join(parts) + f" ({source}{', read at the kill' if figures.get(AT_KILL) else ''})"
