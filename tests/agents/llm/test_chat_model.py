"""``ChatModel`` through the real ``openai`` SDK over HTTP against the scripted server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from palaestra.agents.llm import (
    Budget,
    BudgetExceeded,
    ChatModel,
    Completion,
    LLMAuthError,
    LLMConfig,
    LLMRequestError,
    LLMResponseError,
    LLMResponseTooLarge,
    LLMUnavailableError,
)
from palaestra.testing import (
    ScriptedLLMServer,
    ScriptedSequence,
    drop_connection,
    http_error,
    malformed_json,
    oversized_body,
    rate_limited,
    reply_text,
    reply_tool_call,
    server_error,
    slow,
)

T = TypeVar("T")
USER = [{"role": "user", "content": "click the OK button"}]
TOOLS = [{"type": "function", "function": {"name": "click", "parameters": {"type": "object"}}}]


def config(server: ScriptedLLMServer, **overrides: Any) -> LLMConfig:
    """Tiny backoffs keep retry tests fast; the server's clock is what timing assertions read."""
    values: dict[str, Any] = {
        "model": "scripted-model",
        "base_url": server.base_url,
        "api_key": "sk-test",
        "timeout": 10.0,
        "max_retries": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.02,
    }
    return LLMConfig.from_dict({**values, **overrides})


def run(body: Callable[[ChatModel], Awaitable[T]], cfg: LLMConfig, **kwargs: Any) -> T:
    """Build the model inside the event loop (its HTTP pool belongs to that loop) and close it after."""

    async def main() -> T:
        async with ChatModel(cfg, **kwargs) as model:
            return await body(model)

    return asyncio.run(main())


def complete_once(cfg: LLMConfig, **kwargs: Any) -> Completion:
    return run(lambda model: model.complete(USER), cfg, **kwargs)


