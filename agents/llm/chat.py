"""``ChatModel``: the ``Model`` over any OpenAI-compatible endpoint, with our retries, budget,
accounting and cache. It speaks chat completions, and also text completions and embeddings when
the configuration says the endpoint has them (``LLMConfig.capabilities``).

The SDK's own retries are off (``max_retries=0``) so that one policy, ours, decides: it honours
``Retry-After``, charges the run's budget, and turns every failure into a typed ``LLMError`` whose
message names the fix.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import re
import time
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from .cache import ResponseCache, request_key
from .completion import Completion, json_object, parse_completion, reported_usage
from .config import LLMConfig
from .errors import (
    LLMAuthError,
    LLMContextLengthError,
    LLMError,
    LLMRequestError,
    LLMResponseError,
    LLMResponseTooLarge,
    LLMUnavailableError,
)
from .model import Capabilities, Message, Model
from .retry import MalformedBody, ResponseTooLarge, is_retryable, retry_delay
from .retry_tally import note_retry
from .usage import Budget, Usage

CHAT, TEXT = "chat", "text"
#: Lone surrogates: Python strings (and pages' JavaScript strings) may hold them, JSON bodies cannot.
_SURROGATES = re.compile("[\ud800-\udfff]")


def valid_text(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings replaced by U+FFFD, so that it encodes.

    A page's text or a model's earlier answer can hold them; sent as they are, the request could not
    be encoded at all.
    """
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: valid_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [valid_text(v) for v in value]
    return value


#: How servers say a prompt does not fit, in the error body's ``code`` (OpenAI, vLLM, LiteLLM) or
#: ``type`` (llama.cpp's server): never read from the message, whose wording differs everywhere.
CONTEXT_LENGTH_CODES = frozenset({"context_length_exceeded"})
CONTEXT_LENGTH_TYPES = frozenset({"exceed_context_size_error"})


def _context_too_long(exc: BaseException) -> bool:
    """Whether a 400 says that the prompt is longer than the model's window."""
    if not isinstance(exc, openai.BadRequestError):
        return False
    return exc.code in CONTEXT_LENGTH_CODES or exc.type in CONTEXT_LENGTH_TYPES


