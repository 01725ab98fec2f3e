"""A /tmp, /var/tmp and /dev/shm of the desktop session's own, in a mount namespace of its own.

Many programs and task scripts write to ``/tmp`` itself rather than to TMPDIR (OSWorld's tasks
name ``/tmp/...`` files, LibreOffice keeps its single-instance pipe there, Chromium its shared
memory in ``/dev/shm``): on one shared ``/tmp``, parallel episodes of one task collide on those
fixed paths, and read each other's files where permissions allow. The session process, run by
root, therefore moves into a new mount namespace once its X server is up (`isolate`), makes every
mount in it private (nothing it mounts shows on the host), and mounts a fresh tmpfs on ``/tmp``,
``/var/tmp`` (where programs keep files meant to outlive a reboot) and ``/dev/shm``. What it starts
afterwards (the bus, the window manager, the apps, the task's and the judge's commands) inherits
that view; the environment process and other sessions keep theirs.

Some things of the host's ``/tmp`` must stay visible inside, at the same paths, and are bound back:
the session's own folder (HOME, the X cookie, the bus sockets, TMPDIR, logs: the environment reads
HOME on the host, the apps inside), the session's X socket, read-only, alone in
``/tmp/.X11-unix`` (other sessions' sockets are not shown), and, when Palaestra or its Python
lives under one of the private folders (a checkout cloned into ``/tmp``, as CI machines do), that
folder (`code_roots`): the session imports lazily and its commands run the same Python. Xvfb
itself starts before the switch, in the host's view: it picks a free display number by its lock
files in the host's ``/tmp``, so display numbers stay unique across sessions and the host reaches
each display as before. Root on the host reaches a session's private ``/tmp`` as
``/proc/PID/root/tmp`` (PID: the session's).

OSWorld's ``/home/user`` (its VM's HOME, which its instructions and agents name outright) is a link
to the session's HOME inside, on a tmpfs covering ``/home`` with the host's entries bound back,
unless the host has a ``/home/user`` of its own.

The episode's leftovers are removed at each episode's start (`PrivateTmp.clear`): everything in
``/tmp``, ``/var/tmp`` and ``/dev/shm`` but what the session itself had there once its
infrastructure was up.

The folders of task files are covered with an empty read-only tmpfs (`answer_folders`): the bundled
OSWorld-format tasks and WebArena-style task data in Palaestra's checkout, and the folder named by
``PALAESTRA_OSWORLD_TASKS``. They hold the judges' expected values and gold files
(``budget_expected.xlsx``), which an agent's terminal, run as the session's user, read like any
world-readable file, and copied over its work. Nothing inside needs them: the environment sends a
task's files in the ``episode`` request and judges on the host. So is an evaluation's run folder
(``PALAESTRA_PRIVATE_DIRS``, set by its workers): its records hold the other episodes' answers,
verdicts and trajectories, a peek an OSWorld VM never had.

Like ``net_namespace`` it calls libc through `ctypes` (Python 3.11 has no ``os.unshare``), and
``unshare`` changes the calling thread only: `isolate` runs before the session starts any thread.
Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_RDONLY, MS_NOSUID, MS_NODEV = 0x1, 0x2, 0x4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
#: The folders made private, each a fresh tmpfs anyone may write to (sticky, as the host's are).
PRIVATE_FOLDERS = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
X_SOCKETS = Path("/tmp/.X11-unix")
#: OSWorld's VM home: its instructions and agents name ``/home/user/...`` paths outright (a file to
#: save to, a ``cd`` typed in a terminal). Inside, it is a link to the session's HOME (`_home_alias`).
OSWORLD_HOME = Path("/home/user")
#: Folders of task files in Palaestra's checkout (relative to it), hidden inside (`answer_folders`).
TASK_DATA = ("tasks/desktop/osworld/data", "tasks/webarena/data")
#: The folder (or OSWorld task list) of the OSWorld suite's task files
#: (``palaestra.tasks.desktop.osworld.FOLDER_ENV``), hidden inside too.
OSWORLD_TASKS_ENV = "PALAESTRA_OSWORLD_TASKS"
#: More folders to hide inside, separated by ``os.pathsep``: an evaluation's worker adds its run
#: folder (`hide_from_sessions`), whose records hold other episodes' answers and verdicts.
PRIVATE_DIRS_ENV = "PALAESTRA_PRIVATE_DIRS"
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(
    source: str | None, target: Path, kind: str | None, flags: int, options: str | None = None
) -> None:
    def raw(text: str | None) -> bytes | None:
        return None if text is None else os.fsencode(text)

    done = _libc.mount(raw(source), raw(str(target)), raw(kind), flags, raw(options))
    _check(done, f"mount {source or kind or ''} on {target}")


@dataclass
class PrivateTmp:
    """The session's private folders once `isolate` made them: what to keep in them across
    episodes, and a handle on the host's view of the session folder's parent."""

    #: An fd of the session folder's parent as the host sees it (to remove the folder at the end:
    #: inside, its path is a mount point, which cannot be removed).
    host_parent: int
    #: For each private folder, the names in it that are the session's own (see `keep_current`).
    kept: dict[Path, set[str]] = field(default_factory=dict)

    def keep_current(self) -> None:
        """Take what is in the private folders now (the bound-back paths, the infrastructure's
        files) as the session's own: `clear` leaves it."""
        self.kept = {folder: set(os.listdir(folder)) for folder in PRIVATE_FOLDERS}

    def clear(self) -> None:
        """Remove everything an episode left in the private folders. Links are removed, never followed."""
        for folder, kept in self.kept.items():
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name in kept:
                        continue
                    with contextlib.suppress(FileNotFoundError):
                        if entry.is_dir(follow_symlinks=False):
                            shutil.rmtree(entry.path)
                        else:
                            os.unlink(entry.path)

    def remove_session_folder(self, base: Path) -> None:
        """Remove the session's folder on the host: its contents through the bind, then the folder
        itself from the host's view of its parent."""
        shutil.rmtree(base, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.rmdir(base.name, dir_fd=self.host_parent)
        os.close(self.host_parent)


def code_roots(folders: tuple[Path, ...] = PRIVATE_FOLDERS) -> list[Path]:
    """The host's folders right under a private folder that hold this Python or Palaestra's code
    (``/tmp/checkout`` for ``/tmp/checkout/.venv``): covered, the session's lazy imports and the
    Python its commands run would vanish, so they are bound back. Empty in the usual case."""
    wanted = {Path(__file__).resolve().parent}
    wanted |= {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, *sys.path)}
    roots = {
        folder / path.relative_to(folder).parts[0]
        for path in wanted
        for folder in folders
        if path != folder and path.is_relative_to(folder)
    }
    return sorted(root for root in roots if root.exists())


