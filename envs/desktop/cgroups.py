"""A cgroup of the desktop session's own: CPU, memory and process limits, and each episode's figures.

Parallel sessions share the machine's CPU and memory: one runaway app (a task's script, a leaking
browser) could starve every other episode or have the kernel's OOM killer pick a process anywhere,
the environment's own included. Run by root, the session process therefore makes a cgroup
``palaestra-desktop-PID`` under its own, with the limits asked for (`Limits`), and two leaves in
it: ``infra`` (Xvfb, the bus, openbox, the AT-SPI bus) and ``episode-N`` (everything the episode
starts: its apps, commands, the judge's commands and their descendants). A memory limit then holds
for the whole session and an OOM kill stays inside it; the session process itself stays outside,
uncharged, and survives to report it. A fresh leaf per episode gives its figures (`figures`) from
zero without resetting counters. The process limit is the episode leaf's own (pids.max), not the
session's: a fork bomb in the episode fills its leaf while ``infra`` still forks, and the session
process, outside, still starts the next episode (whose new leaf starts from zero).

Each child joins its leaf between fork and exec (`join`, called by `Display._popen` while the child
is still root), so no process runs a moment outside it. `cgroup_setup` makes the cgroup (v2 or v1)
with its limits; this module holds what the session and the runner do with it afterwards: joining,
episode leaves, figures (the runner reads them of an episode it kills, `palaestra.runs.kill_figures`,
so this module imports nothing but the standard library), removal.

A session killed outright leaves its cgroup behind (its children die with it, `PR_SET_PDEATHSIG`);
the next session on the machine removes such leftovers (`remove_leftovers`), killing any process
still in them first. Imported beside `session` in the session process, as its siblings are.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "palaestra-desktop-"


@dataclass(frozen=True)
class Limits:
    """What the session's processes together may use: memory in MiB (None: no limit) and a CPU
    weight, 1-10000, relative to other cgroups' 100 (None: the default, 100); and how many
    processes and threads each episode may have at once (None: no limit)."""

    memory_mb: int | None = None
    cpu_weight: int | None = None
    pids: int | None = None


@dataclass
class SessionCgroup:
    """The session's cgroup in each hierarchy (v2: one), and the leaf new children join."""

    version: int
    #: The session's cgroup folder, per controller (v1) or under "" (v2).
    dirs: dict[str, Path]
    leaf: str = "infra"
    episode: int = 0
    #: Each episode leaf's pids.max (None: no limit, or no pids controller: `has_pids`).
    pids: int | None = None

    # -- joining -----------------------------------------------------------------------------

    def join(self) -> None:
        """Move the calling process into the current leaf (in a child, before exec, as root)."""
        pid = str(os.getpid())
        for folder in self.folders():
            (folder / self.leaf / "cgroup.procs").write_text(pid)

    def new_episode(self) -> None:
        """Remove the last episode's leaf (its processes are gone) and make the next one's."""
        if self.leaf != "infra":
            self._remove_leaf(self.leaf)
        self.episode += 1
        self.leaf = f"episode-{self.episode}"
        self.make_leaf(self.leaf)
        if self.pids is not None:
            (self._pids_dir() / self.leaf / "pids.max").write_text(str(self.pids))

    @property
    def has_pids(self) -> bool:
        """Whether the session has the pids controller (v1: mounted; v2: handed down to it)."""
        if self.version == 1:
            return "pids" in self.dirs
        return "pids" in (self.dirs[""] / "cgroup.subtree_control").read_text().split()

    def _pids_dir(self) -> Path:
        return self.dirs["pids" if self.version == 1 else ""]

    # -- figures -----------------------------------------------------------------------------

    def figures(self) -> dict[str, float | None]:
        """CPU seconds, peak memory (MiB), OOM kills and forks refused at the process limit
        (``pids_max_hits``; None without the pids controller) of the episode's leaf so far."""
        hits = self.pids_max_hits()
        if self.leaf == "infra":
            return {"cpu_s": 0.0, "peak_memory_mb": 0.0, "oom_kills": 0, "pids_max_hits": hits}
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
        return {
            "cpu_s": round(cpu, 3),
            "peak_memory_mb": round(peak / 2**20, 1),
            "oom_kills": int(kills),
            "pids_max_hits": hits,
        }

    def pids_max_hits(self) -> int | None:
        """How often a fork or new thread in the episode was refused at its leaf's pids.max."""
        if self.version == 1 and "pids" not in self.dirs:
            return None
        events = self._pids_dir() / self.leaf / "pids.events"
        return int(_keyed(events).get("max", "0")) if events.exists() else None

    # -- removal -----------------------------------------------------------------------------

    def remove(self) -> None:
        """Remove the leaves and the session's cgroup (after the session killed its processes)."""
        for folder in self.folders():
            _remove_tree(folder)

    def folders(self) -> list[Path]:
        return list(dict.fromkeys(self.dirs.values()))

    def make_leaf(self, name: str) -> None:
        for folder in self.folders():
            (folder / name).mkdir()

    def _remove_leaf(self, name: str) -> None:
        for folder in self.folders():
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


def mounts() -> list[tuple[str, str, str, set[str]]]:
    """(mount point, root, filesystem type, super options) of each cgroup mount."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        before, _, after = line.partition(" - ")
        fields, rest = before.split(), after.split()
        if rest and rest[0] in ("cgroup", "cgroup2"):
            options = set(rest[2].split(",")) if len(rest) > 2 else set()
            found.append((fields[4], fields[3], rest[0], options))
    return found


def cgroup_paths(pid: int | str = "self") -> dict[str, str]:
    """A process's (ours by default) cgroup path per v1 controller, and under "" its v2 path."""
    paths = {}
    for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            paths[name] = path
    return paths


def under_mount(mount: str, root: str, path: str) -> Path:
    """The folder of cgroup ``path`` in a hierarchy mounted at ``mount`` (showing ``root``)."""
    if root != "/" and (path == root or path.startswith(root + "/")):
        path = path[len(root) :]
    return Path(mount) / path.lstrip("/")


def remove_leftovers(parent: Path) -> None:
    """Remove the cgroups of sessions no longer running (named by their session's pid)."""
    with contextlib.suppress(OSError):
        for folder in parent.iterdir():
            if not folder.name.startswith(PREFIX) or not folder.is_dir():
                continue
            pid = folder.name.removeprefix(PREFIX)
            if pid.isdigit() and not Path(f"/proc/{pid}").exists():
                _remove_tree(folder)
