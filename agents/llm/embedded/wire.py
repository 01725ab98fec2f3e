"""The OpenAI wire format's small parts for the embedded server: a request's sampling settings,
checked, errors in OpenAI's shape, token usage, and server-sent events for streams.

Apart from the routes (``routes.py``) so a request's checks read on their own, without the HTTP
plumbing around them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from starlette.responses import JSONResponse

from .runtime import Generation, Sampling


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
