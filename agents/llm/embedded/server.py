"""``palaestra llm serve``: an OpenAI-compatible HTTP server over the embedded model.

Routes: ``GET /v1/models``, ``POST /v1/completions``, ``POST /v1/chat/completions`` (both with
``stream``), ``POST /v1/embeddings`` and ``GET /health``. Like llama.cpp's server it also takes a
GBNF ``grammar`` and ``response_format`` (``json_object`` or ``json_schema``) to constrain answers.
It binds 127.0.0.1 by default; on any other address it refuses to start without a token, and with a
token every request must carry ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..errors import LLMConfigError
from .chat_format import TEXT_ONLY, has_image, message_text, read_tool_calls, render_chat
from .model import EMBEDDED_CAPABILITIES, chat_sampling
from .runtime import EmbeddedModelError, Generation, LlamaRuntime, Sampling

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_PORT = 8765
ENV_TOKEN = "PALAESTRA_LLM_SERVER_TOKEN"
_ids = itertools.count()


class BadRequest(ValueError):
    """A request the server cannot serve as asked; answered with 400 and this message."""


def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": status}}, status)


def _number(body: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = body.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise BadRequest(f"`{key}` must be a number in [{low}, {high}], got {value!r}.")
    return float(value)


def sampling_from(body: dict[str, Any], n_ctx: int) -> Sampling:
    """Sampling settings of a request, checked; OpenAI's defaults where the request is silent."""
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    if limit is None:
        limit = 256
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= n_ctx:
        raise BadRequest(f"`max_tokens` must be an integer in [1, {n_ctx}], got {limit!r}.")
    stop = body.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise BadRequest("`stop` must be a string or a list of strings.")
    if int(body.get("n") or 1) != 1:
        raise BadRequest("Only n=1 is served.")
    schema, grammar = None, body.get("grammar")
    response_format = body.get("response_format") or {}
    if response_format.get("type") == "json_object":
        schema = {"type": "object"}
    elif response_format.get("type") == "json_schema":
        schema = (response_format.get("json_schema") or {}).get("schema") or {"type": "object"}
    seed = body.get("seed")
    return Sampling(
        max_tokens=limit, temperature=_number(body, "temperature", 1.0, 0.0, 2.0),
        top_p=_number(body, "top_p", 1.0, 0.0, 1.0), stop=tuple(s for s in stop if s),
        seed=seed if isinstance(seed, int) else None, json_schema=schema,
        grammar=grammar if isinstance(grammar, str) else None,
    )  # fmt: skip


def usage_of(generation: Generation) -> dict[str, int]:
    total = generation.prompt_tokens + generation.completion_tokens
    return {
        "prompt_tokens": generation.prompt_tokens, "completion_tokens": generation.completion_tokens,
        "total_tokens": total,
    }  # fmt: skip


def sse(chunks: Iterator[dict[str, Any]]) -> Iterator[str]:
    for chunk in chunks:
        yield f"data: {json.dumps(chunk)}\n\n"
    yield "data: [DONE]\n\n"


