"""Agents run on the site suites unchanged: the Synapse agent, over the real openai SDK and HTTP to
the scripted model server, plays a shop task on real Oscar pages through its state abstraction."""

from __future__ import annotations

import re
from collections.abc import Callable

from palaestra.agents import TaskInfo
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.agents.retrieval import NoExemplars
from palaestra.agents.synapse import SynapseAgent, SynapseConfig
from palaestra.envs import BrowserEnv
from palaestra.envs.observation import ObsConfig
from palaestra.sites.runtime import SiteRuntime
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text
from palaestra.testing.script import Answer


def line_id(state: str, pattern: str) -> str | None:
    match = re.search(r"^\[(\w+)\] " + pattern + "$", state, re.MULTILINE)
    return match.group(1) if match else None


def wish_list_shopper(request: ScriptRequest) -> Answer:
    """A model that reads only its prompt: search for the product the task names, open it (result
    links are truncated with an ellipsis), add it to the default wish list, then say so."""
    current = request.last_user_text().rsplit("Now\n", 1)[1]
    product = re.search(r"Task: Add the (.+) to my wish list\.", current)
    assert product, current
    title = product.group(1)
    if "Add to 'Default' wish list" in current.rsplit("State:\n", 1)[0]:
        return reply_text("Action: send_msg_to_user('Done.')")
    state = current.rsplit("State:\n", 1)[1]
    for pattern in (r"link Add to 'Default' wish list", r"link Add to wish list"):
        if found := line_id(state, pattern):
            return reply_text(f"Action: click('{found}')")
    for found, name in re.findall(r"^\[(\w+)\] link (.+)$", state, re.MULTILINE):
        shown = name.removesuffix("…").strip()
        if len(shown) > 12 and title.startswith(shown):
            return reply_text(f"Action: click('{found}')")
    if search := line_id(state, "textbox Search"):
        return reply_text(f"Action: fill('{search}', {title!r})\npress('{search}', 'Enter')")
    return reply_text("noop()")


def test_the_synapse_agent_plays_a_shop_task_through_its_abstraction(
    runtime: SiteRuntime,
    make_env: Callable[..., BrowserEnv],
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    server = make_llm_server(wish_list_shopper)
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="test")
    agent = SynapseAgent(
        SynapseConfig(), model=ChatModel(llm), source=NoExemplars(), counter=WhitespaceTokenCounter()
    )
    env = make_env("shop.add-to-wishlist-0", obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    info: dict[str, object] = {}
    for _ in range(8):
        obs, _, terminated, truncated, info = env.step(agent.act(obs).action)
        assert not obs["last_action_error"], obs["last_action_error"]
        if terminated or truncated:
            break
    assert info.get("success"), info
    # A page of hundreds of elements reaches the model as a short state.
    assert max(step.tokens_in for step in agent.history) < 2000
