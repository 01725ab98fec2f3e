"""What an episode's processes used: CPU seconds and peak memory, for the step's ``info``; with a
cgroup also its OOM kills and the forks refused at its process limit (``pids_max_hits``).

Researchers compare tasks' costs, so each episode's figures start from zero and count its own
processes only: the apps, the task's and the judge's commands and everything they started (the
session's Xvfb, bus, window manager and AT-SPI bus are not counted, nor the session process).
Where the session has a cgroup (`cgroups`), each episode has a leaf of its own and the kernel's
figures are exact: CPU time (user and system) of every process that ran in it, and the most memory
charged to it at any moment (anonymous memory, page cache, and files it wrote to tmpfs such as the
private /tmp). Without one, CPU is still exact (the reaped processes' times, which the kernel adds
to the session's as their reaper, plus the live ones'), but peak memory is the largest sum of the
processes' resident memory seen when figures were taken (at each observation): a short spike
between two observations is missed. ``source`` says which: "cgroup" or "processes".

Part of the session process (imported beside `session`, not through Palaestra).
"""

from __future__ import annotations

import contextlib
import resource

import psutil
from cgroups import SessionCgroup


def _reaped_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


class EpisodeResources:
    """The current episode's figures, from the session's cgroup when it has one."""

    def __init__(self, group: SessionCgroup | None) -> None:
        self.group = group
        self.infra: set[int] = set()
        self.baseline = 0.0
        self.peak = 0

    def new_episode(self, infra: set[int]) -> None:
        """Start counting from zero (call it once the last episode's processes are reaped)."""
        self.infra = infra
        if self.group is not None:
            self.group.new_episode()
        self.baseline, self.peak = _reaped_cpu(), 0

    def figures(self) -> dict[str, float | str | None]:
        if self.group is not None:
            with contextlib.suppress(OSError):  # figures are no reason to fail an observation
                return {**self.group.figures(), "source": "cgroup"}
        cpu, memory = _reaped_cpu() - self.baseline, 0
        for proc in psutil.Process().children(recursive=True):
            if proc.pid in self.infra:
                continue
            with contextlib.suppress(psutil.Error), proc.oneshot():
                times = proc.cpu_times()
                cpu += times.user + times.system + times.children_user + times.children_system
                memory += proc.memory_info().rss
        self.peak = max(self.peak, memory)
        return {
            "cpu_s": round(cpu, 3),
            "peak_memory_mb": round(self.peak / 2**20, 1),
            "oom_kills": None,  # known from a cgroup only
            "pids_max_hits": None,  # so are forks refused: there is no process limit without one
            "source": "processes",
        }

    def close(self) -> None:
        """Remove the session's cgroup (after its processes are killed)."""
        if self.group is not None:
            self.group.remove()
