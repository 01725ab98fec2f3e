"""A desktop episode's resource figures read at the moment the runner kills it at its episode_timeout.

An episode that outlives its timeout never reaches its last observation: its worker is killed with
everything it started, the desktop session among them, and the figures the episode would have
reported go with it. The session's cgroup (`envs.desktop.cgroups`) is the kernel's and outlives a
read, so the runner reads the episode's leaf just before the kill: CPU seconds, peak memory, OOM
kills and forks refused so far, marked ``at_kill`` (the figures of an episode cut short, not of a
whole one).

Which leaf: the worker's descendants that sit in a session's cgroup name it (Xvfb always does, in
``infra``); the session's newest ``episode-N`` leaf is the killed episode's only if it was made
after that episode started (a kill during the reset, before the new leaf exists, must not report
the last episode's figures). A worker holds up to two sessions (one per cached task): the newest
such leaf wins. Nothing found, no root, no cgroup: no figures, and the episode's error says the
rest. Ray actors run on other machines and are not read (see docs/runs.md).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import psutil

from palaestra.envs.desktop import cgroups
from palaestra.runs.resources import AT_KILL, RESOURCE_KEYS

#: How much earlier than the runner's record of an episode's start its leaf may have been made:
#: the worker starts the episode (and its reset makes the leaf) a moment before the runner reads
#: the worker's "started", and the kernel's timestamps are coarse (a jiffy).
START_SLACK_S = 0.5


def figures_at_kill(worker_pid: int, started: float) -> dict[str, Any] | None:
    """The figures of the desktop episode a worker is playing, read now (before its kill), or None."""
    try:
        family = psutil.Process(worker_pid).children(recursive=True)
    except psutil.Error:
        return None
    groups: dict[str, cgroups.SessionCgroup] = {}
    for proc in family:
        with contextlib.suppress(OSError, ValueError):
            group = _session_of(cgroups.cgroup_paths(proc.pid))
            if group is not None:
                groups.setdefault(str(group.folders()[0]), group)
    newest: tuple[float, cgroups.SessionCgroup] | None = None
    for group in groups.values():
        with contextlib.suppress(OSError):
            made = _current_leaf(group)
            if made is not None and made >= started - START_SLACK_S and (newest is None or made > newest[0]):
                newest = (made, group)
    if newest is None:
        return None
    try:
        figures: dict[str, Any] = {**newest[1].figures(), "source": "cgroup"}
    except (OSError, KeyError, ValueError):
        return None
    return {**{k: figures.get(k) for k in RESOURCE_KEYS}, AT_KILL: True}


def _session_of(paths: dict[str, str]) -> cgroups.SessionCgroup | None:
    """The session cgroup a process's cgroup paths lie in (v2 when its unified path does), or None."""
    version = 2 if cgroups.PREFIX in paths.get("", "") else 1
    dirs: dict[str, Path] = {}
    for mount, root, kind, options in cgroups.mounts():
        if kind != ("cgroup2" if version == 2 else "cgroup"):
            continue
        for controller in [""] if version == 2 else sorted(options & set(paths)):
            session = _session_path(paths.get(controller, ""))
            if session is not None:
                dirs[controller] = cgroups.under_mount(mount, root, session)
    return cgroups.SessionCgroup(version, dirs) if dirs else None


def _session_path(path: str) -> str | None:
    """``/a/palaestra-desktop-12/infra`` -> ``/a/palaestra-desktop-12``; None outside a session's."""
    parts = path.split("/")
    for i, part in enumerate(parts):
        if part.startswith(cgroups.PREFIX):
            return "/".join(parts[: i + 1])
    return None


def _current_leaf(group: cgroups.SessionCgroup) -> float | None:
    """Make the session's newest episode leaf current in ``group``; when it was made, or None."""
    folder = group.folders()[0]
    numbers = [int(p.name.removeprefix("episode-")) for p in folder.glob("episode-*") if p.name[8:].isdigit()]
    if not numbers:
        return None
    group.episode = max(numbers)
    group.leaf = f"episode-{group.episode}"
    return os.stat(folder / group.leaf).st_mtime
