"""Tasks that need a tool: call_api and search_apis inside a real browser environment, and an LLM
agent (the real SDK against the scripted server) that must use the calculator to answer."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from palaestra.agents import TaskInfo
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.agents.synapse import SynapseAgent, SynapseConfig
from palaestra.envs import BrowserEnv
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text
from palaestra.testing.script import Answer


def element_id(state: str, role: str, name: str = "") -> str:
    match = re.search(rf"\[(\w+)\] {role}\b[^\n]*{re.escape(name)}", state)
    assert match, f"no {role} {name!r} in:\n{state}"
    return match.group(1)


def test_tool_actions_answer_in_the_next_observation(make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env("tools.manual-lookup")
    obs, _ = env.reset(seed=0)
    assert "call_api" in env.action_set and "search_apis" in env.action_set
    assert "calc/evaluate(expression: string)" in obs["tools"] and obs["tool_results"] == ""

    obs, _, terminated, _, info = env.step("call_api('docs/search', {'query': 'Aurora Sync port'})")
    (answer,) = [json.loads(line) for line in obs["tool_results"].splitlines()]
    assert answer["ok"] and answer["api"] == "docs/search"
    assert (
        "7461" in answer["content"][0]["passage"] and answer["content"][0]["title"] == "Aurora Sync Service"
    )
    assert info["tool_calls"] == [answer] and obs["last_action_error"] == "" and not terminated

    obs, *_ = env.step("search_apis('convert a distance from miles to kilometers', k=3)")
    found = json.loads(obs["tool_results"])
    assert found["matches"][0]["api"] == "convert/units"

    # A bad call is a result the agent reads (MCP's isError), not an action error.
    obs, *_ = env.step("call_api('calc/evaluate', {'expresion': '1+1'})")
    failed = json.loads(obs["tool_results"])
    assert (
        not failed["ok"] and failed["error_kind"] == "invalid_arguments" and "expression" in failed["error"]
    )
    assert obs["last_action_error"] == ""
    obs, *_ = env.step("call_api('calc/evalute', {'expression': '1+1'})")
    assert "calc/evaluate" in json.loads(obs["tool_results"])["error"]  # did you mean
    # The answers of a step show only in the observation right after it.
    obs, *_ = env.step("noop(0)")
    assert obs["tool_results"] == ""


def test_tasks_without_tools_offer_no_tool_actions(make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env("miniwob.click-test")
    obs, _ = env.reset(seed=0)
    assert "tools" not in obs and "call_api" not in env.action_set
    obs, *_ = env.step("call_api('calc/evaluate', {'expression': '1'})")
    assert obs["last_action_error"].startswith("Unknown action `call_api`")


def test_a_wrong_answer_fails(make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env("tools.convert-units")
    obs, _ = env.reset(seed=3)
    box, submit = element_id(obs["axtree"], "textbox"), element_id(obs["axtree"], "button", "Submit")
    _, reward, terminated, _, info = env.step(f"fill('{box}', '1.00')\nclick('{submit}')")
    assert (reward, terminated, info["success"]) == (-1.0, True, False)


def calculator_user(request: ScriptRequest) -> Answer:
    """A model that cannot do arithmetic: it asks the calculator, then types what it answered."""
    prompt = next(m["content"] for m in request.messages if m["role"] == "user")
    current = prompt.rsplit("Now\n", 1)[1]
    if "Tool results:" not in current:
        expression = re.search(r"Compute (.+?) and enter", current)
        assert expression, current
        return reply_text(f"Action: call_api('calc/evaluate', {{'expression': '{expression.group(1)}'}})")
    result = json.loads(current.rsplit("Tool results:\n", 1)[1].splitlines()[0])
    value = f"{float(result['content']):.2f}"
    box, submit = element_id(current, "textbox"), element_id(current, "button", "Submit")
    return reply_text(f"Action: fill('{box}', '{value}')\nclick('{submit}')")


def test_an_llm_agent_uses_the_calculator_to_answer(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(calculator_user)
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="test")
    agent = SynapseAgent(SynapseConfig(), model=ChatModel(llm), counter=WhitespaceTokenCounter())
    env = make_env("tools.calculate")
    for seed in (0, 1):
        obs, _ = env.reset(seed=seed)
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
        first = agent.act(obs)
        assert first.action.startswith("call_api('calc/evaluate'")
        obs, _, terminated, _, _ = env.step(first.action)
        assert not terminated and json.loads(obs["tool_results"])["ok"]
        second = agent.act(obs)
        _, reward, terminated, _, info = env.step(second.action)
        assert (reward, terminated, info["success"]) == (1.0, True, True)
    assert len(server.chat_requests) == 4
    assert "call_api(api, arguments={})" in server.chat_requests[0].messages[0]["content"]
