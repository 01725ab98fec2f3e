"""``palaestra llm serve``: an OpenAI-compatible HTTP server over the embedded model.

Routes: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions`` (both with
``stream``), ``POST /v1/embeddings`` and ``GET /health``. Like llama.cpp's server it also takes a
GBNF ``grammar`` and ``response_format`` (``json_object`` or ``json_schema``) to constrain answers.
It binds 127.0.0.1 by default; on any other address it refuses to start without a token, and with a
token every request must carry ``Authorization: Bearer <token>``.

This module binds the socket and runs the app, on a thread or until Ctrl-C; the routes are
``routes.py``'s ``EmbeddedServer``, and a request's checks are in ``wire.py``.
"""

from __future__ import annotations

import socket
import threading
import time

from ..errors import LLMConfigError
from .chat_format import message_text
from .routes import EmbeddedServer
from .runtime import LlamaRuntime

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8765
ENV_TOKEN = "PALAESTRA_LLM_SERVER_TOKEN"


def check_binding(host: str, token: str | None) -> None:
    if host not in LOOPBACK and not token:
        raise LLMConfigError(
            f"Refusing to serve the model on {host} without a token: anyone who reaches that address "
            f"could use it. Fix: pass --token (or set {ENV_TOKEN}), or bind 127.0.0.1."
        )


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise LLMConfigError(
            f"Cannot listen on {host}:{port} ({exc.strerror}). Fix: choose another --port, or stop "
            "whatever holds it (another `palaestra llm serve`?)."
        ) from None
    sock.listen(64)
    return sock


class ServerThread:
    """The server on a background thread of this process (tests, benchmarks, agents' runs)."""

    def __init__(self, server: EmbeddedServer, host: str = "127.0.0.1", port: int = 0) -> None:
        import uvicorn

        check_binding(host, server.token)
        self.sock = bind(host, port)
        self.host, self.port = host, self.sock.getsockname()[1]
        config = uvicorn.Config(server.app(), log_level="warning", lifespan="off")
        self._uvicorn = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._uvicorn.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._uvicorn.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the embedded LLM server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._uvicorn.should_exit = True
        self._thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(runtime: LlamaRuntime, host: str, port: int, token: str | None) -> None:
    """Run until Ctrl-C (``palaestra llm serve``)."""
    import uvicorn

    check_binding(host, token)
    sock = bind(host, port)
    server = EmbeddedServer(runtime, token)
    config = uvicorn.Config(server.app(), log_level="warning", lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


__all__ = ["DEFAULT_PORT", "EmbeddedServer", "ServerThread", "message_text", "serve_forever"]
