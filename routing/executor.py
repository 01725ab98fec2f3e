"""The executor: call a registered API on a model's behalf, and turn every outcome into a result.

A model's tool call can go wrong in many ways (a hallucinated name, a missing argument, a slow
or flaky service, a broken API), and each needs a different fix from the model. So `call` never
raises for a bad call: it returns a `CallResult` whose `error_kind` says what went wrong and whose
`message` is written for the model (what failed and how to fix it: the did-you-mean names, every
schema violation with its path, the expected arguments). Only programming errors raise.

Policy, in order: resolve the name (key or provider name); refuse destructive APIs unless allowed
(a record is destructive when it is not read-only and its `destructive` hint is set, as in MCP);
validate the arguments against the parameters schema before anything is sent; call with a per-call
timeout; retry with exponential backoff only when the API is idempotent and the failure is a
timeout or transport error (judged by exception type); check the result against the result schema.
Each outcome goes to the feedback store when one is given, except unknown names, refusals and
description-only records, which say nothing about the API's quality.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import httpx
import jsonschema

from palaestra.routing.call_text import expected, parse_arguments, sentence, where
from palaestra.routing.errors import (
    ApiCallError,
    ApiTransportError,
    ApiUnavailableError,
    InvalidResultError,
    NoHandlerError,
    UnknownApiError,
)
from palaestra.routing.jsonable import to_jsonable
from palaestra.routing.records import ApiRecord
from palaestra.routing.registry import ApiHandler, ApiRegistry

if TYPE_CHECKING:
    from palaestra.routing.feedback import FeedbackStore

ErrorKind = Literal[
    "unknown_api",
    "invalid_arguments",
    "not_allowed",
    "no_handler",
    "timeout",
    "transport",
    "api_error",
    "invalid_result",
]
#: Failures where the request may never have been handled, so an idempotent API may be retried.
RETRYABLE: frozenset[ErrorKind] = frozenset({"timeout", "transport"})
_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    ApiTransportError,
    ConnectionError,
    httpx.TransportError,
)
#: Results longer than this (in characters, as the model reads them) are cut by default: about 12k
#: tokens, room for a long page of records while a runaway result cannot fill a model's context.
#: Set by hand, not measured.
MAX_RESULT_CHARS = 50_000
#: Outcomes that say nothing about the API's quality, so they stay out of the feedback store.
_NOT_ABOUT_THE_API: frozenset[ErrorKind] = frozenset({"unknown_api", "not_allowed", "no_handler"})


@dataclass(frozen=True)
class CallResult:
    """The outcome of one executor call (after retries). `content` is JSON-able."""

    key: str
    ok: bool
    content: Any = None
    error_kind: ErrorKind | None = None
    message: str = ""
    latency_s: float = 0.0
    attempts: int = 0
    #: True when the result was longer than the executor's `max_result_chars` and `content` holds
    #: its cut text (with a note saying so) instead of the value the API returned.
    truncated: bool = False

    @property
    def is_error(self) -> bool:
        """True when the call failed (the MCP-style spelling of `not ok`)."""
        return not self.ok

    def for_model(self) -> str:
        """The text to put in the model's context: the content on success, the message otherwise."""
        if not self.ok:
            return self.message
        return self.content if isinstance(self.content, str) else json.dumps(self.content, ensure_ascii=False)


@dataclass(frozen=True)
class _Outcome:
    content: Any = None
    kind: ErrorKind | None = None
    message: str = ""
    #: False when trying again cannot help (the service is gone), whatever the kind.
    retryable: bool = True