def answer_folders(base: Path) -> list[Path]:
    """The folders of task files to hide inside the session: `TASK_DATA` in this checkout, the
    folder ``$PALAESTRA_OSWORLD_TASKS`` names (a task list's folder, for a file) and those
    ``$PALAESTRA_PRIVATE_DIRS`` names. Not one that holds the code the session runs or its own
    folder ``base`` (a task folder set to a home folder)."""
    checkout = Path(__file__).resolve().parents[2]
    folders = [checkout / name for name in TASK_DATA]
    chosen = os.environ.get(OSWORLD_TASKS_ENV, "").strip()
    if chosen:
        named = Path(chosen).expanduser()
        folders.append(named if named.is_dir() else named.parent)
    folders += [
        Path(p).expanduser() for p in os.environ.get(PRIVATE_DIRS_ENV, "").split(os.pathsep) if p.strip()
    ]
    needed = [checkout, base, *(Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix))]
    found = {f.resolve() for f in folders if f.is_dir()}
    return sorted(f for f in found if not any(n.is_relative_to(f) for n in needed))


def hide_from_sessions(folder: Path) -> None:
    """Hide ``folder`` inside the desktop sessions this process starts from now on (their
    agents' terminals would read it): added to ``PRIVATE_DIRS_ENV``, which they inherit."""
    named = [p for p in os.environ.get(PRIVATE_DIRS_ENV, "").split(os.pathsep) if p]
    if str(folder) not in named:
        os.environ[PRIVATE_DIRS_ENV] = os.pathsep.join([*named, str(folder)])


