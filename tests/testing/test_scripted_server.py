"""The scripted server, driven by the real ``openai`` SDK over real loopback HTTP."""

from __future__ import annotations

import base64
import json
import math
import struct
import threading
import time
import urllib.request
from collections.abc import Callable
from typing import Any

import openai
import pytest

from palaestra.testing import (
    Answer,
    ScriptedLLMServer,
    ScriptedSequence,
    ScriptRequest,
    drop_connection,
    garbage_text,
    http_error,
    malformed_json,
    rate_limited,
    reply_text,
    reply_tool_call,
    server_error,
    slow,
)

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "click",
            "description": "Click an element.",
            "parameters": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
        },
    }
]
USER = [{"role": "user", "content": "click the OK button"}]


def client(server: ScriptedLLMServer, timeout: float = 5.0) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.base_url, api_key="sk-test", max_retries=0, timeout=timeout)


def ask(sdk: openai.OpenAI, **params: Any) -> Any:
    """``chat.completions.create`` with test defaults (plain dicts, so typed as Any)."""
    return sdk.chat.completions.create(**{"model": "m", "messages": USER, **params})


def test_plain_completion_reports_usage_and_records_the_request(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("click('12')")
    answer = ask(client(llm_server), model="m1")
    assert answer.choices[0].message.content == "click('12')"
    assert answer.choices[0].finish_reason == "stop"
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (4, 1)
    [request] = llm_server.requests
    assert (request.method, request.path, request.model, request.index) == (
        "POST",
        "/v1/chat/completions",
        "m1",
        0,
    )
    assert request.messages == USER
    assert request.headers["authorization"] == "Bearer sk-test"


def test_tool_call_completion(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_tool_call("click", {"id": "12"})
    answer = ask(client(llm_server), tools=TOOLS, tool_choice="required")
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls is not None
    [call] = choice.message.tool_calls
    assert call.function.name == "click"
    assert json.loads(call.function.arguments) == {"id": "12"}
    request = llm_server.chat_requests[0]
    assert request.tools == TOOLS and request.tool_choice == "required"


def test_script_sees_the_request_and_its_index(llm_server: ScriptedLLMServer) -> None:
    seen: list[ScriptRequest] = []

    def script(request: ScriptRequest) -> Answer:
        seen.append(request)
        return reply_text(f"call {request.index}: {request.last_user_text()}")

    llm_server.script = script
    sdk = client(llm_server)
    texts = [ask(sdk).choices[0].message.content for _ in range(2)]
    assert texts == ["call 0: click the OK button", "call 1: click the OK button"]
    assert [r.index for r in seen] == [0, 1]


def test_streaming_text_tool_calls_and_usage(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_tool_call("type", {"text": "hello"}, text="typing now")
    stream = ask(client(llm_server), stream=True, stream_options={"include_usage": True})
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    args = "".join(
        t.function.arguments or ""
        for c in chunks
        if c.choices
        for t in c.choices[0].delta.tool_calls or []
        if t.function is not None
    )
    names = [
        t.function.name
        for c in chunks
        if c.choices
        for t in c.choices[0].delta.tool_calls or []
        if t.function
    ]
    assert text == "typing now"
    assert json.loads(args) == {"text": "hello"}
    assert [n for n in names if n] == ["type"]
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert chunks[-1].usage.prompt_tokens == 4


def test_raw_stream_is_sse_ending_in_done(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("a b c")
    body = json.dumps({"model": "m", "messages": USER, "stream": True}).encode()
    request = urllib.request.Request(
        llm_server.base_url + "/chat/completions", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        events = [e for e in response.read().decode().split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events)
    assert events[-1] == "data: [DONE]"
    assert all("usage" not in json.loads(e[6:]) for e in events[:-1])  # not asked for


def test_embeddings_are_deterministic_unit_vectors(make_llm_server: Callable[..., ScriptedLLMServer]) -> None:
    server = make_llm_server(embedding_dim=32)
    sdk = client(server)
    first = sdk.embeddings.create(model="e", input=["red apple pie", "red apple tart", "quantum flux"])
    again = sdk.embeddings.create(model="e", input="red apple pie", encoding_format="base64")
    vectors = [d.embedding for d in first.data]
    assert all(len(v) == 32 for v in vectors)
    assert math.isclose(sum(x * x for x in vectors[0]), 1.0, rel_tol=1e-6)
    packed = base64.b64decode(again.data[0].embedding)  # type: ignore[arg-type]  # asked for base64
    assert list(struct.unpack("<32f", packed)) == pytest.approx(vectors[0], abs=1e-6)

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])
    assert first.usage.prompt_tokens == 8
    assert len(sdk.embeddings.create(model="e", input="x", dimensions=8).data[0].embedding) == 8


def test_models_endpoint(make_llm_server: Callable[..., ScriptedLLMServer]) -> None:
    server = make_llm_server(models=["alpha", "beta"])
    assert [m.id for m in client(server).models.list()] == ["alpha", "beta"]


def test_faults_reach_the_sdk_as_its_own_errors(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = ScriptedSequence(
        [
            rate_limited(2.5),
            server_error(503),
            http_error(401, "bad key"),
            malformed_json(),
            drop_connection(),
        ]
    )
    sdk = client(llm_server)
    with pytest.raises(openai.RateLimitError) as limited:
        ask(sdk)
    assert limited.value.response.headers["retry-after"] == "2.5"
    with pytest.raises(openai.InternalServerError) as unavailable:
        ask(sdk)
    assert unavailable.value.status_code == 503
    with pytest.raises(openai.AuthenticationError):
        ask(sdk)
    with pytest.raises(json.JSONDecodeError):
        ask(sdk)
    with pytest.raises(openai.APIConnectionError):
        ask(sdk)
    assert len(llm_server.requests) == 5


def test_slow_answer_times_the_client_out(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = slow(1.0, reply_text("late"))
    with pytest.raises(openai.APITimeoutError):
        ask(client(llm_server, timeout=0.2))


def test_garbage_text_is_a_valid_completion(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = garbage_text()
    content = ask(client(llm_server)).choices[0].message.content
    assert content and "garbage" in content


def test_exhausted_sequence_fails_loudly(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = [reply_text("only one")]
    sdk = client(llm_server)
    ask(sdk)
    with pytest.raises(openai.BadRequestError, match="ScriptedSequence"):
        ask(sdk)
    assert len(llm_server.script_errors) == 1


def test_binds_loopback_and_stops_cleanly() -> None:
    server = ScriptedLLMServer(reply_text("hi"))
    with server:
        assert server.url.startswith("http://127.0.0.1:")
        port = server.port
        ask(client(server))
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.port
    with ScriptedLLMServer(reply_text("again"), port=port) as again:  # the port is free again
        assert again.port == port
        assert ask(client(again)).choices[0].message.content == "again"
        with pytest.raises(OSError, match=f"port {port} of 127.0.0.1 is taken: give another port, or none"):
            ScriptedLLMServer(reply_text("taken"), port=port).start()


def test_stop_cuts_a_slow_answer_instead_of_waiting_for_it() -> None:
    server = ScriptedLLMServer(slow(3600)).start()
    outcome: list[object] = []

    def waiting_client() -> None:
        try:
            outcome.append(ask(client(server, timeout=60)).choices[0].message.content)
        except openai.APIConnectionError as exc:
            outcome.append(exc)

    caller = threading.Thread(target=waiting_client)
    caller.start()
    deadline = time.monotonic() + 30
    while not server.chat_requests:  # stop only once the handler is inside its hour-long wait
        assert caller.is_alive() and time.monotonic() < deadline, f"the request never arrived: {outcome}"
        time.sleep(0.01)
    stopper = threading.Thread(target=server.stop)
    stopper.start()
    stopper.join(120)  # a watchdog, not a measurement: the answer was due in an hour
    assert not stopper.is_alive(), "stop() is waiting for the slow answer"
    caller.join(120)
    # Cut, not answered: the client sees its connection closed, not an answer.
    assert len(outcome) == 1 and isinstance(outcome[0], openai.APIConnectionError), outcome
