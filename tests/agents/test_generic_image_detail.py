"""How closely the model looks at the generic agent's screenshot (`image_detail`), on a real page.

Before, the image went without OpenAI's `detail`, so a hosted model read a 1280 x 720 screenshot at
about 1,100 tokens a step, with no way to ask for its 85-token view.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palaestra.agents import TaskInfo
from palaestra.agents.generic import GenericAgent, GenericConfig
from palaestra.agents.llm import ChatModel, LLMConfig, WhitespaceTokenCounter
from palaestra.config import ConfigError
from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.testing import ScriptedLLMServer, reply_text


@pytest.mark.parametrize("detail", ["auto", "low", "high"])
def test_the_screenshot_goes_with_the_detail_asked_for(
    detail: str, make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(reply_text("```\nclick('9999')\n```"))
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=0)
    config = GenericConfig(vision="screenshot", image_detail=detail)
    agent = GenericAgent(config, model=ChatModel(llm), counter=WhitespaceTokenCounter())
    env = make_env("miniwob.click-button", obs_config=ObsConfig().including(agent.observation_parts()))
    obs, _ = env.reset(seed=0)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    agent.act(obs)  # type: ignore[arg-type]
    _, image = server.chat_requests[0].messages[1]["content"]
    assert image["image_url"]["url"].startswith("data:image/png;base64,")
    assert image["image_url"].get("detail") == (None if detail == "auto" else detail)


def test_an_unknown_detail_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"image_detail must be one of `auto`, `low`, `high`.*`low`"):
        GenericConfig(model="m", base_url="http://127.0.0.1:9/v1", image_detail="lo").check()


def test_the_list_of_marks_is_held_to_the_observations_budget_and_says_so(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """Before, `obs_tokens` held the tree only: the list of marks, a line per control, went whole."""
    server = make_llm_server(reply_text("```\nclick('9999')\n```"))
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=0)
    agent = GenericAgent(
        GenericConfig(vision="som", obs_tokens=10), model=ChatModel(llm), counter=WhitespaceTokenCounter()
    )
    env = make_env("miniwob.social-media-all", obs_config=ObsConfig().including(agent.observation_parts()))
    obs, _ = env.reset(seed=0)
    listed = obs["som_marks"].split("\n")
    assert len(obs["som_marks"].split()) > 10
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    agent.act(obs)  # type: ignore[arg-type]
    text, _ = server.chat_requests[0].messages[1]["content"]
    marks = text["text"].split("# Set-of-marks (the numbered boxes of the image)\n", 1)[1].split("\n# ", 1)[0]
    assert "lines below cut: the list of marks is limited to 10 tokens" in marks
    assert sum(line in listed for line in marks.split("\n")) < len(listed)  # before: every one