class ApiExecutor:
    """Calls APIs of a registry with validation, timeouts, retries and a destructive-call policy."""

    def __init__(
        self,
        registry: ApiRegistry,
        *,
        allow_destructive: bool | Iterable[str] = False,
        timeout_s: float = 30.0,
        max_retries: int = 2,
        backoff_s: float = 0.25,
        max_backoff_s: float = 4.0,
        feedback: FeedbackStore | None = None,
        max_result_chars: int | None = MAX_RESULT_CHARS,
    ) -> None:
        """`allow_destructive` is True, False, or the keys of the destructive APIs that may run.

        A result longer than `max_result_chars` (as the model would read it: text, else JSON) is
        cut to that length with a note saying how much was left out and how to ask for less,
        since a model's context cannot take a whole database dump; None keeps every result whole.

        `max_retries` counts extra attempts (so at most `1 + max_retries` calls); the n-th retry
        waits `backoff_s * 2**(n-1)` seconds, at most `max_backoff_s`.
        """
        if timeout_s <= 0 or max_retries < 0 or backoff_s < 0:
            raise ValueError("timeout_s must be positive; max_retries and backoff_s must not be negative.")
        if max_result_chars is not None and max_result_chars < 1:
            raise ValueError("max_result_chars must be positive, or None to keep results whole.")
        self.max_result_chars = max_result_chars
        self.registry = registry
        self.allow_destructive: bool | frozenset[str] = (
            allow_destructive if isinstance(allow_destructive, bool) else frozenset(allow_destructive)
        )
        self.timeout_s, self.max_retries = timeout_s, max_retries
        self.backoff_s, self.max_backoff_s = backoff_s, max_backoff_s
        self.feedback = feedback
        self._validators: dict[tuple[str, str], tuple[dict[str, Any], jsonschema.protocols.Validator]] = {}

    def is_allowed(self, record: ApiRecord) -> bool:
        """Whether the destructive-call policy lets this API run."""
        hints = record.annotations
        if hints.read_only or not hints.destructive:
            return True
        if isinstance(self.allow_destructive, bool):
            return self.allow_destructive
        return record.key in self.allow_destructive

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | str | None = None,
        *,
        episode_id: str | None = None,
        timeout_s: float | None = None,
    ) -> CallResult:
        """Call API `name` (a key or provider name) with `arguments` (a dict or a JSON object string)."""
        start = time.perf_counter()
        try:
            record = self.registry.resolve(name)
        except UnknownApiError as exc:
            return self._finish(
                name, _Outcome(None, "unknown_api", f"{exc} Call one of the available APIs."), start, 0
            )
        key = record.key
        if not self.is_allowed(record):
            message = (
                f"`{key}` may destroy data and destructive calls are not allowed here. Use a read-only "
                "API, or ask the user to allow this one."
            )
            return self._finish(key, _Outcome(None, "not_allowed", message), start, 0, episode_id)
        parsed = parse_arguments(arguments)
        if isinstance(parsed, str) or (problems := self._problems(record, "parameters", parsed)):
            listed = [f"- {parsed}"] if isinstance(parsed, str) else problems
            message = (
                f"Invalid arguments for `{key}`:\n"
                + "\n".join(listed)
                + f"\n{expected(record.parameters)} Fix the arguments and call `{key}` again."
            )
            return self._finish(key, _Outcome(None, "invalid_arguments", message), start, 0, episode_id)
        handler = self.registry.handler(key)
        if handler is None:
            message = f"`{key}` is described but cannot be called here (no handler). Use another API."
            return self._finish(key, _Outcome(None, "no_handler", message), start, 0, episode_id)
        timeout = timeout_s if timeout_s is not None else self.timeout_s
        attempts = 0
        while True:
            attempts += 1
            outcome = await self._attempt(record, handler, parsed, timeout)
            retry = (
                outcome.kind in RETRYABLE
                and outcome.retryable
                and record.annotations.idempotent
                and attempts <= self.max_retries
            )
            if not retry:
                break
            await asyncio.sleep(min(self.max_backoff_s, self.backoff_s * 2 ** (attempts - 1)))
        if outcome.kind in RETRYABLE and attempts > 1:
            outcome = _Outcome(outcome.content, outcome.kind, f"{outcome.message} (Tried {attempts} times.)")
        outcome, truncated = self._cut(outcome)
        return self._finish(key, outcome, start, attempts, episode_id, truncated)

    def call_sync(
        self, name: str, arguments: Mapping[str, Any] | str | None = None, **options: Any
    ) -> CallResult:
        """Blocking `call` for code without an event loop (each call runs its own loop).

        Not for sources whose sessions live in another loop (MCP): await `call` there instead.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(self.call(name, arguments, **options))
        raise RuntimeError(
            "call_sync() was called inside a running event loop; use `await executor.call(...)`."
        )

    async def _attempt(
        self, record: ApiRecord, handler: ApiHandler, arguments: dict[str, Any], timeout: float
    ) -> _Outcome:
        key = record.key
        try:
            raw = await asyncio.wait_for(handler.call(dict(arguments)), timeout)
        except (TimeoutError, httpx.TimeoutException) as exc:  # asyncio's, ApiTimeoutError, httpx's
            detail = f": {exc}" if str(exc) else ""
            return _Outcome(None, "timeout", f"`{key}` did not answer within {timeout:g} s{detail}.")
        except ApiUnavailableError as exc:
            message = f"Could not reach `{key}`: {sentence(exc)} Do this step another way."
            return _Outcome(None, "transport", message, retryable=False)
        except _TRANSPORT_ERRORS as exc:
            return _Outcome(
                None, "transport", f"Could not reach `{key}`: {sentence(exc)} It may work again later."
            )
        except InvalidResultError as exc:
            return _Outcome(
                to_jsonable(exc.content), "invalid_result", f"`{key}` returned an invalid result: {exc}"
            )
        except NoHandlerError as exc:
            return _Outcome(None, "no_handler", f"`{key}` cannot be called here: {exc}")
        except ApiCallError as exc:
            return _Outcome(to_jsonable(exc.content), "api_error", f"`{key}` reported an error: {exc}")
        except Exception as exc:  # the API's own failure (e.g. a Python function raising), not ours
            return _Outcome(None, "api_error", f"`{key}` failed: {type(exc).__name__}: {exc}")
        content = to_jsonable(raw)
        if record.result is not None:
            problems = self._problems(record, "result", content)
            if problems:
                message = (
                    f"`{key}` returned a result that breaks its own result schema:\n"
                    + "\n".join(problems)
                    + "\nThe API is at fault; do not rely on this result."
                )
                return _Outcome(content, "invalid_result", message)
        return _Outcome(content)

    def _cut(self, outcome: _Outcome) -> tuple[_Outcome, bool]:
        """The outcome with a successful result longer than `max_result_chars` cut, and whether it was."""
        limit = self.max_result_chars
        if limit is None or outcome.kind is not None or outcome.content is None:
            return outcome, False
        content = outcome.content
        text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
        if len(text) <= limit:
            return outcome, False
        note = (
            f"\n[Result cut: it has {len(text):,} characters and only the first {limit:,} are shown. "
            "If you need the rest, ask the API for less (a filter, a smaller page or limit).]"
        )
        return _Outcome(text[:limit] + note), True

    def _problems(
        self, record: ApiRecord, which: Literal["parameters", "result"], instance: Any
    ) -> list[str]:
        """Every schema violation as `- <path>: <message>`, sorted by path."""
        schema = record.parameters if which == "parameters" else record.result
        assert schema is not None
        cached = self._validators.get((record.key, which))
        if cached is None or cached[0] is not schema:
            validator = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            cached = (schema, validator)
            self._validators[(record.key, which)] = cached
        errors = sorted(
            cached[1].iter_errors(instance), key=lambda e: ([str(p) for p in e.absolute_path], e.message)
        )
        return [f"- {where(list(e.absolute_path))}: {e.message}" for e in errors]

    def _finish(
        self,
        key: str,
        outcome: _Outcome,
        start: float,
        attempts: int,
        episode_id: str | None = None,
        truncated: bool = False,
    ) -> CallResult:
        result = CallResult(
            key=key,
            ok=outcome.kind is None,
            content=outcome.content,
            error_kind=outcome.kind,
            message=outcome.message,
            latency_s=time.perf_counter() - start,
            attempts=attempts,
            truncated=truncated,
        )
        if self.feedback is not None and outcome.kind not in _NOT_ABOUT_THE_API:
            self.feedback.record(
                key,
                ok=result.ok,
                error_kind=result.error_kind,
                latency_s=result.latency_s,
                message=result.message,
                episode_id=episode_id,
            )
        return result
