"""Elements named by reference: the state, the translation of actions both ways, the grammar
(compiled by llama.cpp's own GBNF parser), and Synapse over the wire with a grammar-taking model."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable

import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.element_refs import (
    action_grammar,
    exemplar_step,
    from_refs,
    refer_state,
    to_refs,
)
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.agents.llm.errors import LLMCapabilityError
from palaestra.agents.synapse import SynapseAgent, SynapseConfig
from palaestra.config import ConfigError
from palaestra.envs import BrowserEnv
from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.actions.types import ALL_ACTIONS
from palaestra.memory import Exemplar, Hit
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text
from palaestra.testing.script import Answer

ACTIONS = ActionSet("all", ALL_ACTIONS)
STATE = """[12] focused textbox First name = "Kasey"
[14,15,16] textbox
[20] button okay
[21] button okay
[22] checked checkbox Remember [me]
Tool results:
weather: 21 C"""


def test_refer_state_names_every_element_once() -> None:
    state = refer_state(STATE)
    assert state.text.splitlines() == [
        '[textbox First name] focused = "Kasey"',
        "[textbox (1)]",
        "[textbox (2)]",
        "[textbox (3)]",
        "[button okay (1)]",
        "[button okay (2)]",
        "[checkbox Remember (me)] checked",
        "Tool results:",
        "weather: 21 C",
    ]
    assert state.ids["textbox (3)"] == "16" and state.ids["button okay (2)"] == "21"
    assert len(set(state.ids.values())) == len(state.ids) == 7


def test_actions_translate_both_ways() -> None:
    state = refer_state(STATE)
    shown = to_refs("fill('12', 'Lyle')\nclick('16')\nscroll(0, 200)", state, ACTIONS)
    assert shown == "fill([textbox First name], 'Lyle')\nclick([textbox (3)])\nscroll(0.0, 200.0)"
    assert shown is not None
    assert from_refs(shown, state) == "fill('12', 'Lyle')\nclick('16')\nscroll(0.0, 200.0)"
    assert to_refs("click('99')", state, ACTIONS) is None  # not shown: cannot be named
    assert from_refs("click([button nope])", state) == "click([button nope])"  # left for the parser


def test_a_click_at_an_elements_centre_becomes_a_click_on_it() -> None:
    point = {"element": {"role": "button", "tag": "button", "name": "ONE"}, "offset": [0.5, 0.5]}
    step = {
        "state": "[15] button ONE\n[16] button TWO",
        "action": "mouse_click(24.0, 80.0)",
        "points": [point],
    }
    assert exemplar_step(step, ACTIONS) == ("[button ONE]\n[button TWO]", "click([button ONE])")
    off_centre = {**point, "offset": [0.05, 0.9]}
    step = {**step, "points": [off_centre]}
    assert exemplar_step(step, ACTIONS)[1] == "mouse_click(24.0, 80.0)"


def test_the_grammar_compiles_and_lists_only_the_pages_elements() -> None:
    import llama_cpp  # llama-cpp-python, which scripts/setup installs

    state = refer_state(STATE)
    grammar = action_grammar(state, ACTIONS, ["click", "fill", "press", "scroll"])
    assert '"[button okay (2)]"' in grammar and "select_option" not in grammar
    assert '"press(" el ", " str ")"' in grammar and '"press(" str ")"' in grammar
    assert '"scroll(" num ", " num (", " el)? ")"' in grammar
    assert llama_cpp.LlamaGrammar.from_string(grammar, verbose=False) is not None
    # the last step's call may not start the answer again; every other element may
    again = action_grammar(state, ACTIONS, ["click", "fill"], avoid="click([button okay (1)])")
    first = next(line for line in again.splitlines() if line.startswith("first ::="))
    other = next(line for line in again.splitlines() if line.startswith("other ::="))
    assert '"click(" other ")"' in first and '"fill(" el ", " str ")"' in first
    assert "[button okay (1)]" not in other and "[button okay (2)]" in other
    assert llama_cpp.LlamaGrammar.from_string(again, verbose=False) is not None


class FixedExemplars:
    def __init__(self, exemplars: list[Exemplar]) -> None:
        self.exemplars = exemplars

    def search(self, goal: str, k: int) -> list[Hit]:
        return [(exemplar, 0.9) for exemplar in self.exemplars[:k]]


def click_by_reference(request: ScriptRequest) -> Answer:
    """A model that copies the goal's word into a reference the grammar allows."""
    name = re.findall(r'Click on the "([^"]+)" button', request.prompt)[-1]
    refs = re.findall(r'"(\[button ' + re.escape(name) + r'(?: \(\d+\))?\])"', request.json["grammar"])
    return reply_text(f" click({refs[0]})" if refs else " noop()")


def test_synapse_names_elements_by_reference_with_a_grammar_model(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_by_reference)
    llm = LLMConfig(
        model="scripted-model", base_url=server.base_url, api_key="test",
        capabilities="completion,grammar",
    )  # fmt: skip
    exemplar = Exemplar(
        goal='Click on the "Okay" button.',
        task="click-button",
        trajectory=[{"state": "[9] button Okay\n[10] button Cancel", "action": "click('9')"}],
    )
    agent = SynapseAgent(
        SynapseConfig(), model=ChatModel(llm), source=FixedExemplars([exemplar]),
        counter=WhitespaceTokenCounter(),
    )  # fmt: skip
    env = make_env("miniwob.click-button")
    for seed in (0, 1):
        obs, _ = env.reset(seed=seed)
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
        step = agent.act(obs)
        assert re.fullmatch(r"click\('\d+'\)", step.action), step.action
        obs, _, terminated, _, info = env.step(step.action)
        assert terminated and info["success"]
    request = server.text_requests[0]
    assert "Action: click([button Okay])" in request.prompt  # the exemplar, by reference
    assert not re.search(r"^\[\d+\]", request.prompt.rsplit("Task:", 1)[1], re.M)  # no ids shown
    assert request.json["grammar"].startswith("root ::= ")


def test_a_grammar_needs_a_model_that_takes_one(make_llm_server: Callable[..., ScriptedLLMServer]) -> None:
    server = make_llm_server(click_by_reference)
    model = ChatModel(LLMConfig(model="m", base_url=server.base_url, api_key="t", capabilities="completion"))
    with pytest.raises(LLMCapabilityError, match="grammar"):
        asyncio.run(model.complete_text("x", grammar='root ::= "a"'))
    with pytest.raises(ConfigError, match="refer_by"):
        SynapseConfig(refer_by="txt").check()