class ChatModel(Model):
    """One model endpoint. Share a ``Budget`` between the models of a run to cap the whole run."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        budget: Budget | None = None,
        cache: ResponseCache | None = None,
        client: openai.AsyncOpenAI | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.name = config.model
        self.capabilities = Capabilities.parse(config.capabilities)
        self.budget = budget if budget is not None else Budget.from_config(config)
        if cache is None and config.cache_dir is not None:
            cache = ResponseCache(config.cache_dir)
        self.cache = cache
        self.usage = Usage()  # this model's own tally; the budget holds the run's
        self._client = client or openai.AsyncOpenAI(
            base_url=config.base_url,
            api_key=config.api_key or "no-key",  # local servers often need none; the SDK insists
            timeout=config.timeout,
            max_retries=0,
        )
        self._rng = rng or random.Random()

    def request_params(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: Any = None,
    ) -> dict[str, Any]:
        """The exact JSON-able arguments sent to the SDK, which are also what the cache key covers."""
        params: dict[str, Any] = {
            "model": self.config.model,
            "messages": [valid_text(dict(m)) for m in messages],
            "temperature": self.config.temperature,
        }
        if self.config.max_tokens is not None:
            params["max_tokens"] = self.config.max_tokens
        if tools:
            params["tools"] = [dict(t) for t in tools]
        if tool_choice is not None:
            params["tool_choice"] = tool_choice
        return params

    async def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: Any = None,
    ) -> Completion:
        """Answer ``messages`` (OpenAI chat format), optionally offering ``tools``.

        Raises ``BudgetExceeded`` before sending when the run's budget is spent, ``LLMRequestError``
        at once for requests the server refuses, and ``LLMUnavailableError`` once retries run out.
        """
        if not self.capabilities.chat:
            raise self.unable("chat")
        try:
            return await self._call(CHAT, self.request_params(messages, tools, tool_choice))
        except LLMContextLengthError as exc:  # what filled the window, for the run to keep
            exc.prompt = [dict(m) for m in messages]
            raise

    def text_params(
        self, prompt: str, stop: Sequence[str], max_tokens: int | None, grammar: str | None = None
    ) -> dict[str, Any]:
        """The arguments of a text completion (``/v1/completions``), which the cache key covers."""
        params: dict[str, Any] = {"model": self.config.model, "prompt": valid_text(prompt)}
        params["temperature"] = self.config.temperature
        limit = max_tokens if max_tokens is not None else self.config.max_tokens
        if limit is not None:
            params["max_tokens"] = limit
        if stop:
            params["stop"] = list(stop)[:4]  # OpenAI's limit; llama.cpp servers take more, never fewer
        if grammar is not None:  # llama.cpp's field, outside OpenAI's schema
            params["extra_body"] = {"grammar": grammar}
        return params

    async def complete_text(
        self,
        prompt: str,
        *,
        stop: Sequence[str] = (),
        max_tokens: int | None = None,
        grammar: str | None = None,
    ) -> Completion:
        """Continue ``prompt`` (``/v1/completions``), with the same retries, budget and cache. A
        ``grammar`` goes as llama.cpp's ``grammar`` field (``capabilities.grammar`` says the server
        takes it)."""
        if not self.capabilities.completion:
            raise self.unable("completion")
        if grammar is not None and not self.capabilities.grammar:
            raise self.unable("grammar")
        try:
            return await self._call(TEXT, self.text_params(prompt, stop, max_tokens, grammar))
        except LLMContextLengthError as exc:
            exc.prompt = [{"role": "prompt", "content": prompt}]
            raise

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Vectors from ``/v1/embeddings`` (not cached, not retried: callers batch and cache)."""
        if not self.capabilities.embeddings:
            raise self.unable("embeddings")
        try:
            response = await self._client.embeddings.create(model=self.config.model, input=list(texts))
        except openai.OpenAIError as exc:
            raise self._translate(exc, 1) from exc
        return [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]

    async def _call(self, kind: str, params: dict[str, Any]) -> Completion:
        """Cache look-up, budget check, the request with retries, accounting and cache write."""
        key = request_key(params) if self.cache is not None else None
        if self.cache is not None and key is not None:
            hit = self.cache.get(key)
            if hit is not None:
                self.usage.add_cached()
                parsed = parse_completion(hit, base_url=self.config.base_url)
                return dataclasses.replace(parsed, cached=True, attempts=0)
        self.budget.check()
        started = time.monotonic()
        raw, attempts = await self._send(kind, params)
        input_tokens, output_tokens = reported_usage(raw)  # charged even if the body proves unusable
        cost = self.config.cost(input_tokens, output_tokens)
        self.usage.add(input_tokens, output_tokens, cost)
        self.budget.charge(input_tokens, output_tokens, cost)
        parsed = parse_completion(raw, base_url=self.config.base_url)
        if self.cache is not None and key is not None:
            self.cache.put(key, params, raw)
        return dataclasses.replace(parsed, cost=cost, latency=time.monotonic() - started, attempts=attempts)

    async def _send(self, kind: str, params: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """POST with retries; returns the raw completion JSON and the number of attempts made."""
        attempt = 0
        while True:
            try:
                return await self._post(kind, params), attempt + 1
            except ResponseTooLarge as exc:
                raise LLMResponseTooLarge(
                    f"The LLM server at {self.config.base_url or 'the default endpoint'} sent {exc}; it was "
                    "refused unread. Fix: set max_tokens, or raise max_response_bytes if such answers "
                    "are expected.",
                ) from exc
            except (openai.OpenAIError, MalformedBody) as exc:
                if is_retryable(exc) and attempt < self.config.max_retries:
                    delay = retry_delay(exc, attempt, self.config, self._rng)
                    note_retry(exc, delay)  # the run keeps it with the episode (`retry_tally`)
                    await asyncio.sleep(delay)
                    attempt += 1
                    continue
                raise self._translate(exc, attempt + 1) from exc

    async def _post(self, kind: str, params: dict[str, Any]) -> dict[str, Any]:
        """One request; the body is read up to ``max_response_bytes`` and must be a JSON object."""
        endpoint: Any = self._client.chat.completions if kind == CHAT else self._client.completions
        cap = self.config.max_response_bytes
        async with endpoint.with_streaming_response.create(**params) as response:
            announced = response.headers.get("content-length", "")
            if announced.isdigit() and int(announced) > cap:
                raise ResponseTooLarge(cap, int(announced))
            body = bytearray()
            async for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise ResponseTooLarge(cap)
        return json_object(bytes(body))

    def _translate(self, exc: BaseException, attempts: int) -> LLMError:
        """Map an SDK failure to the typed error whose message says what to do."""
        where = f"The LLM server at {self.config.base_url or 'the default endpoint'}"
        status = getattr(exc, "status_code", None)
        detail = getattr(exc, "message", None) or str(exc)
        if isinstance(exc, MalformedBody):
            return LLMResponseError(
                f"{where} still answered with a body that is not a completion after {attempts} "
                f"attempts ({detail}). Fix: check that base_url points at an OpenAI-compatible /v1 API "
                "(not a proxy's HTML page).",
            )
        if is_retryable(exc):
            fix = (
                "Fix: the endpoint rate-limits these calls: run fewer --workers (each calls it at once), "
                "raise max_retries or retry_after_max (each retry waits as Retry-After asks, up to "
                f"retry_after_max={self.config.retry_after_max:g} s; both --agent-arg), or raise the "
                "endpoint's rate limit."
                if status == 429  # backoff_max does not apply: the server says how long to wait
                else f"Fix: no answer came within timeout={self.config.timeout:g} s: raise timeout (a "
                "slow local model may need minutes), or check that the server is not overloaded."
                if isinstance(exc, openai.APITimeoutError)
                else "Fix: check that the server is up and not overloaded, or raise max_retries / "
                "backoff_max."
            )
            return LLMUnavailableError(
                f"{where} still failed after {attempts} attempts ({type(exc).__name__}: {detail}). {fix}",
                status=status,
            )
        if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
            return LLMAuthError(
                f"{where} refused the credentials ({status}: {detail}). "
                "Fix: set PALAESTRA_LLM_API_KEY (or OPENAI_API_KEY) to a key valid for this server.",
                status=status,
            )
        if isinstance(exc, openai.NotFoundError):
            return LLMRequestError(
                f"{where} has no model `{self.config.model}` or no such endpoint (404: {detail}). "
                "Fix: check PALAESTRA_LLM_MODEL and that base_url ends in /v1.",
                status=status,
            )
        if _context_too_long(exc):
            return LLMContextLengthError(
                f"{where} refused a prompt longer than the model `{self.config.model}`'s context window "
                f"({status}: {detail}). Fix: send less (generic: obs_tokens, history; synapse: "
                "context_window, state_tokens, exemplars) or lower max_tokens, or choose a model with a "
                "longer window.",
                status=status,
            )
        if isinstance(exc, openai.APIStatusError):
            return LLMRequestError(
                f"{where} rejected the request ({status}: {detail}). Fix: check the messages and tool "
                "schemas, and that prompt plus max_tokens fit the model's context window.",
                status=status,
            )
        if isinstance(exc, openai.APIResponseValidationError):
            return LLMResponseError(
                f"{where} answered with a body that is not what it should be ({detail}). "
                "Fix: check that base_url points at an OpenAI-compatible /v1 API (not a proxy's HTML page).",
            )
        return LLMError(f"{where}: {type(exc).__name__}: {detail}", status=status)

    async def aclose(self) -> None:
        """Close the HTTP connections (and the cache)."""
        await self._client.close()
        if self.cache is not None:
            self.cache.close()

    async def __aenter__(self) -> ChatModel:
        return self