def isolate(base: Path, display: str) -> PrivateTmp:
    """Move this process into a new mount namespace with a fresh ``/tmp`` and ``/dev/shm``, the
    session folder ``base`` and the X socket of ``display`` (":N") bound back in. Call it before
    the process starts any thread. OSError when the kernel refuses (no CAP_SYS_ADMIN): the process
    then keeps the host's view."""
    base = base.resolve()
    socket = X_SOCKETS / f"X{display.lstrip(':').split('.')[0]}"
    host_parent = os.open(base.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    host_view = os.open("/proc/thread-self/ns/mnt", os.O_RDONLY | os.O_CLOEXEC)
    code = {root: root.is_dir() for root in code_roots()}  # known before the covering hides them
    hidden = answer_folders(base)
    # The host's /home, each entry bound back once /home is covered for OSWORLD_HOME; left alone
    # when the host has a /home/user of its own (a real user's).
    alias = not OSWORLD_HOME.exists() and OSWORLD_HOME.parent.is_dir()
    homes = os.listdir(OSWORLD_HOME.parent) if alias else []
    keep: dict[Path, int] = {}
    try:
        _check(_libc.unshare(CLONE_NEWNS), "unshare a mount namespace")
        try:
            # Private all the way down: nothing mounted here propagates back to the host's namespace.
            _mount(None, Path("/"), None, MS_REC | MS_PRIVATE)
            # Held across the covering: then reached only through these (opened in the new namespace:
            # a bind's source must be a mount of the caller's own).
            keep = {path: os.open(path, os.O_PATH | os.O_CLOEXEC) for path in (base, socket, *code)}
            for folder in PRIVATE_FOLDERS:
                _mount("tmpfs", folder, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
            for root in code:
                _bind_back(keep[root], root, directory=code[root])
            in_code = any(base.is_relative_to(root) for root in code)
            if not in_code and any(base.is_relative_to(folder) for folder in PRIVATE_FOLDERS):
                _bind_back(keep[base], base, directory=True)
            X_SOCKETS.mkdir(mode=0o755)  # root's: nothing inside but the display's socket
            _bind_back(keep[socket], socket, directory=False, read_only=True)
            if alias:
                _home_alias(base / "home", homes)
            for folder in hidden:  # last: over a bound-back checkout or home too
                if folder.is_dir():  # a folder under /tmp, not bound back, is gone already
                    _mount("tmpfs", folder, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "mode=555")
        except OSError:  # half made: back to the host's view, whole, rather than a broken one
            _check(_libc.setns(host_view, CLONE_NEWNS), "setns back into the host's mount namespace")
            raise
    except OSError:
        os.close(host_parent)
        raise
    finally:
        for fd in [*keep.values(), host_view]:
            os.close(fd)
    return PrivateTmp(host_parent)


def _home_alias(home: Path, homes: list[str]) -> None:
    """``/home/user`` as a link to the session's HOME ``home`` (the same path every episode): a
    fresh tmpfs on ``/home``, root's, with the host's entries ``homes`` bound back at their paths
    (a checkout or venv under ``/home/me`` stays where the session's commands find it)."""
    parent = OSWORLD_HOME.parent
    held = {name: os.open(parent / name, os.O_PATH | os.O_CLOEXEC) for name in homes}
    try:
        kinds = {name: (parent / name).is_dir() for name in homes}
        _mount("tmpfs", parent, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
        for name, fd in held.items():
            _bind_back(fd, parent / name, directory=kinds[name])
        OSWORLD_HOME.symlink_to(home)
    finally:
        for fd in held.values():
            os.close(fd)


def _bind_back(fd: int, target: Path, directory: bool, read_only: bool = False) -> None:
    """Bind the host's path held by ``fd`` at ``target`` in the new view (its mount point made)."""
    if not target.parent.is_dir():
        target.parent.mkdir(parents=True, mode=0o755)
    if directory:
        target.mkdir(mode=0o700)
    else:
        target.touch(mode=0o600)
    _mount(f"/proc/self/fd/{fd}", target, None, MS_BIND)
    if read_only:
        _mount(None, target, None, MS_BIND | MS_REMOUNT | MS_RDONLY)


def session_tmp(base: Path, display: str) -> tuple[PrivateTmp | None, dict[str, str]]:
    """For the session process once its X server is up: run by root, a private /tmp, /var/tmp and /dev/shm
    (`isolate`), and what its start reply says of them: ``tmp``, "own" or "shared", and when root
    could not have them, ``tmp_refused`` (the kernel's reason). Not run by root: the host's, as always."""
    if os.geteuid() != 0:
        return None, {"tmp": "shared"}
    try:
        return isolate(base, display), {"tmp": "own"}
    except OSError as exc:
        return None, {"tmp": "shared", "tmp_refused": os.strerror(exc.errno or 0)}
