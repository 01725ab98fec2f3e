"""``Completion``: one chat answer read out of the raw OpenAI JSON, the same way fresh or cached.

Reading from the raw dict (not the SDK's objects) keeps cached answers identical to live ones and
lets a server's extra or missing fields pass without breaking a run.
"""

from __future__ import annotations

import json
import math
import reprlib
from dataclasses import dataclass, field
from typing import Any

from .errors import LLMResponseError
from .retry import MalformedBody


@dataclass(frozen=True)
class ToolCall:
    """A tool the model called. ``error`` says why ``arguments`` is empty when the JSON was bad."""

    id: str
    name: str
    arguments: dict[str, Any]
    raw_arguments: str
    error: str | None = None


@dataclass(frozen=True)
class Completion:
    """The answer, its cost and provenance. ``latency`` includes retry waits; cache hits take 0."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    finish_reason: str | None = None
    model: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost: float = 0.0  # what this call spent: 0 for a cache hit
    latency: float = 0.0
    cached: bool = False
    attempts: int = 1
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def to_message(self) -> dict[str, Any]:
        """The assistant message to append to the conversation before the next call."""
        content = self.text if self.text or not self.tool_calls else None  # some servers refuse ""
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if self.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.raw_arguments}}
                for c in self.tool_calls
            ]
        return message


def json_object(body: bytes) -> dict[str, Any]:
    """A response body as the JSON object of a chat completion, or ``MalformedBody`` saying why not."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, or nested past the parser
        raise MalformedBody(f"not JSON ({type(exc).__name__}): {body[:120]!r}") from None
    if not isinstance(raw, dict):
        raise MalformedBody(f"JSON {type(raw).__name__}, not an object: {body[:120]!r}")
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise MalformedBody(f"no choices: {body[:200]!r}")
    return raw


def parse_tool_call(raw: Any, position: int) -> ToolCall:
    function = (raw.get("function") or {}) if isinstance(raw, dict) else {}
    raw_arguments = function.get("arguments") or ""
    if not isinstance(raw_arguments, str):
        raw_arguments = json.dumps(raw_arguments)
    arguments: dict[str, Any] = {}
    error = None
    try:
        parsed = json.loads(raw_arguments) if raw_arguments.strip() else {}
    except (ValueError, RecursionError) as exc:
        error = f"arguments are not valid JSON ({type(exc).__name__}: {str(exc)[:200]})"
    else:
        if isinstance(parsed, dict):
            arguments = parsed
        else:
            error = f"arguments are JSON {type(parsed).__name__}, not an object"
    call_id = raw.get("id") if isinstance(raw, dict) else None
    return ToolCall(
        id=str(call_id or f"call_{position}"),
        name=str(function.get("name") or ""),
        arguments=arguments,
        raw_arguments=raw_arguments,
        error=error,
    )


def reported_usage(raw: dict[str, Any]) -> tuple[int, int]:
    """(prompt, completion) tokens from the response's ``usage``; (0, 0) when the server omits it."""
    usage = raw.get("usage")
    if not isinstance(usage, dict):
        return 0, 0
    return _count(usage.get("prompt_tokens")), _count(usage.get("completion_tokens"))


def _count(value: Any) -> int:
    """A token count as the server reported it; anything but a number >= 0 counts as 0."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return int(value) if math.isfinite(value) and value >= 0 else 0


def parse_completion(raw: dict[str, Any], *, base_url: str | None) -> Completion:
    """Text, tool calls and reported usage of the first choice of a chat or a text completion; costs
    and timing are set by the caller."""
    choices = raw.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise LLMResponseError(
            f"The LLM server at {base_url or 'the default endpoint'} answered without any choice: "
            f"{reprlib.repr(raw)}. Fix: check that base_url points at an OpenAI-compatible /v1 API."
        )
    choice = choices[0]
    message = choice.get("message") or {}
    content = message.get("content") if "message" in choice else choice.get("text")  # chat or text
    input_tokens, output_tokens = reported_usage(raw)
    return Completion(
        text=content if isinstance(content, str) else "",
        tool_calls=tuple(parse_tool_call(c, i) for i, c in enumerate(message.get("tool_calls") or [])),
        finish_reason=choice.get("finish_reason"),
        model=raw.get("model"),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        raw=raw,
    )
