"""The executor: validation before calling, timeouts, retries by exception type, the destructive
policy, result checks, and messages a model can act on."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from palaestra.routing import (
    Annotations,
    ApiCallError,
    ApiExecutor,
    ApiRecord,
    ApiRegistry,
    ApiTimeoutError,
    ApiTransportError,
    FeedbackStore,
)

SAFE = Annotations(read_only=True, destructive=False, idempotent=True)
WRITE = Annotations(read_only=False, destructive=False, idempotent=False)
IDEMPOTENT_WRITE = Annotations(read_only=False, destructive=False, idempotent=True)


class Scripted:
    """A handler that plays back a script of results/exceptions and counts its calls."""

    def __init__(self, *outcomes: Any, delay_s: float = 0.0) -> None:
        self.outcomes, self.delay_s = list(outcomes), delay_s
        self.calls: list[dict[str, Any]] = []
        self.finished = 0  # calls that ran to their end (not cancelled by a timeout)

    async def call(self, arguments: dict[str, Any]) -> Any:
        self.calls.append(arguments)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        self.finished += 1
        outcome = self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def setup(
    handler: Scripted,
    *,
    annotations: Annotations = SAFE,
    parameters: dict[str, Any] | None = None,
    result: dict[str, Any] | None = None,
    **options: Any,
) -> tuple[ApiRegistry, ApiExecutor]:
    registry = ApiRegistry()
    registry.add(
        ApiRecord(
            namespace="svc",
            name="op",
            description="An operation.",
            parameters=parameters or {"type": "object", "properties": {}},
            result=result,
            annotations=annotations,
        ),
        handler,
    )
    options.setdefault("backoff_s", 0.001)
    return registry, ApiExecutor(registry, **options)


BOOKING = {
    "type": "object",
    "properties": {
        "city": {"type": "string"},
        "nights": {"type": "integer", "minimum": 1},
        "guests": {"type": "array", "items": {"type": "object", "properties": {"age": {"type": "integer"}}}},
        "room": {"enum": ["single", "double"]},
    },
    "required": ["city", "nights"],
    "additionalProperties": False,
}


def test_success() -> None:
    handler = Scripted({"booked": True})
    _, executor = setup(handler, parameters=BOOKING)
    result = asyncio.run(executor.call("svc/op", {"city": "Oslo", "nights": 2}))
    assert result.ok and not result.is_error
    assert result.content == {"booked": True}
    assert result.attempts == 1 and result.error_kind is None and result.message == ""
    assert result.for_model() == '{"booked": true}'
    assert handler.calls == [{"city": "Oslo", "nights": 2}]


def test_every_violation_is_listed_and_nothing_is_sent() -> None:
    handler = Scripted("never")
    _, executor = setup(handler, parameters=BOOKING)
    arguments = {"nights": 0, "guests": [{"age": "ten"}], "room": "suite", "pets": 2}
    result = asyncio.run(executor.call("svc/op", arguments))
    assert result.error_kind == "invalid_arguments"
    assert handler.calls == []
    assert result.message.splitlines() == [
        "Invalid arguments for `svc/op`:",
        "- (arguments): 'city' is a required property",
        "- (arguments): Additional properties are not allowed ('pets' was unexpected)",
        "- `guests[0].age`: 'ten' is not of type 'integer'",
        "- `nights`: 0 is less than the minimum of 1",
        "- `room`: 'suite' is not one of ['single', 'double']",
        "Expected arguments: city (string, required); nights (integer, required); guests (array); "
        'room (one of "single", "double"). Fix the arguments and call `svc/op` again.',
    ]


def test_json_text_arguments_and_bad_json() -> None:
    handler = Scripted("ok")
    _, executor = setup(handler, parameters=BOOKING)
    assert asyncio.run(executor.call("svc/op", '{"city": "Rome", "nights": 1}')).ok
    bad = asyncio.run(executor.call("svc/op", '{"city": '))
    assert bad.error_kind == "invalid_arguments" and "not valid JSON" in bad.message
    listed = asyncio.run(executor.call("svc/op", "[1, 2]"))
    assert listed.error_kind == "invalid_arguments" and "not list" in listed.message


def test_unknown_api_suggests_names_and_provider_names_work() -> None:
    _, executor = setup(Scripted("ok"))
    unknown = asyncio.run(executor.call("svc/opp", {}))
    assert unknown.error_kind == "unknown_api" and unknown.attempts == 0
    assert "Did you mean: `svc/op`" in unknown.message
    assert asyncio.run(executor.call("svc__op", {})).ok


def test_timeout() -> None:
    handler = Scripted("late", delay_s=30.0)
    _, executor = setup(handler, annotations=WRITE, timeout_s=0.05)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "timeout"
    assert result.attempts == 1
    assert len(handler.calls) == 1 and handler.finished == 0  # cancelled, not waited for
    assert "did not answer within 0.05 s" in result.message


def test_idempotent_apis_are_retried_on_transport_errors() -> None:
    handler = Scripted(ApiTransportError("reset"), ApiTimeoutError("slow"), {"value": 1})
    _, executor = setup(handler, annotations=SAFE, max_retries=2)
    result = asyncio.run(executor.call("svc/op"))
    assert result.ok and result.attempts == 3 and len(handler.calls) == 3
    assert result.content == {"value": 1}


def test_retries_stop_after_max_retries_and_say_so() -> None:
    handler = Scripted(ConnectionResetError("peer reset"))
    _, executor = setup(handler, annotations=IDEMPOTENT_WRITE, max_retries=3)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "transport"
    assert result.attempts == 4 and len(handler.calls) == 4
    assert result.message.endswith("(Tried 4 times.)")


def test_timeouts_of_idempotent_apis_are_retried() -> None:
    handler = Scripted("late", delay_s=2.0)
    _, executor = setup(handler, annotations=SAFE, timeout_s=0.02, max_retries=1)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "timeout" and result.attempts == 2


def test_non_idempotent_apis_are_not_retried() -> None:
    handler = Scripted(ApiTransportError("reset"), "ok")
    _, executor = setup(handler, annotations=WRITE, max_retries=5)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "transport" and result.attempts == 1 and len(handler.calls) == 1


def test_retry_is_decided_by_type_not_by_message() -> None:
    handler = Scripted(ValueError("connection reset by peer, timeout"), "ok")
    _, executor = setup(handler, annotations=SAFE, max_retries=5)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "api_error" and result.attempts == 1
    assert result.message == "`svc/op` failed: ValueError: connection reset by peer, timeout"
    api_error = Scripted(ApiCallError("HTTP 400: bad city", content={"error": "bad city"}))
    _, executor = setup(api_error, annotations=SAFE, max_retries=5)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "api_error" and result.attempts == 1
    assert result.content == {"error": "bad city"}


def test_destructive_calls_need_permission() -> None:
    destructive = Annotations(read_only=False, destructive=True)
    handler = Scripted("deleted")
    registry, executor = setup(handler, annotations=destructive)
    refused = asyncio.run(executor.call("svc/op"))
    assert refused.error_kind == "not_allowed" and handler.calls == []
    assert "destructive calls are not allowed" in refused.message
    assert asyncio.run(ApiExecutor(registry, allow_destructive={"svc/op"}).call("svc/op")).ok
    assert asyncio.run(ApiExecutor(registry, allow_destructive=True).call("svc/op")).ok
    assert asyncio.run(ApiExecutor(registry, allow_destructive={"svc/other"}).call("svc/op")).error_kind == (
        "not_allowed"
    )
    # MCP: the destructive hint only means something when the API is not read-only.
    _, executor = setup(Scripted("ok"), annotations=Annotations(read_only=True, destructive=True))
    assert asyncio.run(executor.call("svc/op")).ok


def test_results_are_checked_against_the_result_schema() -> None:
    schema = {"type": "object", "properties": {"temp": {"type": "number"}}, "required": ["temp"]}
    _, executor = setup(Scripted({"temp": "warm"}), result=schema)
    result = asyncio.run(executor.call("svc/op"))
    assert result.error_kind == "invalid_result"
    assert result.content == {"temp": "warm"}
    assert "- `temp`: 'warm' is not of type 'number'" in result.message
    _, executor = setup(Scripted({"temp": 21.5}), result=schema)
    assert asyncio.run(executor.call("svc/op")).ok


def test_description_only_records_cannot_be_called() -> None:
    registry = ApiRegistry()
    registry.add(ApiRecord(namespace="doc", name="only", description="Described.", annotations=SAFE))
    result = asyncio.run(ApiExecutor(registry).call("doc/only"))
    assert result.error_kind == "no_handler" and result.attempts == 0


def test_call_sync_and_its_guard() -> None:
    _, executor = setup(Scripted(7))
    assert executor.call_sync("svc/op").content == 7

    async def inside_a_loop() -> None:
        executor.call_sync("svc/op")

    with pytest.raises(RuntimeError, match="inside a running event loop"):
        asyncio.run(inside_a_loop())


def test_outcomes_are_recorded_in_the_feedback_store() -> None:
    feedback = FeedbackStore()
    handler = Scripted("ok", ValueError("boom"))
    _, executor = setup(handler, parameters=BOOKING, feedback=feedback)

    async def calls() -> None:
        await executor.call("svc/op", {"city": "A", "nights": 1}, episode_id="ep1")
        await executor.call("svc/op", {"city": "A", "nights": 1}, episode_id="ep1")
        await executor.call("svc/op", {"nights": 1}, episode_id="ep1")
        await executor.call("svc/nope", {})  # unknown names say nothing about an API

    asyncio.run(calls())
    stats = feedback.stats("svc/op")
    assert (stats.calls, stats.successes) == (3, 1)
    assert feedback.all_stats() == [stats]
    assert [kind for kind, _ in feedback.worst(1)[0].top_errors] == ["api_error", "invalid_arguments"]


def test_bad_configuration_raises() -> None:
    with pytest.raises(ValueError, match="timeout_s must be positive"):
        ApiExecutor(ApiRegistry(), timeout_s=0)
