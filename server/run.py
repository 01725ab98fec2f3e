"""Running the server: in the foreground (`palaestra serve`) or on a thread (tests, benchmarks)."""

from __future__ import annotations

import asyncio
import copy
import socket
import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Any

import uvicorn

from palaestra.server.app import Extension, create_app
from palaestra.server.config import ServerConfig
from palaestra.server.sessions import EnvFactory
from palaestra.server.ws_limit import WS_FRAME_MARGIN, ExplainedSizeProtocol, ws_frame_limit

__all__ = ["WS_FRAME_MARGIN", "ServerThread", "free_port", "serve", "uvicorn_config", "ws_frame_limit"]


def uvicorn_config(
    app: Any, config: ServerConfig, *, log_level: str = "warning", logs: dict[str, Any] | None = None
) -> uvicorn.Config:
    """uvicorn's settings for a server (``logs``: a logging configuration, else uvicorn's own)."""
    return uvicorn.Config(
        app,
        log_config=logs if logs is not None else uvicorn.config.LOGGING_CONFIG,
        host=config.host,
        port=config.port,
        log_level=log_level,
        ws_max_size=ws_frame_limit(config.max_body_bytes),
        ws=ExplainedSizeProtocol,  # its close for a message past that names the setting to raise
        # One event loop, no threads: every session's browser lives on it.
        loop="asyncio",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )


def log_config(level: str) -> dict[str, Any]:
    """uvicorn's logging with the time on every line, and Palaestra's own loggers (sessions opened
    and closed, with their owner and client) through the same handler: a server runs for days, and
    a line without its time cannot be matched to a student's report."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    for formatter in config["formatters"].values():
        formatter["fmt"] = "%(asctime)s " + formatter["fmt"]
        formatter["datefmt"] = "%Y-%m-%d %H:%M:%S"
    config["loggers"]["palaestra"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return dict(config)


def serve(config: ServerConfig, extensions: Sequence[Extension] = (), *, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C closes every session and its browser context)."""
    app = create_app(config, extensions=extensions)
    settings = uvicorn_config(app, config, log_level=log_level, logs=log_config(log_level))
    uvicorn.Server(settings).run()


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class ServerThread:
    """A server on a thread of this process, on a free loopback port: ``with ServerThread() as s:``.

    ``url`` is its base URL; ``context`` its `ServerContext` (to inspect sessions in tests).
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        env_factory: EnvFactory | None = None,
        extensions: Sequence[Extension] = (),
    ) -> None:
        config = config or ServerConfig()
        if config.port == ServerConfig.port:
            from dataclasses import replace

            config = replace(config, port=free_port(config.host))
        self.config = config
        self.app = create_app(config, env_factory=env_factory, extensions=extensions)
        self.context = self.app.state.palaestra
        self.server = uvicorn.Server(uvicorn_config(self.app, config))
        # uvicorn installs signal handlers only on the main thread: this one's are the caller's.
        self.thread = threading.Thread(target=self._run, name="palaestra-server", daemon=True)
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.config.port}"

    def _run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())
        leftover = asyncio.all_tasks(self.loop)  # e.g. SSE watchers of MCP streams still open
        for task in leftover:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*leftover, return_exceptions=True))
        self.loop.close()

    def start(self, timeout: float = 30.0) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"The server did not start on {self.url}.")
            time.sleep(0.02)
        return self

    def call(self, coro: Any, timeout: float = 60.0) -> Any:
        """Run a coroutine on the server's loop (where its sessions' environments live)."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
