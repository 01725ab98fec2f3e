"""A scripted OpenAI-compatible HTTP server on loopback, for tests that need no real LLM.

The real ``openai`` SDK talks to it over real HTTP, so retries, timeouts, streaming and error
mapping are exercised end to end. It binds 127.0.0.1 only and never calls out. Each connection is
served in its own thread (stdlib ``ThreadingHTTPServer``: no extra dependency), and every request
is recorded for assertions.
"""

from __future__ import annotations

import contextlib
import errno
import json
import socket
import threading
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from . import wire
from .loopback import LOOPBACK, HangUpTolerantServer, QuietHandler, running
from .script import (
    Answer,
    DropConnection,
    HTTPFault,
    MalformedBody,
    Reply,
    Script,
    ScriptRequest,
    Slow,
    as_script,
)

CHAT_PATH = "/v1/chat/completions"
TEXT_PATH = "/v1/completions"
EMBEDDINGS_PATH = "/v1/embeddings"
MODELS_PATH = "/v1/models"

EmbeddingsScript = Callable[[ScriptRequest], Answer | None]


class _HTTPServer(HangUpTolerantServer):
    """Clients that hang up (timeouts, drops) are expected here; anything else is printed."""

    daemon_threads = True
    block_on_close = False  # a client's idle keep-alive connection must not block stop()
    owner: ScriptedLLMServer

    def server_close(self) -> None:
        """Cut the open connections (so no client hangs on one), then close the listening socket."""
        owner = getattr(self, "owner", None)  # none yet when binding failed
        if owner is not None:
            owner._cut_connections()
        super().server_close()


