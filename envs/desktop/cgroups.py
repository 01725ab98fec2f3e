"""A cgroup of the desktop session's own: optional CPU and memory limits, and each episode's figures.

Parallel sessions share the machine's CPU and memory: one runaway app (a task's script, a leaking
browser) could starve every other episode or have the kernel's OOM killer pick a process anywhere,
the environment's own included. Run by root, the session process therefore makes a cgroup
``palaestra-desktop-PID`` under its own, with the limits asked for (`Limits`), and two leaves in
it: ``infra`` (Xvfb, the bus, openbox, the AT-SPI bus) and ``episode-N`` (everything the episode
starts: its apps, commands, the judge's commands and their descendants). A memory limit then holds
for the whole session and an OOM kill stays inside it; the session process itself stays outside,
uncharged, and survives to report it. A fresh leaf per episode gives its figures (`figures`) from
zero without resetting counters.

Each child joins its leaf between fork and exec (`join`, called by `Display._popen` while the child
is still root), so no process runs a moment outside it. Both kernels' interfaces are served:
cgroup v2 where the session's own cgroup can hand the memory and cpu controllers down (a delegated
or root cgroup), else v1 (a memory, cpu and cpuacct hierarchy each). Neither, or not root: `make`
says why and the session runs without limits (the environment warns when limits were asked for).

A session killed outright leaves its cgroup behind (its children die with it, `PR_SET_PDEATHSIG`);
the next session on the machine removes such leftovers (`remove_leftovers`), killing any process
still in them first. Imported beside `session` in the session process, as its siblings are.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "palaestra-desktop-"
V1_CONTROLLERS = ("memory", "cpu", "cpuacct")
#: cgroup v1's default cpu.shares, which v2's default cpu.weight (100) corresponds to.
V1_SHARES_PER_100 = 1024


@dataclass(frozen=True)
class Limits:
    """What the session's processes together may use: memory in MiB (None: no limit) and a CPU
    weight, 1-10000, relative to other cgroups' 100 (None: the default, 100)."""

    memory_mb: int | None = None
    cpu_weight: int | None = None


class CgroupUnavailable(OSError):
    """No cgroup could be made for the session; the message says why."""


@dataclass
class SessionCgroup:
    """The session's cgroup in each hierarchy (v2: one), and the leaf new children join."""

    version: int
    #: The session's cgroup folder, per controller (v1) or under "" (v2).
    dirs: dict[str, Path]
    leaf: str = "infra"
    episode: int = 0
    made: list[str] = field(default_factory=list)

    # -- joining -----------------------------------------------------------------------------

    def join(self) -> None:
        """Move the calling process into the current leaf (in a child, before exec, as root)."""
        pid = str(os.getpid())
        for folder in self._unique_dirs():
            (folder / self.leaf / "cgroup.procs").write_text(pid)

    def new_episode(self) -> None:
        """Remove the last episode's leaf (its processes are gone) and make the next one's."""
        if self.leaf != "infra":
            self._remove_leaf(self.leaf)
        self.episode += 1
        self.leaf = f"episode-{self.episode}"
        self._make_leaf(self.leaf)

    # -- figures -----------------------------------------------------------------------------

    def figures(self) -> dict[str, float]:
        """CPU seconds, peak memory (MiB) and OOM kills of the current episode's leaf so far."""
        if self.leaf == "infra":
            return {"cpu_s": 0.0, "peak_memory_mb": 0.0, "oom_kills": 0}
        if self.version == 2:
            leaf = self.dirs[""] / self.leaf
            cpu = int(_keyed(leaf / "cpu.stat")["usage_usec"]) / 1e6
            peak_file = leaf / "memory.peak"  # since Linux 5.19; before it, the current figure
            peak = int((peak_file if peak_file.exists() else leaf / "memory.current").read_text())
            kills = _keyed(leaf / "memory.events").get("oom_kill", "0")
        else:
            cpu = int((self.dirs["cpuacct"] / self.leaf / "cpuacct.usage").read_text()) / 1e9
            memory = self.dirs["memory"] / self.leaf
            peak = int((memory / "memory.max_usage_in_bytes").read_text())
            kills = _keyed(memory / "memory.oom_control").get("oom_kill", "0")  # since Linux 4.13
        return {"cpu_s": round(cpu, 3), "peak_memory_mb": round(peak / 2**20, 1), "oom_kills": int(kills)}

    # -- removal -----------------------------------------------------------------------------

    def remove(self) -> None:
        """Remove the leaves and the session's cgroup (after the session killed its processes)."""
        for folder in self._unique_dirs():
            _remove_tree(folder)

    def _unique_dirs(self) -> list[Path]:
        return list(dict.fromkeys(self.dirs.values()))

    def _make_leaf(self, name: str) -> None:
        for folder in self._unique_dirs():
            (folder / name).mkdir()

    def _remove_leaf(self, name: str) -> None:
        for folder in self._unique_dirs():
            _remove_tree(folder / name)