def test_plain_completion(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("click('12')")
    cfg = config(llm_server, price_input_per_mtok=2.0, price_output_per_mtok=10.0)
    answer = complete_once(cfg)
    assert answer.text == "click('12')" and answer.tool_calls == ()
    assert (answer.input_tokens, answer.output_tokens) == (4, 1)
    assert answer.cost == pytest.approx((4 * 2.0 + 1 * 10.0) / 1e6)
    assert answer.latency > 0 and not answer.cached and answer.attempts == 1
    assert answer.raw["choices"][0]["message"]["content"] == "click('12')"
    [request] = llm_server.chat_requests
    assert request.json["temperature"] == 0.0 and request.model == "scripted-model"


def test_sdk_retries_are_off(llm_server: ScriptedLLMServer) -> None:
    async def body(model: ChatModel) -> int:
        return model._client.max_retries

    assert run(body, config(llm_server)) == 0


def test_tool_call_completion(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_tool_call("click", {"id": "12"}, call_id="call_a")
    answer = run(lambda m: m.complete(USER, tools=TOOLS, tool_choice="required"), config(llm_server))
    [call] = answer.tool_calls
    assert (call.id, call.name, call.arguments, call.error) == ("call_a", "click", {"id": "12"}, None)
    assert answer.finish_reason == "tool_calls"
    assert answer.to_message()["tool_calls"][0]["function"]["name"] == "click"
    request = llm_server.chat_requests[0]
    assert request.tools == TOOLS and request.tool_choice == "required"


def test_unparsable_tool_arguments_are_reported_not_raised(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_tool_call("click", '{"id": 12')
    [call] = complete_once(config(llm_server)).tool_calls
    assert call.arguments == {} and call.raw_arguments == '{"id": 12' and call.error is not None


def test_429_waits_for_retry_after(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = [rate_limited(retry_after=0.4), reply_text("ok")]
    answer = complete_once(config(llm_server))
    first, second = llm_server.chat_requests
    assert answer.text == "ok" and answer.attempts == 2
    assert second.received_at - first.received_at >= 0.38  # backoff alone would be <= 0.02 s


def test_retry_after_is_capped(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = [rate_limited(retry_after=60), reply_text("ok")]
    assert complete_once(config(llm_server, retry_after_max=0.05)).text == "ok"
    first, second = llm_server.chat_requests
    assert second.received_at - first.received_at < 30


@pytest.mark.parametrize(
    "fault", [server_error(500), server_error(503), drop_connection()], ids=["500", "503", "drop"]
)
def test_transient_faults_are_retried(llm_server: ScriptedLLMServer, fault: Any) -> None:
    llm_server.script = [fault, fault, reply_text("ok")]
    answer = complete_once(config(llm_server))
    assert answer.text == "ok" and answer.attempts == 3
    assert len(llm_server.chat_requests) == 3


def test_timeout_then_success(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = [slow(3.0, reply_text("late")), reply_text("ok")]
    answer = complete_once(config(llm_server, timeout=0.5))
    assert answer.text == "ok" and len(llm_server.chat_requests) == 2


def test_calls_that_keep_timing_out_name_the_timeout_as_the_fix(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = ScriptedSequence([], then=slow(3.0, reply_text("late")))
    with pytest.raises(LLMUnavailableError, match="after 2 attempts") as error:
        complete_once(config(llm_server, timeout=0.3, max_retries=1))
    assert "Fix: no answer came within timeout=0.3 s: raise timeout" in str(error.value)


def test_retries_run_out(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = ScriptedSequence([], then=server_error(502))
    with pytest.raises(LLMUnavailableError, match="after 3 attempts") as error:
        complete_once(config(llm_server, max_retries=2))
    assert error.value.status == 502 and len(llm_server.chat_requests) == 3


def test_a_rate_limit_that_outlasts_the_retries_names_its_own_fix(llm_server: ScriptedLLMServer) -> None:
    """Backoff settings do not apply to 429s with Retry-After: the fix is fewer concurrent calls or
    more (server-paced) retries."""
    llm_server.script = ScriptedSequence([], then=rate_limited(retry_after=0.01))
    with pytest.raises(LLMUnavailableError, match="after 2 attempts") as error:
        complete_once(config(llm_server, max_retries=1))
    assert error.value.status == 429
    assert "the endpoint rate-limits these calls: run fewer --workers" in str(error.value)
    assert "backoff_max" not in str(error.value)


@pytest.mark.parametrize(
    ("status", "error_type", "hint"),
    [
        (400, LLMRequestError, "context window"),
        (401, LLMAuthError, "PALAESTRA_LLM_API_KEY"),
        (404, LLMRequestError, "PALAESTRA_LLM_MODEL"),
    ],
)
def test_client_errors_are_not_retried(
    llm_server: ScriptedLLMServer, status: int, error_type: type[Exception], hint: str
) -> None:
    llm_server.script = http_error(status, "nope")
    with pytest.raises(error_type, match=hint) as error:
        complete_once(config(llm_server))
    assert getattr(error.value, "status", None) == status
    assert len(llm_server.chat_requests) == 1


@pytest.mark.parametrize(
    "body",
    [
        malformed_json(),  # truncated JSON
        malformed_json(b"<html><body>502 Bad Gateway</body></html>"),  # a proxy's page
        malformed_json(b""),
        malformed_json(b'{"error": "overloaded"}'),  # JSON, but no choices
        malformed_json(b"[" * 100_000 + b"]" * 100_000),  # JSON nested past the parser
    ],
)
def test_a_body_that_is_not_a_completion_is_retried_then_unavailable(
    llm_server: ScriptedLLMServer, body: Any
) -> None:
    llm_server.script = body
    with pytest.raises(LLMResponseError, match="base_url") as error:
        complete_once(config(llm_server))
    # The type decides: a kind of unavailability, which runs record as `model_unavailable` and retry.
    assert isinstance(error.value, LLMUnavailableError)
    assert len(llm_server.chat_requests) == 4  # the first try and max_retries=3 more


def test_a_malformed_body_then_a_good_one_succeeds(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = ScriptedSequence([malformed_json(), reply_text("click('3')")])
    assert complete_once(config(llm_server)).text == "click('3')"
    assert len(llm_server.chat_requests) == 2


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_response_over_the_size_cap_is_refused(llm_server: ScriptedLLMServer, chunked: bool) -> None:
    llm_server.script = oversized_body(3_000_000, chunked=chunked)
    with pytest.raises(LLMResponseTooLarge, match="more than 1000000 bytes") as error:
        complete_once(config(llm_server, max_response_bytes=1_000_000))
    assert "max_tokens" in str(error.value)
    assert len(llm_server.chat_requests) == 1  # refused, not retried
    # Under the cap the same kind of answer is read as usual.
    llm_server.script = oversized_body(500_000, chunked=chunked)
    assert len(complete_once(config(llm_server, max_response_bytes=1_000_000)).text) > 400_000


def test_unreadable_usage_counts_as_none(llm_server: ScriptedLLMServer) -> None:
    usage = b'"usage": {"prompt_tokens": "many", "completion_tokens": 1e999}'
    body = b'{"choices": [{"message": {"content": "ok"}}], ' + usage + b"}"
    llm_server.script = malformed_json(body)
    completion = complete_once(config(llm_server))
    assert (completion.text, completion.input_tokens, completion.output_tokens) == ("ok", 0, 0)


def test_spent_budget_sends_nothing(llm_server: ScriptedLLMServer) -> None:
    with pytest.raises(BudgetExceeded, match="no request was sent"):
        complete_once(config(llm_server), budget=Budget(max_tokens=0))
    assert llm_server.requests == []


def test_budget_is_shared_and_stops_the_next_call(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("one two three")  # 4 prompt + 3 completion tokens per call
    budget = Budget(max_tokens=10)

    async def body(first: ChatModel) -> None:
        await first.complete(USER)
        async with ChatModel(config(llm_server), budget=budget) as second:
            await second.complete(USER)  # 7 < 10: allowed, brings the run to 14
            with pytest.raises(BudgetExceeded):
                await second.complete(USER)
        with pytest.raises(BudgetExceeded):
            await first.complete(USER)

    run(body, config(llm_server), budget=budget)
    assert len(llm_server.chat_requests) == 2
    assert budget.spent.total_tokens == 14 and budget.exhausted


def test_cost_budget_from_config(llm_server: ScriptedLLMServer) -> None:
    cfg = config(llm_server, price_input_per_mtok=1e6, budget_cost=3.0)  # 1 per input token

    async def body(model: ChatModel) -> None:
        await model.complete(USER)  # 4 input tokens: cost 4 >= 3
        with pytest.raises(BudgetExceeded, match="cost"):
            await model.complete(USER)

    run(body, cfg)
    assert len(llm_server.chat_requests) == 1


def test_cache_hit_sends_nothing_and_costs_nothing(llm_server: ScriptedLLMServer, tmp_path: Path) -> None:
    llm_server.script = ScriptedSequence([reply_text("first"), reply_text("second")])
    cfg = config(llm_server, cache_dir=tmp_path, budget_tokens=100)

    async def body(model: ChatModel) -> tuple[Completion, Completion, int]:
        fresh = await model.complete(USER)
        cached = await model.complete(USER)
        return fresh, cached, model.budget.spent.total_tokens

    fresh, cached, spent = run(body, cfg)
    assert (fresh.text, fresh.cached) == ("first", False)
    assert (cached.text, cached.cached, cached.cost) == ("first", True, 0.0)
    assert spent == fresh.total_tokens and len(llm_server.chat_requests) == 1
    rerun = complete_once(cfg, budget=Budget(max_tokens=0))  # a new run: served from disk, free
    assert rerun.cached and rerun.text == "first" and len(llm_server.chat_requests) == 1


def test_cache_misses_when_the_request_changes(llm_server: ScriptedLLMServer, tmp_path: Path) -> None:
    complete_once(config(llm_server, cache_dir=tmp_path))
    complete_once(config(llm_server, cache_dir=tmp_path, temperature=0.7))
    run(lambda m: m.complete(USER, tools=TOOLS), config(llm_server, cache_dir=tmp_path))
    assert len(llm_server.chat_requests) == 3


def test_lone_surrogates_in_messages_are_sent_as_replacement_characters(
    llm_server: ScriptedLLMServer,
) -> None:
    """A page's text or an earlier answer may hold one; the request must still encode."""
    messages = [{"role": "user", "content": "click the \ud800 button"}]
    completion = run(lambda model: model.complete(messages), config(llm_server))
    assert completion.text
    assert llm_server.chat_requests[0].messages[0]["content"] == "click the \ufffd button"
