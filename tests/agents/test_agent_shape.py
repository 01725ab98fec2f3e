"""An agent class written the way another harness shapes agents is refused before the run, with the
fix; an answer that is not an `AgentStep` is refused with the fix instead of an AttributeError."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest

from palaestra.agents import Agent, AgentStep
from palaestra.agents.agent_shape import AgentAnswerError, next_step
from palaestra.agents.registry import agent_names, get_agent_spec
from palaestra.cli import main
from palaestra.config import ConfigError

MISSHAPEN = """
from palaestra.agents import Agent, AgentStep


class GetAction(Agent):
    def get_action(self, obs):
        return "click('1')", {}


class PlainAact(Agent):
    def aact(self, obs):
        return AgentStep(action="noop()")


class NoObservation(Agent):
    async def aact(self):
        return AgentStep(action="noop()")


class Fine(Agent):
    async def aact(self, obs, /):
        return AgentStep(action="noop()")
"""


@pytest.fixture
def module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> str:
    name = f"shapes_{request.node.name.replace('[', '_').replace(']', '').replace('-', '_')}"
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(MISSHAPEN))
    monkeypatch.syspath_prepend(str(tmp_path))
    return name


@pytest.mark.parametrize(
    ("cls", "said"),
    [
        ("GetAction", "It defines `get_action`, BrowserGym's and AgentLab's name for it"),
        ("PlainAact", "its `aact` is a plain function, and runs await it"),
        ("NoObservation", "its `aact(self)` cannot take the observation"),
    ],
)
def test_a_misshapen_agent_class_is_refused_naming_the_fix(module: str, cls: str, said: str) -> None:
    with pytest.raises(ConfigError) as refused:
        get_agent_spec(f"{module}:{cls}")
    assert said in str(refused.value)
    assert "Fix: " in str(refused.value) and "async def aact(self, obs) -> AgentStep" in str(refused.value)


def test_eval_stops_before_its_first_episode(module: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["eval", "--agent", f"{module}:GetAction", "--tasks", "click-test", "--seeds", "0", "--dry-run"]
    assert main(argv) == 2
    assert "get_action" in capsys.readouterr().err


def test_a_well_shaped_class_and_every_registered_agent_pass(module: str) -> None:
    assert get_agent_spec(f"{module}:Fine").factory(None)
    for name in agent_names():
        get_agent_spec(name)


class AnswersText(Agent):
    async def aact(self, obs: dict[str, object]) -> AgentStep:
        return "click('12')"  # type: ignore[return-value]  (the mistake under test)


class AnswersStep(Agent):
    async def aact(self, obs: dict[str, object]) -> AgentStep:
        return AgentStep(action="click('12')")


def test_an_answer_that_is_not_an_agent_step_names_the_fix() -> None:
    with pytest.raises(AgentAnswerError) as refused:
        asyncio.run(next_step(AnswersText(), {"goal": "x"}))
    assert "AnswersText.aact answered str" in str(refused.value)
    assert "Fix: return AgentStep(action=\"click('12')\")" in str(refused.value)
    assert asyncio.run(next_step(AnswersStep(), {"goal": "x"})).action == "click('12')"
