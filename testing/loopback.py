"""Serve a request handler on a loopback address for the length of a ``with`` block.

Tests stand in for sites (a user's GitLab, a Magento REST API, a page with frames) with small
``http.server`` handlers; each used to start its own server, thread and shutdown. One helper keeps
that right everywhere: loopback only (nothing reachable from outside), a port of the kernel's
choosing (no clashes between parallel test workers), and the socket closed on the way out, so a
finished test leaves no listener behind. ``QuietHandler`` keeps the request log out of test output
and writes a reply with its length in one call.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseRequestHandler
from typing import Any, NamedTuple, TypeVar

LOOPBACK = "127.0.0.1"

Server = TypeVar("Server", bound=ThreadingHTTPServer)


class Served(NamedTuple):
    """A running server and the base URL it answers on (``http://host:port``, no trailing slash)."""

    server: ThreadingHTTPServer
    url: str

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])


@contextmanager
def serve(
    handler: Callable[..., BaseRequestHandler],
    *,
    host: str = LOOPBACK,
    port: int = 0,
    server_class: type[ThreadingHTTPServer] = ThreadingHTTPServer,
) -> Iterator[Served]:
    """Serve ``handler`` on ``host`` (a 127.x.y.z address) at ``port`` (0: any free one) until the
    block ends; then stop serving and close the listening socket.

    ``server_class`` is for servers that need their own error handling or state.
    """
    with running(server_class((host, port), handler)) as served:
        yield served


@contextmanager
def running(server: Server, *, poll_interval: float = 0.5, name: str = "loopback") -> Iterator[Served]:
    """Serve an already bound ``server`` in a daemon thread until the block ends; then shut it
    down, close it (its ``server_close`` runs last) and wait briefly for the thread.

    For callers that must set the server up between binding and serving (``serve`` covers the rest).
    """
    host, port = server.server_address[:2]
    thread = threading.Thread(target=server.serve_forever, args=(poll_interval,), name=name, daemon=True)
    thread.start()
    try:
        yield Served(server, f"http://{host!s}:{port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class HangUpTolerantServer(ThreadingHTTPServer):
    """A server whose clients may hang up mid-answer (a browser leaving a page, a timed-out SDK
    call): their ``OSError`` is expected and kept quiet; any other handler error is still printed."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class QuietHandler(BaseHTTPRequestHandler):
    """A handler that logs nothing (tests assert on what they record, not on stderr) and answers
    with :meth:`reply`."""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def reply(
        self,
        status: int,
        body: Any = b"",
        content_type: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer with ``body`` and its Content-Length.

        ``bytes`` go as they are (default type ``application/octet-stream``), ``str`` as UTF-8
        (default ``text/html; charset=utf-8``), anything else as JSON (``application/json``); a JSON
        string is therefore passed already encoded, ``json.dumps(value)``, with its type.
        """
        if isinstance(body, bytes):
            data, default = body, "application/octet-stream"
        elif isinstance(body, str):
            data, default = body.encode(), "text/html; charset=utf-8"
        else:
            data, default = json.dumps(body).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", content_type or default)
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def files_in(directory: Path | str) -> Callable[..., BaseRequestHandler]:
    """A quiet handler serving the files of ``directory`` (test pages), for :func:`serve`."""
    return functools.partial(_QuietFiles, directory=str(directory))
