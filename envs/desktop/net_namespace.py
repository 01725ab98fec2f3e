"""A network namespace of the desktop session's own, with nothing in it but its own loopback.

Sessions run side by side on one machine. Sharing the machine's loopback, two episodes of one task
that start a server on a fixed port (``python3 -m http.server 8000``) collide, and one episode's
apps can reach another's servers (VLC's HTTP interface, code-server, a task's own server). OSWorld
keeps episodes apart with a VM each; here the session process, run by root, moves itself into a new
network namespace before it starts anything (`isolate`): everything it starts then inherits it,
so Xvfb, the apps, the task's commands and the judge's commands (VLC's status query, code-server's
readiness probe) all share a loopback that is the session's alone, and none of their call sites
needs to know. The namespace has no other interface, so nothing inside reaches the machine's
network either; the host's loopback ports a task names are forwarded in by `host_relay`.

Python 3.11 has no ``os.unshare``/``os.setns`` (3.12 added them), so libc's are called through
`ctypes`. ``nsenter``/``unshare`` programs would not do: they can only start a new program in a
namespace, and the point is to move this process, which then holds an fd of the host's namespace
for the relay (and `socket_in` makes sockets in either one without a child process). Both calls
change the calling thread only: `isolate` must run before the process starts any thread, and
`entered` switches one thread for a block, leaving the others where they are.

Imported beside `session` in the session process (not through Palaestra), as its siblings are;
the environment and tests import it as ``palaestra.envs.desktop.net_namespace`` for `socket_in`.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
from collections.abc import Iterator

CLONE_NEWNET = 0x40000000
#: ioctl requests that read and set an interface's flags (``struct ifreq``: name, then short flags).
SIOCGIFFLAGS, SIOCSIFFLAGS = 0x8913, 0x8914
IFF_UP = 0x1
IFREQ = struct.Struct("16sh22x")
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def current() -> int:
    """An fd (close-on-exec) of the calling thread's network namespace: a handle that keeps it."""
    return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def of_process(pid: int) -> int:
    """An fd of the network namespace process ``pid`` is in (root may open any process's)."""
    return os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)


def enter(namespace: int) -> None:
    """Move the calling thread into the network namespace ``namespace`` (an fd) for good."""
    _check(_libc.setns(namespace, CLONE_NEWNET), "setns into a network namespace")


def isolate() -> int:
    """Move this process into a new network namespace and bring its loopback up; the fd of the
    namespace it left (the host's). Call it before the process starts any thread. OSError when the
    kernel refuses (no CAP_SYS_ADMIN, as in most containers): the process is then where it was."""
    host = current()
    try:
        _check(_libc.unshare(CLONE_NEWNET), "unshare a network namespace")
    except OSError:
        os.close(host)
        raise
    loopback_up()
    return host


def loopback_up() -> None:
    """Bring ``lo`` up in the calling thread's namespace (a new namespace has it down)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as handle:
        asked = fcntl.ioctl(handle, SIOCGIFFLAGS, IFREQ.pack(b"lo", 0))
        flags = IFREQ.unpack(asked)[1]
        fcntl.ioctl(handle, SIOCSIFFLAGS, IFREQ.pack(b"lo", flags | IFF_UP))


@contextlib.contextmanager
def entered(namespace: int) -> Iterator[None]:
    """The calling thread in the network namespace ``namespace`` for the block, then back."""
    home = current()
    try:
        enter(namespace)
        try:
            yield
        finally:
            enter(home)
    finally:
        os.close(home)


def socket_in(namespace: int, family: int = socket.AF_INET, kind: int = socket.SOCK_STREAM) -> socket.socket:
    """A socket of the network namespace ``namespace``: it binds and connects there whichever
    thread or namespace uses it later (a socket belongs to the namespace it was made in)."""
    with entered(namespace):
        return socket.socket(family, kind)


def session_network() -> tuple[int | None, dict[str, str]]:
    """For the desktop session process at its start: run by root, it moves into a namespace of its
    own (`isolate`); the fd of the host's, and what its start reply says of it: ``network``, "own"
    or "shared", and when root could not have one, ``network_refused`` (the kernel's reason; the
    environment warns with it, `client.shared_note`). Not run by root, it shares the host's, as it
    always did."""
    if os.geteuid() != 0:
        return None, {"network": "shared"}
    try:
        return isolate(), {"network": "own"}
    except OSError as exc:
        return None, {"network": "shared", "network_refused": os.strerror(exc.errno or 0)}
