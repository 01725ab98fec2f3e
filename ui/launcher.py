"""`palaestra ui`: the UI served on its own, under the same rules as the environment server.

127.0.0.1 by default, needing no token; any other address needs a bearer token, generated and
printed (inside the URL to open) when none is given. The UI is mounted at ``/ui``, where the
environment server mounts it too, so links work against either.
"""

from __future__ import annotations

import contextlib
import ipaddress
import secrets
import socket
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route

from palaestra.ui.guard import Guard
from palaestra.ui.links import DEFAULT_HOST, DEFAULT_PORT, MOUNT
from palaestra.ui.roots import UiRoots
from palaestra.ui.webapp import UiOptions, app, shutdown


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def standalone_app(ui_app: Starlette) -> Starlette:
    """The UI at ``/ui`` and a redirect to it from ``/``."""

    async def root(_: Request) -> Response:
        return RedirectResponse(MOUNT, status_code=307)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await shutdown(ui_app)  # a mounted app's own lifespan does not run

    return Starlette(routes=[Route("/", root), Mount(MOUNT.rstrip("/"), ui_app)], lifespan=lifespan)


class UiServer:
    """The standalone UI on a socket of its own, served by uvicorn in a thread (tests, notebooks) or
    in the foreground (`palaestra ui`)."""

    def __init__(self, roots: UiRoots, options: UiOptions | None = None, *, host: str = DEFAULT_HOST,
                 port: int = DEFAULT_PORT, token: str | None = None) -> None:  # fmt: skip
        import uvicorn

        if not is_loopback(host) and not token:
            token = secrets.token_urlsafe(24)
        self.host, self.token = host, token
        family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host.strip("[]"), port))
        self.socket.listen(64)
        self.port = int(self.socket.getsockname()[1])
        #: The UI's own app (its live sessions are `ui_app.state.ui.sessions`).
        self.ui_app = app(roots, options or UiOptions(), guard=Guard(token))
        config = uvicorn.Config(
            standalone_app(self.ui_app), log_level="warning", lifespan="on",
            timeout_graceful_shutdown=5,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The address to open (with the token, when one is needed)."""
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        url = f"http://{host}:{self.port}{MOUNT}"
        return f"{url}?token={self.token}" if self.token else url

    def serve_forever(self) -> None:
        self.server.run(sockets=[self.socket])

    def start(self) -> UiServer:
        self._thread = threading.Thread(target=self.serve_forever, name="palaestra-ui", daemon=True)
        self._thread.start()
        while not self.server.started and self._thread.is_alive():
            self._thread.join(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)
        self.socket.close()

    def __enter__(self) -> UiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
