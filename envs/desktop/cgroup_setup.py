"""Making the desktop session's cgroup (`cgroups`) with its limits, in v2 or v1, or saying why not.

cgroup v2 is used where the session's own cgroup can hand the memory and cpu controllers down (a
delegated or root cgroup), else v1 (a memory, cpu and cpuacct hierarchy each). Neither, or not
root: `session_cgroup` says why and the session runs without limits (the environment warns when
limits were asked for). The pids controller is used where there is one (v1: mounted; v2: offered
to the session's cgroup); without it no process limit is set, the others still are, and the
episode's ``pids_max_hits`` is None. Kept apart from `cgroups` so that the runner can read a
session's figures through `cgroups` alone (`palaestra.runs.kill_figures`).

Part of the session process (imported beside `session`, not through Palaestra).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import cgroups

V1_CONTROLLERS = ("memory", "cpu", "cpuacct")
#: Used when mounted; the session's other limits do not wait for it.
V1_OPTIONAL = ("pids",)
#: cgroup v1's default cpu.shares, which v2's default cpu.weight (100) corresponds to.
V1_SHARES_PER_100 = 1024


class CgroupUnavailable(OSError):
    """No cgroup could be made for the session; the message says why."""


def _v2_parent() -> Path:
    """This process's v2 cgroup, made to hand memory and cpu down; CgroupUnavailable if it cannot."""
    own = cgroups.cgroup_paths().get("")
    mounts = [(m, r) for m, r, kind, _ in cgroups.mounts() if kind == "cgroup2"]
    if own is None or not mounts:
        raise CgroupUnavailable("no cgroup v2 hierarchy")
    parent = cgroups.under_mount(*mounts[0], own)
    available = (parent / "cgroup.controllers").read_text().split()
    if not {"memory", "cpu"} <= set(available):
        raise CgroupUnavailable(f"cgroup v2 at {parent} offers {' '.join(available) or 'no controllers'}")
    enabled = set((parent / "cgroup.subtree_control").read_text().split())
    if not {"memory", "cpu"} <= enabled:
        try:
            (parent / "cgroup.subtree_control").write_text("+memory +cpu")
        except OSError as exc:  # EBUSY: it has processes of its own (not delegated for children)
            raise CgroupUnavailable(
                f"cgroup v2 {parent} cannot hand memory and cpu to children ({os.strerror(exc.errno or 0)})"
            ) from None
    if "pids" in available and "pids" not in enabled:
        with contextlib.suppress(OSError):  # no process limit then, the others still
            (parent / "cgroup.subtree_control").write_text("+pids")
    return parent


def _v1_parents() -> dict[str, Path]:
    """This process's v1 cgroup per controller; CgroupUnavailable when one is not mounted."""
    own = cgroups.cgroup_paths()
    parents = {}
    for controller in (*V1_CONTROLLERS, *V1_OPTIONAL):
        mount = next(
            ((m, r) for m, r, kind, opts in cgroups.mounts() if kind == "cgroup" and controller in opts), None
        )
        if mount is not None and controller in own:
            parents[controller] = cgroups.under_mount(*mount, own[controller])
        elif controller in V1_CONTROLLERS:
            raise CgroupUnavailable(f"no cgroup v1 {controller} hierarchy")
    return parents


def make(limits: cgroups.Limits) -> cgroups.SessionCgroup:
    """The session's cgroup, made with ``limits`` set, its ``infra`` leaf current, leftovers of
    killed sessions removed first. CgroupUnavailable (or another OSError) when it cannot be."""
    name = f"{cgroups.PREFIX}{os.getpid()}"
    try:
        v2 = _v2_parent()
    except (CgroupUnavailable, OSError) as v2_refusal:
        try:
            parents = _v1_parents()
        except CgroupUnavailable as v1_refusal:
            raise CgroupUnavailable(f"{v2_refusal}; {v1_refusal}") from None
        group = cgroups.SessionCgroup(1, {c: p / name for c, p in parents.items()})
    else:
        group = cgroups.SessionCgroup(2, {"": v2 / name})
    for parent in {folder.parent for folder in group.dirs.values()}:
        cgroups.remove_leftovers(parent)
    for folder in group.folders():
        folder.mkdir()
    try:
        _set_limits(group, limits)
        group.pids = limits.pids if group.has_pids else None  # each episode leaf's (`new_episode`)
        group.make_leaf("infra")
    except OSError:
        group.remove()
        raise
    return group


def _set_limits(group: cgroups.SessionCgroup, limits: cgroups.Limits) -> None:
    """The session's memory and CPU limits; the process limit is each episode leaf's (`new_episode`)."""
    if group.version == 2:
        folder = group.dirs[""]
        pids = " +pids" if "pids" in (folder / "cgroup.controllers").read_text().split() else ""
        (folder / "cgroup.subtree_control").write_text("+memory +cpu" + pids)
        if limits.memory_mb is not None:
            (folder / "memory.max").write_text(str(limits.memory_mb * 2**20))
            if (folder / "memory.swap.max").exists():  # swapping would only slow the runaway down
                (folder / "memory.swap.max").write_text("0")
        if limits.cpu_weight is not None:
            (folder / "cpu.weight").write_text(str(limits.cpu_weight))
        return
    if limits.memory_mb is not None:
        memory = group.dirs["memory"]
        (memory / "memory.limit_in_bytes").write_text(str(limits.memory_mb * 2**20))
        if (memory / "memory.memsw.limit_in_bytes").exists():  # memory and swap: no more than memory
            (memory / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_mb * 2**20))
    if limits.cpu_weight is not None:
        shares = max(2, limits.cpu_weight * V1_SHARES_PER_100 // 100)
        (group.dirs["cpu"] / "cpu.shares").write_text(str(shares))


def session_cgroup(limits: cgroups.Limits) -> tuple[cgroups.SessionCgroup | None, dict[str, Any]]:
    """For the session process at its start: run by root, its cgroup (`make`), and what its start
    reply says of it: ``cgroup``, "v1", "v2" or "none", ``cgroup_refused`` (why there is none), and
    ``pids_limit``, each episode's process limit in force (None: none, or no pids controller)."""
    if os.geteuid() != 0:
        return None, {"cgroup": "none", "cgroup_refused": "not run as root", "pids_limit": None}
    try:
        group = make(limits)
    except OSError as exc:
        return None, {"cgroup": "none", "cgroup_refused": str(exc), "pids_limit": None}
    return group, {"cgroup": f"v{group.version}", "pids_limit": group.pids}
