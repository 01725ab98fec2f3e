"""When and how long to retry a failed call.

Decided by the SDK's exception *types* (and HTTP status), never by error text, which changes
between SDK versions and servers. Waits use exponential backoff with full jitter (so many agents
hitting one rate limit spread out), unless the server said how long to wait with ``Retry-After``.
"""

from __future__ import annotations

import email.utils
import math
import random
import time

import openai

from .config import LLMConfig


class MalformedBody(ValueError):
    """A 200 answer whose body is not a JSON object (truncated, HTML, empty): what overloaded
    servers and proxies send now and then, so it is retried like an outage."""


class ResponseTooLarge(ValueError):
    """A response body past ``LLMConfig.max_response_bytes``: refused unread, never retried."""

    def __init__(self, cap: int, announced: int | None = None) -> None:
        told = f" (it announced {announced})" if announced is not None else ""
        super().__init__(f"a response of more than {cap} bytes{told}")


RETRYABLE_TYPES: tuple[type[BaseException], ...] = (
    openai.RateLimitError,  # 429
    openai.InternalServerError,  # >= 500
    openai.APITimeoutError,
    openai.APIConnectionError,  # refused, reset or dropped connections
    MalformedBody,
)


def is_retryable(exc: BaseException) -> bool:
    """429, 408, any 5xx, timeouts, connection errors and malformed bodies; never other 4xx or
    local errors."""
    if isinstance(exc, RETRYABLE_TYPES):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code >= 500 or exc.status_code in (408, 429)
    return False


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's requested wait from ``retry-after-ms`` or ``Retry-After`` (seconds or a date)."""
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        seconds: float | None
        try:
            seconds = float(value) / scale
        except ValueError:
            seconds = _http_date_delay(value)
        if seconds is not None and math.isfinite(seconds):
            return max(0.0, seconds)
    return None


def _http_date_delay(value: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - time.time()


def backoff_delay(attempt: int, config: LLMConfig, rng: random.Random) -> float:
    """Attempt 0 waits up to ``backoff_base``, doubling each time up to ``backoff_max``."""
    ceiling = min(config.backoff_max, config.backoff_base * (2.0**attempt))
    return rng.uniform(0.0, ceiling) if config.jitter else ceiling


def retry_delay(exc: BaseException, attempt: int, config: LLMConfig, rng: random.Random) -> float:
    """The wait before the next attempt: the capped ``Retry-After`` if given, else the backoff."""
    requested = retry_after_seconds(exc)
    if requested is not None:
        return min(requested, config.retry_after_max)
    return backoff_delay(attempt, config, rng)
