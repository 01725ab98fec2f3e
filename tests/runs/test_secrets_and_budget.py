"""Runs of an LLM agent against the scripted server: secrets never recorded, one budget per run."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.redaction import REDACTED, Redactor, is_secret_key, redact_logs, remember
from palaestra.runs.results import load_rows
from palaestra.testing import ScriptedLLMServer, ScriptRequest, http_error, reply_text

KEY = "sk-live-9f8e7d6c5b4a39281706"


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("api_key", True), ("OPENAI_API_KEY", True), ("apiKey", True), ("hf_token", True),
        ("DB_PASSWORD", True), ("client_secret", True), ("Authorization", True),
        ("max_tokens", False), ("budget_tokens", False), ("tokens_in", False), ("model", False),
        ("key_fields", False), ("basic_auth", True), ("RAY_AUTH_MODE", False),
    ],
)  # fmt: skip
def test_secret_keys_are_known_by_name(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


def test_secrets_are_redacted_by_value_by_name_and_in_command_lines() -> None:
    redactor = Redactor([KEY])
    assert (
        redactor.text(f"401: Incorrect API key provided: {KEY}.")
        == f"401: Incorrect API key provided: {REDACTED}."
    )
    assert (
        redactor.text('{"token": "abc123", "max_tokens": 256}')
        == f'{{"token": "{REDACTED}", "max_tokens": 256}}'
    )
    # the credential goes; its scheme (how it was sent) is no secret and stays readable
    assert redactor.text("Authorization: Bearer abcdefghijkl") == f"Authorization: Bearer {REDACTED}"
    assert redactor.value({"args": {"api_key": "x", "model": "m"}, "n": 1}) == {
        "args": {"api_key": REDACTED, "model": "m"}, "n": 1
    }  # fmt: skip
    assert redactor.argv(["eval", "--agent-arg", "api_key=abc", "--hf-token", "abc", "--seeds", "0"]) == [
        "eval", "--agent-arg", f"api_key={REDACTED}", "--hf-token", REDACTED, "--seeds", "0"
    ]  # fmt: skip
    assert redactor.text(f"api_key={REDACTED}") == f"api_key={REDACTED}"  # idempotent


def test_log_records_are_redacted_whatever_the_logger(caplog: pytest.LogCaptureFixture) -> None:
    remember([KEY])
    redact_logs()
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("calling with key %s and token=%s", KEY, "abcdefgh")
    assert caplog.messages == [f"calling with key {REDACTED} and token={REDACTED}"]


def every_file(run: Path) -> dict[str, bytes]:
    return {str(p.relative_to(run)): p.read_bytes() for p in run.rglob("*") if p.is_file()}


def synapse(server: ScriptedLLMServer, *args: str) -> list[str]:
    pairs = [f"model={server.models[0]}", f"base_url={server.base_url}", *args]
    return ["--agent", "synapse", *(x for pair in pairs for x in ("--agent-arg", pair))]


def test_an_api_key_is_used_but_never_recorded_and_rotating_it_resumes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def script(request: ScriptRequest) -> object:
        if request.index == 0:
            return reply_text("noop(0)", prompt_tokens=100, completion_tokens=5)
        return http_error(401, f"Incorrect API key provided: {KEY}.", "invalid_api_key")  # as OpenAI does

    run = tmp_path / "run"
    with ScriptedLLMServer(script) as server:
        argv = ["eval", *synapse(server, f"api_key={KEY}"), "--tasks", "click-test", "--seeds", "0-1",
                "--workers", "1", "--max-steps", "1", "--no-screenshots", "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
        assert {r.headers.get("authorization") for r in server.chat_requests} == {f"Bearer {KEY}"}
        errored = [r for r in load_rows(run) if r["status"] == "error"]
        assert [r["error_kind"] for r in errored] == ["model_request"]
        assert f"Incorrect API key provided: {REDACTED}" in errored[0]["error_message"]
        # Rotating the key is not a new configuration: the run resumes (nothing is left to run).
        rotated = [a.replace(KEY, "sk-live-rotated-000000000") for a in argv]
        assert main(rotated) == 0
        assert len(server.chat_requests) == 2
    assert main(["show", str(run)]) == 0
    assert main(["report", str(run)]) == 0
    shown = capsys.readouterr()
    files = every_file(run)
    assert "results.sqlite" in files and "report/index.html" in files
    leaks = [name for name, data in files.items() if KEY.encode() in data]
    assert leaks == [] and KEY not in shown.out + shown.err
    index = files["report/index.html"].decode()
    assert f"--agent-arg &#x27;api_key={REDACTED}&#x27; --tasks" in index  # the command, in the record
    assert "&quot;api_key&quot;,\n     &quot;[redacted]&quot;" in index  # the configuration
    with sqlite3.connect(run / "results.sqlite") as db:
        hashes = {h for (h,) in db.execute("SELECT DISTINCT agent_hash FROM episodes")}
    assert len(hashes) == 1


def test_the_llm_budget_is_one_for_the_whole_run_over_every_worker(tmp_path: Path) -> None:
    per_call = 250  # tokens each answer reports
    budget = 2500
    both_asking = threading.Event()

    def script(request: ScriptRequest) -> object:
        """The first answer waits for the second question: both workers are spending at once."""
        if request.index == 1:
            both_asking.set()
        both_asking.wait(timeout=50)
        return reply_text("noop(0)", prompt_tokens=200, completion_tokens=50)

    run = tmp_path / "run"
    with ScriptedLLMServer(script) as server:
        argv = ["eval", *synapse(server, f"budget_tokens={budget}"), "--tasks", "click-test,click-button",
                "--seeds", "0-3", "--workers", "2", "--max-steps", "4", "--no-screenshots",
                "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
        calls = len(server.chat_requests)
        rows = load_rows(run)
        spent = sum(r["tokens_in"] + r["tokens_out"] for r in rows)
        # Requests are sent only while the budget lasts; each of the 2 workers may have one in flight.
        assert spent == calls * per_call
        assert budget <= spent <= budget + 2 * per_call
        assert {r["worker"] for r in rows if r["steps"]} == {"w0", "w1"}
        stopped = [r for r in rows if r["error_kind"] == "budget_exceeded"]
        assert stopped and "over all workers" in stopped[0]["error_message"]
        # A larger budget resumes the run: the stopped episodes run again, and it stays per run.
        assert main([a.replace(f"budget_tokens={budget}", f"budget_tokens={2 * budget}") for a in argv]) == 0
        total = len(server.chat_requests) * per_call
        assert 2 * budget <= total <= 2 * budget + 2 * per_call
