"""What the scripted LLM server answers: typed requests in, typed answers out.

Tests describe an LLM's behaviour as data (a reply, a fault, a sequence of them) rather than
mocking the SDK, so the real ``openai`` client, its HTTP stack and our retry code all run for real.
A *script* is any callable ``(ScriptRequest) -> Answer``; the helpers below build the answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias


@dataclass(frozen=True)
class ScriptRequest:
    """One request the server received: what the script decides on and what tests assert on."""

    method: str
    path: str
    headers: Mapping[str, str]  # lower-cased names
    body: Any  # the parsed JSON body, or None when there was no valid JSON body
    raw_body: bytes
    index: int  # 0-based position among the requests to the same path
    received_at: float  # time.monotonic() when the request was read, for timing assertions

    @property
    def json(self) -> dict[str, Any]:
        """The body as a dict ({} when it was not a JSON object)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.json.get("messages") or [])

    @property
    def prompt(self) -> str:
        """The prompt of a text completion ("" for chat)."""
        prompt = self.json.get("prompt")
        return prompt if isinstance(prompt, str) else ""

    @property
    def tools(self) -> list[dict[str, Any]]:
        return list(self.json.get("tools") or [])

    @property
    def tool_choice(self) -> Any:
        return self.json.get("tool_choice")

    @property
    def model(self) -> str | None:
        model = self.json.get("model")
        return model if isinstance(model, str) else None

    @property
    def stream(self) -> bool:
        return bool(self.json.get("stream"))

    @property
    def include_usage(self) -> bool:
        """Whether a streaming client asked for usage in the last chunk (``stream_options``)."""
        options = self.json.get("stream_options") or {}
        return bool(isinstance(options, dict) and options.get("include_usage"))

    def last_user_text(self) -> str:
        """The text of the last user message (or a text completion's prompt): what scripts branch on."""
        if self.prompt:
            return self.prompt
        for message in reversed(self.messages):
            if message.get("role") == "user":
                return content_text(message.get("content"))
        return ""


def content_text(content: Any) -> str:
    """Flatten a message ``content`` (a string or a list of typed parts) into plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") for p in content if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    return ""


@dataclass(frozen=True)
class ToolCallSpec:
    """A tool call the scripted model makes. ``arguments`` may be a raw (even invalid) JSON string."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None

    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), sort_keys=True)


@dataclass(frozen=True)
class Reply:
    """A successful completion. Token counts default to whitespace counts of prompt and answer."""

    text: str | None = None
    tool_calls: tuple[ToolCallSpec, ...] = ()
    finish_reason: str | None = None  # None: "tool_calls" when there are tool calls, else "stop"
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class HTTPFault:
    """An HTTP error answer, e.g. 429 with ``Retry-After`` or a 5xx, in OpenAI's error JSON shape."""

    status: int
    message: str = "scripted failure"
    headers: Mapping[str, str] = field(default_factory=dict)
    error_type: str = "server_error"
    #: The body's ``error.code`` (None: the status, as many servers send), e.g.
    #: ``context_length_exceeded``, which clients read to tell one 400 from another.
    code: str | int | None = None


@dataclass(frozen=True)
class MalformedBody:
    """A 200 answer whose body is not what the client expects (by default truncated JSON)."""

    body: bytes = b'{"id": "chatcmpl-broken", "object": "chat.completion", "choices": ['
    content_type: str = "application/json"
    #: Send the body in chunks with no ``Content-Length``, so the client learns its size only by
    #: reading it (as from a server that streams an endless answer).
    chunked: bool = False


@dataclass(frozen=True)
class DropConnection:
    """Close the connection without answering, as a crashed proxy or server would."""


@dataclass(frozen=True)
class Slow:
    """Wait ``seconds`` before giving ``then``: drives client timeouts."""

    seconds: float
    then: Answer


Answer: TypeAlias = Reply | HTTPFault | MalformedBody | DropConnection | Slow
Script: TypeAlias = Callable[[ScriptRequest], Answer]


class ScriptExhausted(RuntimeError):
    """A ``ScriptedSequence`` was asked for more answers than it holds: the test sent too many calls."""


