"""The environment's side of a desktop session process: start it, ask it, stop it.

All of it is asyncio, on the environment's loop. A session that dies or stops answering becomes a
`SessionFailure` with a kind (``display_crashed``, ``app_crashed``...) that the environment turns
into the end of the episode, as `BrowserEnv` does with ``browser_crashed``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
import pwd
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

from palaestra.envs.desktop.session_limits import DEFAULT_PIDS_LIMIT, asked_limits
from palaestra.envs.desktop.tmp_namespace import OSWORLD_TASKS_ENV, PRIVATE_DIRS_ENV
from palaestra.errors import DesktopUnavailableError

SESSION_SCRIPT = Path(__file__).with_name("session.py")
#: What the session is told to run its apps as, when Palaestra runs as root and no user is forced:
#: a user of its own, leased from the pool palaestra-desktop-0, -1, ... (`user_pool`).
POOL = "@pool"
REQUIRED_PROGRAMS = ("Xvfb", "openbox", "dbus-daemon")
AT_SPI_LAUNCHERS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")


class SessionFailure(RuntimeError):
    """The session could not do what was asked; `kind` says what broke."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def desktop_user() -> str:
    """Whom the session runs apps as: none (ourselves) unless we are root; then a user of the
    session's own from the pool, or the one PALAESTRA_DESKTOP_USER names (every session shares it)."""
    if os.geteuid() != 0:
        return ""
    user = os.environ.get("PALAESTRA_DESKTOP_USER", "")
    if not user:
        return POOL
    try:
        pwd.getpwnam(user)
    except KeyError:
        raise DesktopUnavailableError(
            f"Desktop apps must not run as root, and PALAESTRA_DESKTOP_USER names {user!r}, who does not "
            f"exist. Make it (`useradd --system --user-group {user}`), or unset PALAESTRA_DESKTOP_USER "
            "to give each session a user of its own from the pool."
        ) from None
    return user


def check_programs() -> None:
    missing = [p for p in REQUIRED_PROGRAMS if shutil.which(p) is None]
    if not any(Path(p).exists() for p in AT_SPI_LAUNCHERS):
        missing.append("at-spi2-core")
    if missing:
        raise DesktopUnavailableError(
            f"The desktop needs {', '.join(missing)}. Run scripts/setup, or: apt-get install xvfb openbox "
            "dbus-daemon at-spi2-core libatk-adaptor (and the task's apps)."
        )


class SharedNamespaceWarning(RuntimeWarning):
    """Desktop sessions run by root share the machine's loopback or /tmp: the kernel would not give
    them namespaces of their own (`net_namespace`, `tmp_namespace`)."""


#: What each namespace a root session may be refused keeps apart: what it is, what is then shared,
#: and what parallel episodes may then do to each other.
SHARED_PARTS = {
    "network": ("a network namespace", "loopback", "collide on a fixed port and reach each other's servers"),
    "tmp": (
        "a /tmp, /var/tmp and /dev/shm",
        "/tmp, /var/tmp and /dev/shm",
        "collide on a fixed /tmp path and read each other's files there",
    ),
}


def shared_note(header: dict[str, Any]) -> str:
    """The warning for a session's start reply that says a namespace was refused ("" if none was):
    what is shared, why (the kernel's words), what may happen, and the fix, in one sentence set."""
    refused = [part for part in SHARED_PARTS if header.get(f"{part}_refused")]
    if not refused:
        return ""
    what, shared, risks = (" and ".join(SHARED_PARTS[p][i] for p in refused) for i in range(3))
    reasons = ", ".join(dict.fromkeys(str(header[f"{p}_refused"]) for p in refused))
    return (
        f"The desktop session could not have {what} of its own ({reasons}), so its episodes share "
        f"this machine's {shared}: parallel episodes may {risks}. Give the process CAP_SYS_ADMIN "
        "(docker run --cap-add SYS_ADMIN) to keep each episode's own."
    )


@functools.cache
def warn_shared(note: str) -> None:
    """Say it once per process (every session would say the same), as `shared_note` words it."""
    warnings.warn(note, SharedNamespaceWarning, stacklevel=2)


class ResourceLimitWarning(RuntimeWarning):
    """A desktop session was asked for CPU, memory or process limits and could not have them: it
    has no cgroup of its own (`cgroups`: not run as root, or no usable cgroup hierarchy), or no
    pids controller for a process limit."""


