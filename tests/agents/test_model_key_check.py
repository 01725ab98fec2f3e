"""An LLM agent whose model would be asked at OpenAI's API (no base URL anywhere) with no key anywhere
stops the run before it starts, naming the key and the base URL, instead of every episode spending
its retries and ending as `model_unavailable` ("check that the server is up")."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palaestra.agents.llm.config import ENV_API_KEY, ENV_BASE_URL, ENV_MODEL
from palaestra.agents.registry import check_agent
from palaestra.cli import main
from palaestra.config import ConfigError
from palaestra.testing import ScriptedLLMServer


@pytest.fixture(autouse=True)
def no_llm_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*ENV_BASE_URL, *ENV_API_KEY, *ENV_MODEL):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("agent", ["generic", "synapse"])
def test_a_model_at_openais_api_without_a_key_is_refused_with_the_fix(agent: str) -> None:
    with pytest.raises(ConfigError) as refused:
        check_agent(agent, {"model": "gpt-4o"})
    said = str(refused.value)
    assert "no key is set" in said and "OPENAI_API_KEY" in said and "base_url=http://HOST:PORT/v1" in said


def test_eval_stops_before_its_first_episode(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=gpt-4o", "--tasks", "click-test", "--dry-run"]
    assert main(argv) == 2
    assert "no key is set" in capsys.readouterr().err


@pytest.mark.parametrize("agent", ["generic", "synapse"])
def test_a_key_or_a_server_of_ones_own_passes(
    agent: str, monkeypatch: pytest.MonkeyPatch, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    check_agent(agent, {"model": "gpt-4o", "api_key": "sk-given"})
    check_agent(agent, {"model": "local", "base_url": make_llm_server().base_url})  # no key needed
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    check_agent(agent, {"model": "gpt-4o"})


def test_a_run_left_to_the_embedded_model_says_so_before_it_starts(
    capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """No model anywhere is the embedded 270M model, minutes an episode: said, not silently taken."""
    argv = ["eval", "--agent", "generic", "--tasks", "click-test", "--seeds", "0", "--dry-run"]
    assert main(argv) == 0
    assert "Note: generic has no model endpoint" in capsys.readouterr().out
    served = ["--agent-arg", "model=local", "--agent-arg", f"base_url={make_llm_server().base_url}"]
    assert main([*argv[:3], *served, *argv[3:]]) == 0
    assert "embedded" not in capsys.readouterr().out