class _Handler(QuietHandler):
    """Reads a request, asks the owner's script, writes the answer in OpenAI's format (quiet:
    tests read ``.requests``)."""

    protocol_version = "HTTP/1.1"  # keep-alive, and chunked transfer for streams
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection, add=True)

    def finish(self) -> None:
        self.server.owner._track(self.connection, add=False)
        super().finish()

    def do_GET(self) -> None:
        request = self._record(b"")
        if request.path == MODELS_PATH:
            self._send_json(200, wire.models_body(self.server.owner.models))
        else:
            self._send_json(404, wire.error_body(f"No route GET {request.path}", "invalid_request_error"))

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = self._record(raw)
        owner = self.server.owner
        if request.body is None:
            self._send_json(400, wire.error_body("Request body is not valid JSON.", "invalid_request_error"))
            return
        if request.path not in (CHAT_PATH, TEXT_PATH, EMBEDDINGS_PATH):
            self._send_json(404, wire.error_body(f"No route POST {request.path}", "invalid_request_error"))
            return
        try:
            answer = owner._decide(request)
        except Exception as exc:  # a broken script must fail the test, not hang the client
            owner.script_errors.append(exc)
            self._send_json(400, wire.error_body(f"Script error: {exc!r}", "script_error"))
            return
        self._answer(request, answer)

    def _record(self, raw: bytes) -> ScriptRequest:
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in self.headers.items()}
        path = self.path.split("?", 1)[0]
        return self.server.owner._record(self.command, path, headers, body, raw)

    def _answer(self, request: ScriptRequest, answer: Answer | None) -> None:
        owner = self.server.owner
        if isinstance(answer, Slow):
            if owner._stopping.wait(answer.seconds):
                self._drop()
                return
            self._answer(request, answer.then)
        elif isinstance(answer, HTTPFault):
            code = answer.status if answer.code is None else answer.code
            body = wire.error_body(answer.message, answer.error_type, code)
            self._send_json(answer.status, body, answer.headers)
        elif isinstance(answer, MalformedBody) and answer.chunked:
            self._send_chunks(answer.body, answer.content_type)
        elif isinstance(answer, MalformedBody):
            self.reply(200, answer.body, answer.content_type)
        elif isinstance(answer, DropConnection):
            self._drop()
        elif request.path == EMBEDDINGS_PATH:
            self._send_json(200, wire.embeddings_body(request, owner.embedding_dim))
        elif isinstance(answer, Reply) and request.path == TEXT_PATH:
            self._send_json(200, wire.text_completion_body(request, answer))
        elif isinstance(answer, Reply) and request.stream:
            self._send_stream(request, answer)
        elif isinstance(answer, Reply):
            self._send_json(200, wire.completion_body(request, answer))
        else:
            owner.script_errors.append(TypeError(f"script returned {answer!r}, not an Answer"))
            self._send_json(
                400, wire.error_body(f"Script returned {answer!r}, not an Answer.", "script_error")
            )

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):  # the client may already be gone
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send_json(self, status: int, body: Any, headers: Any = None) -> None:
        self.reply(status, json.dumps(body).encode("utf-8"), "application/json", dict(headers or {}))

    def _send_stream(self, request: ScriptRequest, reply: Reply) -> None:
        """Server-sent events in HTTP/1.1 chunks, ending with ``data: [DONE]`` as OpenAI does."""
        events = [f"data: {json.dumps(c)}\n\n" for c in wire.stream_chunks(request, reply)]
        parts = [event.encode("utf-8") for event in [*events, "data: [DONE]\n\n"]]
        self._write_chunked(parts, "text/event-stream", {"Cache-Control": "no-cache"})

    def _send_chunks(self, data: bytes, content_type: str, size: int = 64 * 1024) -> None:
        """``data`` in HTTP/1.1 chunks of ``size`` bytes, with no ``Content-Length``."""
        parts = [data[i : i + size] for i in range(0, len(data), size)]
        with contextlib.suppress(OSError):  # a client that refuses the body hangs up mid-way
            self._write_chunked(parts, content_type, {})

    def _write_chunked(self, parts: list[bytes], content_type: str, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for data in parts:
            self.wfile.write(f"{len(data):x}\r\n".encode("ascii") + data + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")


class ScriptedLLMServer:
    """An OpenAI-compatible server on 127.0.0.1 whose answers come from a script.

    ``script`` decides chat completions; ``embeddings_script`` may return a fault for embeddings
    (None: the deterministic hashed embedding). Both may be replaced while the server runs.
    """

    def __init__(
        self,
        script: Script | Sequence[Answer] | Answer | None = None,
        *,
        port: int = 0,
        models: Sequence[str] = ("scripted-model",),
        embedding_dim: int = 64,
        embeddings_script: EmbeddingsScript | None = None,
    ) -> None:
        self._script: Script = as_script(script)
        self.embeddings_script = embeddings_script
        self.models = list(models)
        self.embedding_dim = embedding_dim
        self.script_errors: list[BaseException] = []
        self._port = port
        self._requests: list[ScriptRequest] = []
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._serving: contextlib.ExitStack | None = None

    def start(self) -> ScriptedLLMServer:
        """Bind a (by default random free) loopback port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        try:
            httpd = _HTTPServer((LOOPBACK, self._port), _Handler)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            taken = f"port {self._port} of {LOOPBACK} is taken: give another port, or none for a free one"
            raise OSError(exc.errno, taken) from None
        httpd.owner = self  # before it serves: every handler asks its owner
        self._serving = contextlib.ExitStack()
        self._serving.enter_context(running(httpd, poll_interval=0.05, name="scripted-llm"))
        self._httpd = httpd
        return self

    def stop(self) -> None:
        """Stop serving, cut open connections (so no client hangs) and free the port."""
        serving, self._serving, self._httpd = self._serving, None, None
        if serving is None:
            return
        self._stopping.set()
        serving.close()  # shutdown(), then _HTTPServer.server_close() cuts connections and closes

    def _cut_connections(self) -> None:
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> ScriptedLLMServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def script(self) -> Script:
        return self._script

    @script.setter
    def script(self, script: Script | Sequence[Answer] | Answer | None) -> None:
        """Swap the answers mid-test; accepts what the constructor accepts."""
        self._script = as_script(script)

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(
                "ScriptedLLMServer is not running; call start() or use it as a context manager."
            )
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's ``base_url``."""
        return f"{self.url}/v1"

    @property
    def requests(self) -> list[ScriptRequest]:
        """A snapshot of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[ScriptRequest]:
        return [r for r in self.requests if r.path == CHAT_PATH]

    @property
    def text_requests(self) -> list[ScriptRequest]:
        """Text completions (``/v1/completions``); the same script decides them as chat."""
        return [r for r in self.requests if r.path == TEXT_PATH]

    @property
    def embedding_requests(self) -> list[ScriptRequest]:
        return [r for r in self.requests if r.path == EMBEDDINGS_PATH]

    def _record(
        self, method: str, path: str, headers: dict[str, str], body: Any, raw: bytes
    ) -> ScriptRequest:
        with self._lock:
            index = self._counts.get(path, 0)
            self._counts[path] = index + 1
            request = ScriptRequest(method, path, headers, body, raw, index, time.monotonic())
            self._requests.append(request)
        return request

    def _decide(self, request: ScriptRequest) -> Answer | None:
        if request.path == EMBEDDINGS_PATH:
            return self.embeddings_script(request) if self.embeddings_script else None
        return self.script(request)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)
