"""What a model's faults become in a run: decided by the exception's type, never by its text.

An answer that is not an action is the agent's failed step (re-asked, then a wasted step), never an
`agent_error`; a server that keeps sending bodies that are not completions is `model_unavailable`,
which runs retry; a response over the size cap is a `model_request` error, which they do not.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import STEP_LIMIT, EpisodeOutcome
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.testing import ScriptedLLMServer, oversized_body, reply_text

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
    out = play_synapse(server, tmp_path, max_reasks="2")
    assert (out.error_kind, out.outcome) == ("", STEP_LIMIT), out.error_message
    assert len(server.chat_requests) == 6  # an ask and two re-asks per step


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
