"""Synapse against a model whose window is smaller than our token counts said, on a real page.

Synapse fits its prompt to `context_window` by our tokenizer's counts, estimates of the model's.
Before, a prompt the model still refused as too long ended the episode at the first refusal; now it
is fitted again to a smaller window (exemplars dropped first), and the episode goes on.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from palaestra.agents import TaskInfo
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.agents.synapse import SynapseAgent, SynapseConfig
from palaestra.envs import BrowserEnv
from palaestra.memory import Exemplar, Hit
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text
from palaestra.testing.script import Answer
from palaestra.testing.wire import prompt_tokens

from .scripted_models import SmallWindow


def exemplar(word: str) -> Exemplar:
    state = f"[9] button {word}\n" + "[3] text filler words " * 20
    return Exemplar(
        goal=f'Click on the "{word}" button.', task="click-button", id=word,
        trajectory=[{"state": state, "action": "click('9')"}],
    )  # fmt: skip


EXEMPLARS = [exemplar(word) for word in ("Okay", "Submit", "Next")]


class FixedExemplars:
    def search(self, goal: str, k: int) -> list[Hit]:
        return [(exemplar, 0.9) for exemplar in EXEMPLARS[:k]]


def click_in_current_state(request: ScriptRequest) -> Answer:
    """Clicks the button the task names in the prompt's current state (Synapse's `State:` after `Now`)."""
    current = request.messages[-1]["content"].rsplit("Now\n", 1)[1]
    name = re.search(r'Click on the "([^"]+)" button', current)
    assert name, current
    state = current.rsplit("State:\n", 1)[1]
    found = re.search(r"^\[(\w+)\] button " + re.escape(name.group(1)) + "$", state, re.MULTILINE)
    return reply_text(f"Action: click('{found.group(1)}')" if found else "noop()")


def test_a_prompt_refused_as_too_long_is_fitted_to_a_smaller_window_and_answered(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    model = SmallWindow(click_in_current_state)
    server = make_llm_server(model)
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=0)
    agent = SynapseAgent(
        SynapseConfig(exemplars=3), model=ChatModel(llm), source=FixedExemplars(),
        counter=WhitespaceTokenCounter(),
    )  # fmt: skip
    env = make_env("miniwob.click-button")
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    step = agent.act(obs)  # type: ignore[arg-type]
    _, _, terminated, _, info = env.step(step.action)
    assert terminated and info["success"]
    assert step.extra["context_shrinks"] == 1
    first, second = server.chat_requests
    assert prompt_tokens(first) > model.window >= prompt_tokens(second)
    assert first.messages[-1]["content"].count("Example ") > second.messages[-1]["content"].count("Example ")
    assert step.messages == second.messages  # the step records what was answered
