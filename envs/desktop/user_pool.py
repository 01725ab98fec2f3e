"""One unprivileged user per desktop session: a pool of users leased with file locks.

Sessions run in parallel (the runner's workers, several processes on one machine). If they shared
one user, a task's ``pkill soffice``, an agent's terminal or a path in ``/tmp`` would reach the other
sessions' apps and files. Each session run by root therefore leases a user of its own from the pool
``palaestra-desktop-0``, ``-1``, ... for as long as it lives: the lease is an exclusive `fcntl.flock`
on that user's file in a directory only root may write, so two live sessions never hold one user,
and a session that dies, however it dies, lets go of it (the kernel drops the lock with its last
open descriptor; the session's children do not inherit it, `subprocess` closes it for them). When
every user is leased the pool grows by one (`useradd`, a system user with its own group, no home,
no login shell); scripts/setup makes the first ones.

A user taken over from a session that was killed may still have processes (a daemon that outlived
the session's reaping) and files in the shared temporary folders: both are removed before the new
session starts anything as that user, so it starts with nothing of the previous one's.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

PREFIX = "palaestra-desktop-"
#: The most users the pool grows to: a session beyond it is refused rather than one more made.
MAX_USERS = 64
#: Where the leases' lock files live: root's own folder (a lock file anyone could open, anyone could
#: hold, and so keep a user from every session).
LOCK_DIR = Path("/run/palaestra-desktop") if Path("/run").is_dir() else Path("/var/lock/palaestra-desktop")
#: Folders every user may write to, swept of a reused user's leftovers.
SHARED_TEMP = (Path(tempfile.gettempdir()), Path("/dev/shm"))
USERADD_OPTIONS = ("--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent")


class PoolError(RuntimeError):
    """No user could be leased: the lock folder is not root's, useradd failed, or the pool is full."""


@dataclass
class Lease:
    """A user held by this process until `release` or its exit; ``fd`` holds the lock."""

    name: str
    uid: int
    gid: int
    fd: int

    def release(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def lease(prefix: str = PREFIX, lock_dir: Path = LOCK_DIR, limit: int = MAX_USERS) -> Lease:
    """The first user of the pool no live session holds, made if needed, with nothing left running
    or lying around in the shared temporary folders from an earlier lease."""
    _root_folder(lock_dir)
    for index in range(limit):
        taken = try_lease(f"{prefix}{index}", lock_dir)
        if taken is not None:
            return taken
    raise PoolError(
        f"All {limit} desktop users ({prefix}0..{limit - 1}) are leased by running sessions: close "
        "some, or run fewer desktop environments at once."
    )


def try_lease(name: str, lock_dir: Path = LOCK_DIR) -> Lease | None:
    """``name`` leased (made first if it does not exist, cleaned of leftovers), or None when a live
    session holds it."""
    _root_folder(lock_dir)
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    try:
        entry = _ensure_user(name, lock_dir)
        kill_leftovers(entry.pw_uid)
        sweep_temp(entry.pw_uid)
    except BaseException:
        os.close(fd)
        raise
    return Lease(name, entry.pw_uid, entry.pw_gid, fd)


def kill_leftovers(uid: int) -> None:
    """Kill every process running as ``uid`` (as its real, effective or saved user)."""

    def running_as_uid() -> list[psutil.Process]:
        found = []
        for proc in psutil.process_iter(["uids", "status"]):
            with contextlib.suppress(psutil.Error):
                if uid in proc.info["uids"] and proc.info["status"] != psutil.STATUS_ZOMBIE:
                    found.append(proc)
        return found

    kill_until_gone(running_as_uid)


def kill_until_gone(
    select: Callable[[], list[psutil.Process]],
    after_round: Callable[[], None] | None = None,
    rounds: int = 3,
    timeout: float = 2.0,
) -> None:
    """Kill every process ``select`` finds, wait up to ``timeout`` s for them, and look again, up
    to ``rounds`` times or until it finds none: one may have forked a moment before its kill, and
    the next look finds the child. ``after_round`` runs after each wait (the session reaps its
    children there; until it does, they are zombies that ``select`` could find again). Serves both
    sweeps: an episode's processes at its end (`Session.kill_episode`) and a leased user's
    leftovers (`kill_leftovers`)."""
    for _ in range(rounds):
        found = select()
        if not found:
            return
        for proc in found:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(found, timeout=timeout)
        if after_round is not None:
            after_round()


def sweep_temp(uid: int, folders: tuple[Path, ...] = SHARED_TEMP) -> None:
    """Remove what ``uid`` left at the top of the shared temporary folders (its old session's
    folder, sockets, shared memory). Links are removed, never followed."""
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                with contextlib.suppress(OSError):
                    info = entry.stat(follow_symlinks=False)
                    if info.st_uid != uid:
                        continue
                    if stat.S_ISDIR(info.st_mode):
                        shutil.rmtree(entry.path, ignore_errors=True)
                    else:
                        os.unlink(entry.path)


def _ensure_user(name: str, lock_dir: Path) -> pwd.struct_passwd:
    """``name``'s passwd entry, after making the user when it does not exist. One process at a time
    runs useradd (it refuses to run while another holds the passwd file)."""
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    with open(lock_dir / "useradd.lock", "w") as guard:  # its descriptor holds the lock
        fcntl.flock(guard, fcntl.LOCK_EX)
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
        useradd = shutil.which("useradd") or "/usr/sbin/useradd"
        shell = "/usr/sbin/nologin" if Path("/usr/sbin/nologin").exists() else "/bin/false"
        try:
            argv = [useradd, *USERADD_OPTIONS, "--shell", shell, name]
            done = subprocess.run(argv, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise PoolError(f"Could not run useradd to make the desktop user {name!r}: {exc}") from None
        if done.returncode != 0:
            raise PoolError(
                f"useradd could not make the desktop user {name!r} (status {done.returncode}): "
                f"{done.stderr.strip()}. Make it yourself: useradd {' '.join(USERADD_OPTIONS)} {name}"
            )
    return pwd.getpwnam(name)


def _root_folder(folder: Path) -> None:
    """Make ``folder`` as root's alone, or refuse one someone else could write (they could hold
    or swap the lock files)."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
        raise PoolError(
            f"{folder} holds the desktop users' leases and must be a folder that only root may write; "
            f"remove it (Palaestra makes it again) or make it so: chown root {folder}; chmod 700 {folder}"
        )
