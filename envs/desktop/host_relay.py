"""The host's loopback ports a task names, forwarded into the session's network namespace.

In its own namespace (`net_namespace`) an episode reaches nothing of the host's loopback. Pages a task serves
from the environment's side, or our self-hosted sites, must stay reachable where the task says
they are: `DesktopSetup.host_ports` names their ports, and for each the session listens inside on
``127.0.0.1`` and ``::1`` and makes every connection it accepts again, to the same address and port,
in the host's namespace, then carries the bytes both ways. Any other port of the host stays out of
reach. A connection the host refuses is reset inside, as a refused one would be.

A relay is the session's, for one episode: it binds before the episode's commands run (a task's own
server on a forwarded port would find it taken) and `HostRelay.close` ends it and every connection
through it with the episode. Its threads are daemons: one accepts, in the host's namespace (so the
connections it makes are made there), and each connection has two that carry its bytes.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import struct
import threading
from collections.abc import Iterable

import net_namespace

#: How long connecting to a forwarded host port may take (loopback: refused or done at once).
CONNECT_TIMEOUT = 5.0
BUFFER = 65536
#: SO_LINGER on, zero seconds: close() then resets the connection rather than ending it cleanly.
RESET = struct.pack("ii", 1, 0)


def _listen(port: int) -> list[socket.socket]:
    """Listeners on ``port`` at both loopback addresses of the calling thread's namespace (``::1``
    left out where the kernel has no IPv6)."""
    if not 0 < port < 65536:
        raise ValueError(f"host port {port!r} is not a TCP port (1-65535)")
    made: list[socket.socket] = []
    try:
        for family, address in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            listener = socket.socket(family, socket.SOCK_STREAM)
            made.append(listener)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                listener.bind((address, port))
            except OSError:
                if family == socket.AF_INET:
                    raise
                made.pop().close()
                continue
            listener.listen(64)
    except BaseException:
        for listener in made:
            listener.close()
        raise
    return made


class HostRelay:
    """Listeners inside on each of ``ports``; their connections made again in the namespace
    ``host`` (an fd, `net_namespace.isolate`'s), and carried both ways until either side ends."""

    def __init__(self, host: int, ports: Iterable[int]) -> None:
        self.host = host
        self.ports = tuple(sorted(set(ports)))
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = False
        self._wake, self._waker = socket.socketpair()
        self._listeners: list[socket.socket] = []
        try:
            for port in self.ports:
                self._listeners += _listen(port)
        except BaseException:
            self.close()
            raise
        self._thread = threading.Thread(target=self._accept, name="host-relay", daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        net_namespace.enter(self.host)  # this thread only, and the threads it starts
        with selectors.DefaultSelector() as chooser:
            chooser.register(self._wake, selectors.EVENT_READ)
            for listener in self._listeners:
                chooser.register(listener, selectors.EVENT_READ)
            while True:
                for key, _ in chooser.select():
                    if key.fileobj is self._wake:
                        return
                    try:
                        inside, _ = key.fileobj.accept()  # type: ignore[union-attr]
                    except OSError:
                        continue
                    threading.Thread(target=self._carry, args=(inside,), daemon=True).start()

    def _carry(self, inside: socket.socket) -> None:
        """Connect to the host where ``inside`` was headed, then carry bytes until both sides end."""
        address = inside.getsockname()[:2]
        try:
            outside = socket.create_connection(address, timeout=CONNECT_TIMEOUT)
        except OSError:
            inside.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, RESET)
            inside.close()
            return
        outside.settimeout(None)
        with self._lock:
            if self._closed:
                inside.close()
                outside.close()
                return
            self._open |= {inside, outside}
        back = threading.Thread(target=_pump, args=(outside, inside), daemon=True)
        back.start()
        _pump(inside, outside)
        back.join()
        with self._lock:
            self._open -= {inside, outside}
        inside.close()
        outside.close()

    def close(self) -> None:
        """Stop accepting and end every connection carried now (their threads then exit)."""
        with self._lock:
            self._closed = True
            carried = list(self._open)
        with contextlib.suppress(OSError):
            self._waker.send(b"x")
        thread = getattr(self, "_thread", None)
        if thread is not None:
            thread.join(CONNECT_TIMEOUT)
        for listener in self._listeners:
            listener.close()
        for sock in carried:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked reading it
        self._wake.close()
        self._waker.close()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    """Bytes from ``source`` to ``sink`` until ``source`` ends (then ``sink`` is told so too) or
    either breaks (then both are shut down, which ends the other direction as well)."""
    try:
        while data := source.recv(BUFFER):
            sink.sendall(data)
        sink.shutdown(socket.SHUT_WR)
    except OSError:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
