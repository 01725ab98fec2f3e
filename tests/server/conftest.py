"""A real server on a loopback port per test module, with real Chromium behind it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread

#: Small environments: one page prepared ahead is enough for tests, and spares the two cores (local
#: environments take it as an option; servers as `ServerConfig.pages_ahead`, which desktops ignore).
ENV_OPTIONS = {"pages_ahead": 1}
PAGES_AHEAD = 1


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerThread]]:
    """Start servers (``ServerConfig`` fields as keywords); each is stopped when the test ends."""
    started: list[ServerThread] = []

    def start(**values: Any) -> ServerThread:
        values.setdefault("pages_ahead", PAGES_AHEAD)
        server = ServerThread(ServerConfig(**values)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    """One server shared by a module's tests (each test closes the sessions it opens)."""
    with ServerThread(ServerConfig(pages_ahead=PAGES_AHEAD, max_sessions=6)) as running:
        yield running


@pytest.fixture
def client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http
    server.call(server.context.sessions.close_all())
