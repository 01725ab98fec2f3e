"""Helpers for the routing tests: serve an ASGI app on loopback, load the demo MCP server."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import uvicorn

HERE = Path(__file__).parent
MCP_SERVER_SCRIPT = HERE / "mcp_demo_server.py"


@contextmanager
def _serve(app: Any) -> Iterator[str]:
    """Run `app` with uvicorn in a thread on 127.0.0.1 (a free port); yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # A stream still open when the block ends (an MCP session's GET) would hold uvicorn's graceful
    # shutdown until the join below gave up: cancel what is left after a second instead.
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the loopback server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def serve_app() -> Callable[[Any], AbstractContextManager[str]]:
    """`with serve_app(app) as base_url:` serves an ASGI app on loopback for the block."""
    return _serve


@pytest.fixture(scope="session")
def mcp_demo() -> ModuleType:
    """The demo MCP server module (for serving it in-process over streamable HTTP)."""
    spec = importlib.util.spec_from_file_location("routing_mcp_demo_server", MCP_SERVER_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
