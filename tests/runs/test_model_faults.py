"""What a model's faults become in a run: decided by the exception's type, never by its text.

An answer that is not an action is the agent's failed step (re-asked, then a wasted step), never an
`agent_error`; a server that keeps sending bodies that are not completions is `model_unavailable`,
which runs retry; a response over the size cap is a `model_request` error, which they do not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import STEP_LIMIT, EpisodeOutcome
from palaestra.runs.report import write_report
from palaestra.runs.report_html import episode_page_name
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.store import RunStore
from palaestra.testing import (
    Answer,
    ScriptedLLMServer,
    ScriptRequest,
    oversized_body,
    rate_limited,
    reply_text,
    server_error,
)

HOSTILE = ["click(" + "-" * 9000 + "1)", "fill('1', '\ud800')", "+".join(["1"] * 4000)]


HERE = Path(__file__).parent


def play(entry: AgentEntry, run_dir: Path) -> EpisodeOutcome:
    worker = EpisodeWorker(RunSettings(max_steps=2, step_timeout=10.0, screenshots=False), str(run_dir))
    try:
        return worker.run(EpisodeSpec(entry, "miniwob.click-test", 0))
    finally:
        worker.close()


def play_synapse(server: ScriptedLLMServer, run_dir: Path, **args: str) -> EpisodeOutcome:
    config = {"model": "scripted-model", "base_url": server.base_url, "api_key": "k", **args}
    return play(AgentEntry("synapse", tuple(config.items())), run_dir)


def test_answers_that_are_never_actions_are_failed_steps_not_agent_errors(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    answers = iter(HOSTILE * 10)
    server = make_llm_server(lambda request: reply_text(next(answers)))
    run = tmp_path / "run"
    argv = ["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--agent-arg", "max_reasks=2", "--tasks", "click-test",
            "--seeds", "0", "--workers", "1", "--max-steps", "2", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(run)
    assert (row["error_kind"], row["outcome"]) == (None, STEP_LIMIT), row["error_message"]
    assert len(server.chat_requests) == 6  # an ask and two re-asks per step
    # The answers (a lone surrogate among them) are recorded, and the report shows them.
    page = write_report(run).parent / "episodes" / episode_page_name(row["key"])
    assert "fill(&#x27;1&#x27;, &#x27;\\ud800" in page.read_text(encoding="utf-8")


def test_an_oversized_response_is_a_model_request_error(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: oversized_body(5 * 1024 * 1024, chunked=True))
    out = play_synapse(server, tmp_path)
    assert out.error_kind == "model_request" and not out.retryable
    assert "max_response_bytes" in out.error_message
    assert len(server.chat_requests) == 1


def test_a_model_that_keeps_sending_unreadable_bodies_is_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(HERE))  # `runner_agents` resolves as a user's own agent class
    out = play(AgentEntry("runner_agents:UnreadableModelAgent"), tmp_path)
    assert out.error_kind == "model_unavailable" and out.retryable


def test_retries_of_a_rate_limited_endpoint_are_kept_with_the_episode(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two 429s (Retry-After 0.2 s) before the answer: the episode succeeds, and its record says
    that its agent's time holds 0.4 s of waiting for the endpoint, and why."""

    def script(request: ScriptRequest) -> Answer:
        if request.index < 2:
            return rate_limited(0.2)
        button = re.search(r"\[(\d+)\] button", "\n".join(str(m["content"]) for m in request.messages))
        return reply_text(f"```\nclick('{button.group(1) if button else 0}')\n```")

    server = make_llm_server(script)
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--tasks", "click-test", "--seeds", "0", "--workers", "1",
            "--max-steps", "2", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(run)
    assert row["success"] and len(server.chat_requests) == 3
    retried = json.loads(row["extra"])["model_retries"]
    assert retried == {"retries": 2, "waited_s": 0.4, "causes": {"429": 2}}  # the waits asked for
    shown = capsys.readouterr().out
    assert "Model calls retried (the endpoint's 429s, 5xx, timeouts; the waits are in s/ep):" in shown
    assert "  generic: 2 retries in 1 of 1 episodes (429 x2), 0.4 s waited" in shown
    index = write_report(run).read_text(encoding="utf-8")  # the report says it too
    assert "<br>  generic: 2 retries in 1 of 1 episodes (429 x2), 0.4 s waited" in index


def test_an_endpoint_that_goes_down_mid_run_stops_the_run_and_resumes_after(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer], capsys: pytest.CaptureFixture[str]
) -> None:
    """Two episodes answered, then 503 for every call: the run stops after five episodes in a row
    end model_unavailable, instead of spending the retries of all 20; once the endpoint is back,
    the same command runs the rest."""
    down = {"now": False}

    def script(request: ScriptRequest) -> Answer:
        if request.index >= 2:
            down["now"] = True
        if down["now"]:
            return server_error(503)
        return click_the_first_button(request)

    server = make_llm_server(script)
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--agent-arg", "max_retries=0", "--tasks", "click-test",
            "--seeds", "0-19", "--workers", "1", "--max-steps", "1", "--no-screenshots",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "palaestra eval: The model endpoint failed 5 episodes in a row, each after its own retries" in err
    assert "Once the endpoint answers again, run the same command to resume" in err
    rows = load_rows(run)
    assert sum(r["status"] == "done" for r in rows) == 2
    assert [r["error_kind"] for r in rows if r["status"] == "error"] == ["model_unavailable"] * 5
    with RunStore(run, readonly=True) as store:
        assert [i["status"] for i in store.invocations()] == ["stopped"]

    down["now"] = False
    server.script = click_the_first_button
    assert main(argv) == 0
    rows = load_rows(run)
    assert len(rows) == 20 and all(r["success"] for r in rows)


def click_the_first_button(request: ScriptRequest) -> Answer:
    button = re.search(r"\[(\d+)\] button", "\n".join(str(m["content"]) for m in request.messages))
    return reply_text(f"```\nclick('{button.group(1) if button else 0}')\n```")
