"""The embedded server's routes: ``EmbeddedServer`` answers OpenAI's completions, chat completions
(with tools, grammars and streams), embeddings and models over one ``LlamaRuntime``.

Apart from ``server.py``, which binds a socket and runs this app (on a thread or until Ctrl-C),
so what a request gets back reads without the hosting around it.
"""

from __future__ import annotations

import base64
import hmac
import itertools
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from .chat_format import TEXT_ONLY, has_image, read_tool_calls, render_chat
from .model import EMBEDDED_CAPABILITIES, chat_sampling
from .runtime import EmbeddedModelError, Generation, LlamaRuntime, Sampling
from .wire import BadRequest, error, sampling_from, sse, usage_of

_ids = itertools.count()


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
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":  # a web page may post text/plain to loopback without asking first
            return error(415, "Send the body as JSON with `Content-Type: application/json`.")
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