def _keyed(path: Path) -> dict[str, str]:
    """A cgroup file of "key value" lines, as a dict."""
    return dict(line.split(maxsplit=1) for line in path.read_text().splitlines() if " " in line)


def _remove_tree(folder: Path, attempts: int = 50) -> None:
    """Remove a cgroup and its children, deepest first, killing what still runs in them. A
    just-killed process leaves its cgroup a moment after its death: rmdir is tried again."""
    if not folder.is_dir():
        return
    for child in [p for p in folder.iterdir() if p.is_dir()]:
        _remove_tree(child, attempts)
    for _ in range(attempts):
        with contextlib.suppress(OSError):
            for pid in (folder / "cgroup.procs").read_text().split():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(int(pid), signal.SIGKILL)
        try:
            folder.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:  # EBUSY: a process still in it
            time.sleep(0.02)


# -- finding the hierarchies -------------------------------------------------------------------


def _mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root, filesystem type, super options) of each cgroup mount."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        if rest and rest[0] in ("cgroup", "cgroup2"):
            options = set(rest[2].split(",")) if len(rest) > 2 else set()
            found.append((fields[4], fields[3], rest[0], options))
    return found


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per v1 controller, and under "" its v2 path."""
    paths = {}
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def _under_mount(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup ``path`` in a hierarchy mounted at ``mount`` (showing ``root``)."""
    if root != "/" and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]
    return Path(mount) / path.lstrip("/")


def _v2_parent() -> Path:
    """This process's v2 cgroup, made to hand memory and cpu down; CgroupUnavailable if it cannot."""
    own = _own_paths().get("")
    mounts = [(m, r) for m, r, kind, _ in _mounts() if kind == "cgroup2"]
    if own is None or not mounts:
        raise CgroupUnavailable("no cgroup v2 hierarchy")
    parent = _under_mount(*mounts[0], own)
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
    return parent


def _v1_parents() -> dict[str, Path]:
    """This process's v1 cgroup per controller; CgroupUnavailable when one is not mounted."""
    own = _own_paths()
    parents = {}
    for controller in V1_CONTROLLERS:
        mount = next(
            ((m, r) for m, r, kind, opts in _mounts() if kind == "cgroup" and controller in opts), None
        )
        if mount is None or controller not in own:
            raise CgroupUnavailable(f"no cgroup v1 {controller} hierarchy")
        parents[controller] = _under_mount(*mount, own[controller])
    return parents


def make(limits: Limits) -> SessionCgroup:
    """The session's cgroup, made with ``limits`` set, its ``infra`` leaf current, leftovers of
    killed sessions removed first. CgroupUnavailable (or another OSError) when it cannot be."""
    name = f"{PREFIX}{os.getpid()}"
    try:
        v2 = _v2_parent()
    except (CgroupUnavailable, OSError) as v2_refusal:
        try:
            parents = _v1_parents()
        except CgroupUnavailable as v1_refusal:
            raise CgroupUnavailable(f"{v2_refusal}; {v1_refusal}") from None
        group = SessionCgroup(1, {c: p / name for c, p in parents.items()})
    else:
        group = SessionCgroup(2, {"": v2 / name})
    for parent in {folder.parent for folder in group.dirs.values()}:
        remove_leftovers(parent)
    for folder in group._unique_dirs():
        folder.mkdir()
    try:
        _set_limits(group, limits)
        group._make_leaf("infra")
    except OSError:
        group.remove()
        raise
    return group


def _set_limits(group: SessionCgroup, limits: Limits) -> None:
    if group.version == 2:
        folder = group.dirs[""]
        (folder / "cgroup.subtree_control").write_text("+memory +cpu")
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


def remove_leftovers(parent: Path) -> None:
    """Remove the cgroups of sessions no longer running (named by their session's pid)."""
    with contextlib.suppress(OSError):
        for folder in parent.iterdir():
            if not folder.name.startswith(PREFIX) or not folder.is_dir():
                continue
            pid = folder.name.removeprefix(PREFIX)
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                _remove_tree(folder)


def session_cgroup(limits: Limits) -> tuple[SessionCgroup | None, dict[str, str]]:
    """For the session process at its start: run by root, its cgroup (`make`), and what its start
    reply says of it: ``cgroup``, "v1", "v2" or "none", and ``cgroup_refused`` (why there is none)."""
    if os.geteuid() != 0:
        return None, {"cgroup": "none", "cgroup_refused": "not run as root"}
    try:
        group = make(limits)
    except OSError as exc:
        return None, {"cgroup": "none", "cgroup_refused": str(exc)}
    return group, {"cgroup": f"v{group.version}"}
