"""The OpenAI wire format the scripted server speaks: completions, stream chunks, embeddings, errors.

Kept apart from the HTTP plumbing so the JSON shapes can be read (and checked against the SDK's
models) in one place. Token counts are whitespace counts: simple, deterministic and good enough
to test accounting.
"""

from __future__ import annotations

import base64
import hashlib
import math
import struct
from collections.abc import Iterator, Sequence
from typing import Any

from .script import Reply, ScriptRequest, content_text

CREATED = 1_700_000_000  # a fixed timestamp keeps answers byte-for-byte reproducible


def count_tokens(text: str) -> int:
    """Whitespace tokens: what the server reports as usage."""
    return len(text.split())


def prompt_tokens(request: ScriptRequest) -> int:
    """Tokens of a text prompt, or of every message's text and of the tool calls it carries."""
    total = count_tokens(request.prompt)
    for message in request.messages:
        total += count_tokens(content_text(message.get("content")))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            total += count_tokens(str(function.get("name", ""))) + count_tokens(
                str(function.get("arguments", ""))
            )
    return total


def usage(request: ScriptRequest, reply: Reply) -> dict[str, int]:
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else prompt_tokens(request)
    completion = reply.completion_tokens
    if completion is None:
        completion = count_tokens(reply.text or "") + sum(
            count_tokens(c.name) + count_tokens(c.arguments_json()) for c in reply.tool_calls
        )
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_calls(request: ScriptRequest, reply: Reply) -> list[dict[str, Any]]:
    return [
        {
            "id": call.call_id or f"call_{request.index}_{i}",
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments_json()},
        }
        for i, call in enumerate(reply.tool_calls)
    ]


def _finish_reason(reply: Reply) -> str:
    if reply.finish_reason is not None:
        return reply.finish_reason
    return "tool_calls" if reply.tool_calls else "stop"


def completion_body(request: ScriptRequest, reply: Reply) -> dict[str, Any]:
    """A non-streaming ``chat.completion`` object."""
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        message["tool_calls"] = _tool_calls(request, reply)
    return {
        "id": f"chatcmpl-{request.index}",
        "object": "chat.completion",
        "created": CREATED,
        "model": request.model or "scripted-model",
        "choices": [
            {"index": 0, "message": message, "finish_reason": _finish_reason(reply), "logprobs": None}
        ],
        "usage": usage(request, reply),
    }


def text_completion_body(request: ScriptRequest, reply: Reply) -> dict[str, Any]:
    """A non-streaming ``text_completion`` object (``/v1/completions``)."""
    return {
        "id": f"cmpl-{request.index}",
        "object": "text_completion",
        "created": CREATED,
        "model": request.model or "scripted-model",
        "choices": [
            {"index": 0, "text": reply.text or "", "finish_reason": _finish_reason(reply), "logprobs": None}
        ],
        "usage": usage(request, reply),
    }


def stream_chunks(request: ScriptRequest, reply: Reply) -> Iterator[dict[str, Any]]:
    """``chat.completion.chunk`` objects: role, text word by word, tool calls in pieces, finish, usage."""
    base = {
        "id": f"chatcmpl-{request.index}",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": request.model or "scripted-model",
    }

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]}

    yield chunk({"role": "assistant", "content": ""})
    text = reply.text or ""
    pieces = text.split(" ")
    if text:
        for i, piece in enumerate(pieces):
            yield chunk({"content": piece if i == 0 else " " + piece})
    for i, call in enumerate(_tool_calls(request, reply)):
        function = call["function"]
        head = {"index": i, "id": call["id"], "type": "function"}
        yield chunk({"tool_calls": [{**head, "function": {"name": function["name"], "arguments": ""}}]})
        args: str = function["arguments"]
        middle = len(args) // 2
        for part in (args[:middle], args[middle:]):
            if part:
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": part}}]})
    yield chunk({}, _finish_reason(reply))
    if request.include_usage:
        yield {**base, "choices": [], "usage": usage(request, reply)}


def hashed_embedding(text: str, dim: int) -> list[float]:
    """A unit-length hashed bag of words: equal texts give equal vectors, shared words raise cosine."""
    vector = [0.0] * dim
    for word in text.lower().split():
        digest = hashlib.sha256(word.encode("utf-8")).digest()
        slot = int.from_bytes(digest[:4], "little") % dim
        vector[slot] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def _inputs(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [raw]
    if isinstance(raw, Sequence) and raw and all(isinstance(x, int) for x in raw):
        return [" ".join(str(x) for x in raw)]  # one pre-tokenised input
    if isinstance(raw, Sequence):
        return [x if isinstance(x, str) else " ".join(str(t) for t in x) for x in raw]
    return []


def embeddings_body(request: ScriptRequest, default_dim: int) -> dict[str, Any]:
    """An embeddings ``list``, as floats or as base64 little-endian float32 (``encoding_format``)."""
    dim = request.json.get("dimensions") or default_dim
    texts = _inputs(request.json.get("input"))
    as_base64 = request.json.get("encoding_format") == "base64"
    data = []
    for i, text in enumerate(texts):
        vector = hashed_embedding(text, int(dim))
        encoded: Any = vector
        if as_base64:
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
        data.append({"object": "embedding", "index": i, "embedding": encoded})
    tokens = sum(count_tokens(t) for t in texts)
    return {
        "object": "list",
        "data": data,
        "model": request.model or "scripted-embedding",
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def models_body(models: Sequence[str]) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": CREATED, "owned_by": "palaestra"} for m in models],
    }


def error_body(message: str, error_type: str, code: str | int | None = None) -> dict[str, Any]:
    """OpenAI's error envelope, which the SDK reads into the exception's message."""
    return {"error": {"message": message, "type": error_type, "param": None, "code": code}}