class ScriptedSequence:
    """Give the listed answers in order, one per request; then ``then`` forever, or fail loudly.

    Thread-safe, since the server answers each connection in its own thread.
    """

    def __init__(self, answers: Iterable[Answer], *, then: Answer | None = None) -> None:
        self._answers: list[Answer] = list(answers)
        self._then = then
        self._next = 0
        self._lock = threading.Lock()

    def __call__(self, request: ScriptRequest) -> Answer:
        with self._lock:
            if self._next < len(self._answers):
                answer = self._answers[self._next]
                self._next += 1
                return answer
        if self._then is not None:
            return self._then
        raise ScriptExhausted(
            f"ScriptedSequence of {len(self._answers)} answers got request #{request.index + 1} "
            f"to {request.path}; add answers or pass then=..."
        )

    @property
    def remaining(self) -> int:
        with self._lock:
            return len(self._answers) - self._next


def echo(request: ScriptRequest) -> Answer:
    """The default script: answer with the last user message, so a bare server is still useful."""
    return Reply(text=request.last_user_text() or "ok")


def as_script(script: Script | Sequence[Answer] | Answer | None) -> Script:
    """Accept a callable, a list of answers (a sequence) or one answer (given every time)."""
    if script is None:
        return echo
    if isinstance(script, Reply | HTTPFault | MalformedBody | DropConnection | Slow):
        constant: Answer = script
        return lambda _request: constant
    if isinstance(script, Sequence):
        return ScriptedSequence(script)
    return script


def reply_text(text: str, *, prompt_tokens: int | None = None, completion_tokens: int | None = None) -> Reply:
    """A plain text completion, e.g. ``reply_text("click('12')")``."""
    return Reply(text=text, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens)


def reply_tool_call(
    name: str,
    arguments: Mapping[str, Any] | str | None = None,
    *,
    text: str | None = None,
    call_id: str | None = None,
) -> Reply:
    """A completion that calls one tool, e.g. ``reply_tool_call("click", {"id": "12"})``."""
    spec = ToolCallSpec(name=name, arguments=arguments if arguments is not None else {}, call_id=call_id)
    return Reply(text=text, tool_calls=(spec,))


def reply_tool_calls(*calls: ToolCallSpec, text: str | None = None) -> Reply:
    """A completion with several parallel tool calls."""
    return Reply(text=text, tool_calls=tuple(calls))


def rate_limited(
    retry_after: float | None = 1.0, message: str = "Rate limit reached (scripted)."
) -> HTTPFault:
    """HTTP 429, with a ``Retry-After`` header in seconds unless ``retry_after`` is None."""
    headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
    return HTTPFault(429, message, headers, error_type="rate_limit_exceeded")


def server_error(status: int = 500, message: str = "The server had an error (scripted).") -> HTTPFault:
    """HTTP 5xx (500 by default; 502/503 for gateways and overload)."""
    return HTTPFault(status, message)


def http_error(
    status: int, message: str = "scripted error", error_type: str = "invalid_request_error"
) -> HTTPFault:
    """Any other HTTP error, e.g. 400 bad request or 401 bad key."""
    return HTTPFault(status, message, error_type=error_type)


def context_length_exceeded(window: int = 8192, prompt_tokens: int | None = None) -> HTTPFault:
    """HTTP 400 as OpenAI answers a prompt longer than the model's window: ``code`` says so."""
    asked = f" However, your messages resulted in {prompt_tokens} tokens." if prompt_tokens else ""
    message = f"This model's maximum context length is {window} tokens.{asked} Please reduce the length."
    return HTTPFault(400, message, error_type="invalid_request_error", code="context_length_exceeded")


def slow(seconds: float, then: Answer | None = None) -> Slow:
    """Answer ``then`` (default: text "ok") only after ``seconds``."""
    return Slow(seconds, then if then is not None else Reply(text="ok"))


def malformed_json(body: bytes | None = None) -> MalformedBody:
    """A 200 whose body is invalid JSON."""
    return MalformedBody() if body is None else MalformedBody(body)


def oversized_body(size: int, *, chunked: bool = False) -> MalformedBody:
    """A 200 whose body is a well-formed chat completion ``size`` bytes long (its text is padding)."""
    head, tail = b'{"object": "chat.completion", "choices": [{"message": {"content": "', b'"}}]}'
    return MalformedBody(head + b"x" * max(0, size - len(head) - len(tail)) + tail, chunked=chunked)


def garbage_text() -> Reply:
    """A well-formed completion whose text is nonsense, for agents' parse-failure paths."""
    return Reply(text="\x00}{ ]]garbage[[ \ufffd no action here ;;")


def drop_connection() -> DropConnection:
    """Close the socket without an answer."""
    return DropConnection()
