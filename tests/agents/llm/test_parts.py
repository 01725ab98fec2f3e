"""The pieces under ``ChatModel``: retry decisions, budget, cache keys and token counting."""

from __future__ import annotations

import random
from pathlib import Path

import httpx2
import openai
import pytest

from palaestra.agents.llm import (
    Budget,
    BudgetExceeded,
    LLMConfig,
    MiniLMTokenCounter,
    ResponseCache,
    TokenCounter,
    WhitespaceTokenCounter,
    backoff_delay,
    default_token_counter,
    is_retryable,
    request_key,
    retry_after_seconds,
    retry_delay,
)

REQUEST = httpx2.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    response = httpx2.Response(status, headers=headers or {}, request=REQUEST)
    classes: dict[int, type[openai.APIStatusError]] = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        404: openai.NotFoundError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
        503: openai.InternalServerError,
    }
    return classes.get(status, openai.APIStatusError)("boom", response=response, body=None)


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        (400, False),
        (401, False),
        (404, False),
        (429, True),
        (500, True),
        (503, True),
        (529, True),
        (422, False),
    ],
)
def test_retry_is_decided_by_type_and_status(status: int, retryable: bool) -> None:
    assert is_retryable(status_error(status)) is retryable


def test_connection_errors_retry_but_local_errors_do_not() -> None:
    assert is_retryable(openai.APITimeoutError(REQUEST))
    assert is_retryable(openai.APIConnectionError(request=REQUEST))
    assert not is_retryable(ValueError("rate limit 429 timeout"))  # words in a message mean nothing


def test_retry_after_forms() -> None:
    assert retry_after_seconds(status_error(429, {"Retry-After": "2"})) == 2.0
    assert retry_after_seconds(status_error(429, {"retry-after-ms": "250"})) == 0.25
    dated = retry_after_seconds(status_error(429, {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}))
    assert dated == 0.0  # a date in the past: go now
    assert retry_after_seconds(status_error(429)) is None
    cfg = LLMConfig(model="m", retry_after_max=5.0)
    assert retry_delay(status_error(429, {"Retry-After": "120"}), 0, cfg, random.Random(0)) == 5.0


def test_backoff_grows_is_capped_and_jittered() -> None:
    cfg = LLMConfig(model="m", backoff_base=1.0, backoff_max=8.0, jitter=False)
    assert [backoff_delay(n, cfg, random.Random(0)) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    jittered = cfg.replace(jitter=True)
    waits = [backoff_delay(3, jittered, random.Random(seed)) for seed in range(50)]
    assert all(0 <= w <= 8.0 for w in waits) and len(set(waits)) > 40


def test_budget_limits() -> None:
    budget = Budget(max_tokens=10, max_cost=1.0)
    budget.check()
    budget.charge(5, 4, 0.5)
    assert not budget.exhausted
    budget.charge(1, 0, 0.0)
    with pytest.raises(BudgetExceeded, match="10 of 10 tokens"):
        budget.check()
    assert Budget().exhausted_reason() is None


def test_request_key_is_canonical() -> None:
    a = {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.0}
    b = {"temperature": 0.0, "messages": [{"content": "hi", "role": "user"}], "model": "m"}
    assert request_key(a) == request_key(b) and len(request_key(a)) == 64
    assert request_key(a) != request_key({**a, "temperature": 0.1})


def test_cache_persists_across_instances(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path)
    cache.put("k", {"model": "m"}, {"choices": []})
    cache.close()
    again = ResponseCache(tmp_path)
    assert again.get("k") == {"choices": []} and again.get("other") is None and len(again) == 1
    again.close()


def test_minilm_counter_is_offline_wordpiece_without_truncation() -> None:
    counter = default_token_counter()
    assert isinstance(counter, MiniLMTokenCounter) and isinstance(counter, TokenCounter)
    assert counter.count("") == 0
    assert counter.count("hello world") == 2
    assert counter.count("unbelievably") > 1  # split into word pieces
    assert counter.count("word " * 500) == 500  # the file's 128-token truncation is off
    assert (
        isinstance(WhitespaceTokenCounter(), TokenCounter) and WhitespaceTokenCounter().count("a b  c") == 3
    )