def limits_note(header: dict[str, Any], limits: dict[str, int | None]) -> str:
    """The warning for a session's start reply when limits were asked for but it has no cgroup, or
    a process limit but no pids controller; worded the same whatever was asked, so that
    `warn_limits` says it once per process. The default process limit is no request (`asked_limits`)."""
    asked = asked_limits(limits)
    if not asked:
        return ""
    if header.get("cgroup", "none") != "none":
        if "pids_limit" in asked and header.get("pids_limit") is None:
            return (
                "Desktop sessions run without the pids_limit asked for: their cgroup has no pids "
                "controller (cgroup v1: none mounted; v2: not handed down to it), so an episode may "
                "start processes up to the machine's own limit. Their memory and CPU limits hold."
            )
        return ""
    return (
        "Desktop sessions run without the memory_limit_mb, cpu_weight and pids_limit asked for: they "
        f"could not have a cgroup of their own ({header.get('cgroup_refused', 'no reason given')}), so "
        "their episodes share this machine's CPU, memory and processes with no limit. Run Palaestra "
        "as root, on a machine with cgroup v1 memory, cpu and cpuacct hierarchies (and pids) or a "
        "cgroup v2 that can hand memory and cpu (and pids) down to it (a delegated cgroup: "
        "systemd-run --scope -p Delegate=yes, or a container's own cgroup)."
    )


@functools.cache
def warn_limits(note: str) -> None:
    """Said once per process, as `warn_shared`."""
    warnings.warn(note, ResourceLimitWarning, stacklevel=2)


class SessionClient:
    """One desktop session process and the requests to it, one at a time."""

    def __init__(
        self,
        width: int,
        height: int,
        start_timeout: float = 30.0,
        memory_limit_mb: int | None = None,
        cpu_weight: int | None = None,
        isolation: str = "on",
        pids_limit: int | None = DEFAULT_PIDS_LIMIT,
    ) -> None:
        """``memory_limit_mb``, ``cpu_weight``, ``pids_limit``: for the session's cgroup
        (`cgroups.Limits`); ``isolation``: "off" asks for no namespaces and no cgroup
        (`session_limits.ISOLATION_MODES`)."""
        self.size = (width, height)
        self.limits: dict[str, int | None] = {
            "memory_limit_mb": memory_limit_mb,
            "cpu_weight": cpu_weight,
            "pids_limit": pids_limit,
        }
        self.isolation = isolation
        self.start_timeout = start_timeout
        self.proc: asyncio.subprocess.Process | None = None
        self.info: dict[str, Any] = {}
        self._lock = asyncio.Lock()

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def start(self) -> dict[str, Any]:
        check_programs()
        limits = json.dumps(dict(self.limits, isolation=self.isolation))
        argv = [sys.executable, str(SESSION_SCRIPT), *map(str, self.size), desktop_user(), limits]
        # The session hides these folders: task files, a run's records (`tmp_namespace`).
        passed = ("PATH", "LANG", "LC_ALL", "TMPDIR", OSWORLD_TASKS_ENV, PRIVATE_DIRS_ENV)
        env = {k: v for k, v in os.environ.items() if k in passed}
        self.proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env, limit=2**20
        )
        header, _ = await self._read(self.start_timeout)
        if not header.get("ok"):
            await self.close()
            if header.get("kind") == "desktop_unavailable":  # no user could be leased for it
                raise DesktopUnavailableError(header.get("error", "no desktop user could be leased"))
            raise SessionFailure(
                header.get("kind", "display_crashed"), header.get("error", "no reason given")
            )
        self.info = header
        note = shared_note(header)  # run by root, but refused a namespace (`net_namespace`, `tmp_namespace`)
        if note:
            warn_shared(note)
        note = limits_note(header, self.limits)
        if note:
            warn_limits(note)
        return header

    async def request(self, message: dict[str, Any], timeout: float) -> tuple[dict[str, Any], bytes]:
        """Send one request and wait for its reply; a failed reply raises `SessionFailure`."""
        async with self._lock:
            if not self.alive or self.proc is None or self.proc.stdin is None:
                raise SessionFailure("display_crashed", "The desktop session is not running.")
            try:
                self.proc.stdin.write(json.dumps(message).encode() + b"\n")
                await self.proc.stdin.drain()
            except (BrokenPipeError, ConnectionResetError) as exc:
                raise SessionFailure("display_crashed", f"The desktop session went away: {exc}") from None
            header, blob = await self._read(timeout)
        if not header.get("ok"):
            raise SessionFailure(header.get("kind", "environment_error"), header.get("error", ""))
        return header, blob

    async def _read(self, timeout: float) -> tuple[dict[str, Any], bytes]:
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        try:
            line = await asyncio.wait_for(stdout.readline(), timeout)
            if not line:
                await self.proc.wait()
                raise SessionFailure(
                    "display_crashed", f"The desktop session ended (status {self.proc.returncode})."
                )
            header = json.loads(line)
            size = int(header.get("blob", 0))
            blob = await asyncio.wait_for(stdout.readexactly(size), timeout) if size else b""
        except TimeoutError:
            await self.kill()
            raise SessionFailure(
                "session_timeout", f"The desktop session did not answer within {timeout} s."
            ) from None
        return header, blob

    async def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()
            await self.proc.wait()

    async def close(self, timeout: float = 10.0) -> None:
        """Ask the session to stop (it kills and reaps everything it started); kill it if it will not."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, RuntimeError):
            assert proc.stdin is not None
            proc.stdin.write(b'{"op":"quit"}\n')
            await proc.stdin.drain()
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), timeout)
        except TimeoutError:
            await self.kill()
