"""What each child of the desktop session does between fork and exec.

The order matters: the child joins the session's cgroup while still root (the cgroup's files are
root's), then becomes the desktop user, and only then asks to die with the session (the kernel
clears that wish when a process's user changes). subprocess's own ``user=`` would switch users
before any of this could run as root, so the switch is made here.

Part of the session process (imported beside `session`, not through Palaestra).
"""

from __future__ import annotations

import ctypes
import os
import signal
from collections.abc import Callable

import cgroups

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)


def child_setup(
    fds: dict[int, int], ids: tuple[int, int] | None, group: cgroups.SessionCgroup | None
) -> Callable[[], None]:
    """What a child of the session does between fork and exec, in this order: join the session's
    cgroup (while still root: the cgroup's files are root's), become the desktop user, ask to die
    with the session (after the switch: the kernel clears that wish when the user changes), and
    put each of the session's ``fds`` at its number (the browser's DevTools pipe at 3 and 4). The
    child then keeps only those and its stdio: the session opens every fd close-on-exec."""

    def prepare() -> None:
        if group is not None:
            group.join()
        if ids is not None:
            os.setgroups([])
            os.setregid(ids[1], ids[1])
            os.setreuid(ids[0], ids[0])
        _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        for number, fd in fds.items():
            os.dup2(fd, number)

    return prepare