@dataclass
class EmbeddedServer:
    """The HTTP face of one ``LlamaRuntime``."""

    runtime: LlamaRuntime
    token: str | None = None

    @property
    def model_id(self) -> str:
        return self.runtime.model_id

    def app(self) -> Starlette:
        routes = [
            Route("/health", self.health, methods=["GET"]),
            Route("/v1/models", self.models, methods=["GET"]),
            Route("/v1/completions", self.completions, methods=["POST"]),
            Route("/v1/chat/completions", self.chat_completions, methods=["POST"]),
            Route("/v1/embeddings", self.embeddings, methods=["POST"]),
        ]
        return Starlette(routes=routes)

    def _authorised(self, request: Request) -> bool:
        if not self.token:
            return True
        offered = request.headers.get("authorization", "")
        return hmac.compare_digest(offered.encode(), f"Bearer {self.token}".encode())

    async def _body(self, request: Request) -> dict[str, Any] | Response:
        if not self._authorised(request):
            return error(
                401, "Missing or wrong bearer token. Fix: send Authorization: Bearer <token>.", "auth"
            )
        try:
            body = await request.json()
        except ValueError:
            return error(400, "The request body is not JSON.")
        return body if isinstance(body, dict) else error(400, "The request body must be a JSON object.")

    async def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "model": self.model_id})

    async def models(self, request: Request) -> Response:
        if not self._authorised(request):
            return error(401, "Missing or wrong bearer token.", "auth")
        entry = {
            "id": self.model_id, "object": "model", "created": int(time.time()), "owned_by": "palaestra",
            "capabilities": list(EMBEDDED_CAPABILITIES.listed()), "context_window": self.runtime.n_ctx,
        }  # fmt: skip
        return JSONResponse({"object": "list", "data": [entry]})

    async def _serve(self, request: Request, handler: Any) -> Response:
        body = await self._body(request)
        if isinstance(body, Response):
            return body
        try:
            return await handler(body)
        except (BadRequest, EmbeddedModelError) as exc:
            return error(400, str(exc))

    async def completions(self, request: Request) -> Response:
        return await self._serve(request, self._completions)

    async def chat_completions(self, request: Request) -> Response:
        return await self._serve(request, self._chat)

    async def embeddings(self, request: Request) -> Response:
        return await self._serve(request, self._embeddings)

    async def _completions(self, body: dict[str, Any]) -> Response:
        prompt = body.get("prompt")
        if isinstance(prompt, list) and len(prompt) == 1:
            prompt = prompt[0]
        if not isinstance(prompt, str):
            raise BadRequest("`prompt` must be a string (one prompt per request).")
        sampling = sampling_from(body, self.runtime.n_ctx)
        head = {
            "id": f"cmpl-{next(_ids)}", "object": "text_completion", "created": int(time.time()),
            "model": self.model_id,
        }  # fmt: skip
        if body.get("stream"):
            return self._stream(prompt, sampling, head, lambda text: {"text": text}, body)
        generation = await run_in_threadpool(self.runtime.generate, prompt, sampling)
        choice = {
            "index": 0,
            "text": generation.text,
            "finish_reason": generation.finish_reason,
            "logprobs": None,
        }
        return JSONResponse({**head, "choices": [choice], "usage": usage_of(generation)})

    async def _chat(self, body: dict[str, Any]) -> Response:
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages or not all(isinstance(m, dict) for m in messages):
            raise BadRequest("`messages` must be a non-empty list of message objects.")
        if has_image(messages):
            raise BadRequest(TEXT_ONLY)
        tools = body.get("tools") or []
        tool_choice = body.get("tool_choice")
        if tool_choice == "none":
            tools = []
        base = sampling_from(body, self.runtime.n_ctx)
        sampling, required = (
            chat_sampling(base, tools, tool_choice) if tools else chat_sampling(base, None, None)
        )
        if base.json_schema is not None or base.grammar is not None:
            sampling = Sampling(
                **{**sampling.__dict__, "json_schema": base.json_schema, "grammar": base.grammar}
            )
        prompt = render_chat(messages, tools)
        call_id = f"chatcmpl-{next(_ids)}"
        head = {
            "id": call_id,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model_id,
        }
        if body.get("stream") and not tools:
            head["object"] = "chat.completion.chunk"
            return self._stream(prompt, sampling, head, lambda text: {"delta": {"content": text}}, body)
        generation = await run_in_threadpool(self.runtime.generate, prompt, sampling)
        calls = read_tool_calls(generation.text, tools, call_id) if tools else []
        message: dict[str, Any] = {"role": "assistant", "content": generation.text.strip()}
        finish = generation.finish_reason
        if calls:
            message["content"] = None if required else message["content"]
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments}}
                for c in calls
            ]
            finish = "tool_calls"
        if body.get("stream"):  # tools with stream: one chunk holding the whole answer
            return self._one_chunk(head, message, finish, generation, body)
        choice = {"index": 0, "message": message, "finish_reason": finish, "logprobs": None}
        return JSONResponse({**head, "choices": [choice], "usage": usage_of(generation)})

    def _stream(
        self, prompt: str, sampling: Sampling, head: dict[str, Any], piece: Any, body: dict[str, Any]
    ) -> Response:
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        chat = head["object"] == "chat.completion.chunk"

        def chunks() -> Iterator[dict[str, Any]]:
            if chat:
                yield {**head, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}}]}
            for item in self.runtime.stream(prompt, sampling):
                if isinstance(item, str):
                    yield {**head, "choices": [{"index": 0, **piece(item), "finish_reason": None}]}
                    continue
                yield {**head, "choices": [{"index": 0, **piece(""), "finish_reason": item.finish_reason}]}
                if include_usage:
                    yield {**head, "choices": [], "usage": usage_of(item)}

        return StreamingResponse(sse(chunks()), media_type="text/event-stream")

    def _one_chunk(
        self,
        head: dict[str, Any],
        message: dict[str, Any],
        finish: str,
        generation: Generation,
        body: dict[str, Any],
    ) -> Response:
        head = {**head, "object": "chat.completion.chunk"}
        delta = {**message}
        if "tool_calls" in delta:
            delta["tool_calls"] = [{"index": i, **call} for i, call in enumerate(delta["tool_calls"])]
        chunks = [{**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}]
        if (body.get("stream_options") or {}).get("include_usage"):
            chunks.append({**head, "choices": [], "usage": usage_of(generation)})
        return StreamingResponse(sse(iter(chunks)), media_type="text/event-stream")

    async def _embeddings(self, body: dict[str, Any]) -> Response:
        raw = body.get("input")
        texts = [raw] if isinstance(raw, str) else raw
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise BadRequest("`input` must be a string or a non-empty list of strings.")
        encoding = body.get("encoding_format") or "float"
        if encoding not in ("float", "base64"):
            raise BadRequest("`encoding_format` must be float or base64.")
        vectors = await run_in_threadpool(self.runtime.embed, texts)
        tokens = sum(await run_in_threadpool(lambda: [self.runtime.count(t) for t in texts]))
        encoded: list[Any] = list(vectors)
        if encoding == "base64":  # what the openai SDK asks for: little-endian float32, base64
            encoded = [base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode("ascii") for v in vectors]
        data = [{"object": "embedding", "index": i, "embedding": v} for i, v in enumerate(encoded)]
        usage = {"prompt_tokens": tokens, "total_tokens": tokens}
        return JSONResponse({"object": "list", "data": data, "model": self.model_id, "usage": usage})


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
