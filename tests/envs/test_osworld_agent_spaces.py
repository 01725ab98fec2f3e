"""Every observation type and action space of OSWorld's PromptAgent (desktop-env 1.0.2) that our
desktop gives, played by the registered agent `osworld-prompt` on galculator: the scripted model
reads what it was sent (the screenshot, the linearized tree, the set-of-marks table) and answers a
click on the button 7 in the action space's own form; the environment plays it without an error.
The tokens each step records are those the server's ``usage`` reported."""

from __future__ import annotations

import base64
import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import gymnasium as gym
import pytest
from PIL import Image

from palaestra.agents.base import TaskInfo
from palaestra.agents.foreign.osworld_agent import (
    OSWorldPrompt,
    OSWorldPromptAgent,
    OSWorldPromptConfig,
    resolve_marks,
)
from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.desktop import OSWorldObservation
from palaestra.errors import ConfigError
from palaestra.testing import Reply, ScriptedLLMServer, ScriptRequest, http_error, reply_text

TREE_HEADER = "tag\tname\ttext\tclass\tdescription\tposition (top-left x&y)\tsize (w&h)"
SOM_HEADER = "index\ttag\tname\ttext"
#: What the scripted server reports as the answer's usage: the step must record exactly these.
PROMPT_TOKENS, COMPLETION_TOKENS = 4321, 17


@pytest.fixture(scope="module")
def calc(request: pytest.FixtureRequest) -> Iterator[OSWorldObservation]:
    env = OSWorldObservation(gym.make("palaestra/desktop.calc-add", action_set=request.param))
    yield env
    env.close()


def action_set_of(env: OSWorldObservation) -> ActionSet:
    actions: ActionSet = env.unwrapped.action_set  # type: ignore[attr-defined]
    return actions


def seven_centre(env: OSWorldObservation) -> tuple[int, int]:
    assert env.palaestra_obs is not None
    elements = env.palaestra_obs["elements"]
    seven = next(e for e in elements if e["name"] == "7" and e["role"] == "toggle button")
    x, y, w, h = seven["bbox"]
    return x + w // 2, y + h // 2


def image_of(request: ScriptRequest) -> Image.Image | None:
    content = request.messages[-1]["content"]
    for part in content if isinstance(content, list) else []:
        if part.get("type") == "image_url":
            data = part["image_url"]["url"].split(",", 1)[1]
            return Image.open(io.BytesIO(base64.b64decode(data)))
    return None


def model(observation_type: str, action_space: str, centre: tuple[int, int], size: tuple[int, int]) -> Any:
    """Checks the prompt holds what ``observation_type`` sends, then clicks 7 as the space writes it."""

    def answer(request: ScriptRequest) -> Reply:
        text, image = request.last_user_text(), image_of(request)
        shows_image = observation_type in ("screenshot", "screenshot_a11y_tree", "som")
        assert (image is not None) == shows_image, observation_type
        assert image is None or image.size == size
        assert (TREE_HEADER in text) == (observation_type in ("a11y_tree", "screenshot_a11y_tree"))
        x, y = centre
        if observation_type == "a11y_tree":  # the model reads the button's place from the table
            row = re.search(r"^toggle-button\t7\t.*\t\((\d+), (\d+)\)\t\((\d+), (\d+)\)$", text, re.M)
            assert row is not None, text[:2000]
            x, y = int(row[1]) + int(row[3]) // 2, int(row[2]) + int(row[4]) // 2
        if observation_type == "som":  # ...or its mark's number
            assert SOM_HEADER in text
            mark = re.search(r"^(\d+)\ttoggle-button\t7\t", text, re.M)
            assert mark is not None, text[:2000]
            code = f"```python\npyautogui.click(tag_{mark[1]})\n```"
        elif action_space == "computer_13":
            click = {"action_type": "CLICK", "parameters": {"x": x, "y": y}}
            code = "```json\n" + json.dumps(click) + "\n```"
        else:
            code = f"```python\npyautogui.click({x}, {y})\n```"
        return reply_text(code, prompt_tokens=PROMPT_TOKENS, completion_tokens=COMPLETION_TOKENS)

    return answer


#: (the environment's action set, observation type, action space): each pair PromptAgent takes.
CASES = [
    ("desktop", "screenshot", "pyautogui"),
    ("desktop", "a11y_tree", "pyautogui"),
    ("desktop", "screenshot_a11y_tree", "pyautogui"),
    ("desktop", "som", "pyautogui"),
]


@pytest.mark.parametrize(("calc", "observation_type", "action_space"), CASES, indirect=["calc"])
def test_each_observation_type_and_action_space_plays_a_click(
    calc: OSWorldObservation, observation_type: str, action_space: str
) -> None:
    obs, _ = calc.reset(seed=5)
    centre = seven_centre(calc)
    size = Image.open(io.BytesIO(obs["screenshot"])).size
    with ScriptedLLMServer(model(observation_type, action_space, centre, size)) as server:
        config = OSWorldPromptConfig(
            base_url=server.url, observation_type=observation_type, action_space=action_space
        )
        agent = OSWorldPromptAgent(config)
        try:
            agent.reset(TaskInfo(obs["instruction"], action_set_of(calc), suite="desktop"))
            agent.see_views({"osworld": obs})
            step = agent.act(obs)
        finally:
            agent.close()
        assert not server.script_errors, server.script_errors
    assert (step.tokens_in, step.tokens_out) == (PROMPT_TOKENS, COMPLETION_TOKENS)
    assert step.extra["model_calls"] == 1
    calc.step(step.action)
    assert calc.palaestra_obs is not None and calc.palaestra_obs["last_action_error"] == ""
    if observation_type == "som":  # the mark's name became the place it names
        assert step.action.strip() == f"pyautogui.click({centre[0]}, {centre[1]})"
        assert "tag_" in step.extra["osworld_actions"][0]


@pytest.mark.parametrize("observation_type", ["screenshot", "a11y_tree", "screenshot_a11y_tree"])
def test_computer_13_is_refused_before_the_first_episode(observation_type: str) -> None:
    """desktop-env 1.0.2's PromptAgent cannot be built with computer_13 (its prompt's braces break
    its own ``str.format``): the agent's configuration says so before a run starts (else each of
    its episodes failed alike, seconds each), and OSWorld's process itself, started from Python,
    says why with the fix; no model is asked."""
    with ScriptedLLMServer(reply_text("DONE")) as server:
        config = OSWorldPromptConfig(
            base_url=server.url, observation_type=observation_type, action_space="computer_13"
        )
        refused = r"desktop-env 1\.0\.2 .*Fix: --agent-arg action_space=pyautogui,"
        with pytest.raises(ConfigError, match=refused):
            OSWorldPromptAgent(config)
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": ""}
        with pytest.raises(ConfigError, match=r"KeyError.*Fix: --agent-arg action_space=pyautogui"):
            OSWorldPrompt(env, observation_type=observation_type, action_space="computer_13").close()
        assert not server.chat_requests


def test_som_with_computer_13_is_refused_up_front() -> None:
    with pytest.raises(ConfigError, match="action_space=pyautogui"):
        OSWorldPromptConfig(observation_type="som", action_space="computer_13").check()


def test_resolve_marks_names_only_what_the_agent_defined() -> None:
    code = "tag_1=(10, 20)\ntag_2=(30, 40)\npyautogui.click(tag_2)\npyautogui.moveTo(tag_9)"
    assert resolve_marks(code) == "pyautogui.click(30, 40)\npyautogui.moveTo(tag_9)"
    assert resolve_marks("DONE") == "DONE"


#: Names for which OSWorld's ``call_llm`` has a branch of its own (Anthropic's API, Together,
#: CogAgent on port 8000, Google's SDK, Groq, DashScope) or none at all ("Invalid model").
OTHER_BRANCHES = ["claude-3-5-sonnet", "mistral-large", "THUDM/cogagent-chat-hf", "gemini-1.5-pro",
                  "llama3-70b", "qwen-max", "Qwen/Qwen2.5-VL-7B-Instruct",
                  "meta-llama/Llama-3.1-8B"]  # fmt: skip


def test_every_model_name_is_posted_to_the_openai_compatible_server_as_it_is() -> None:
    """Whatever branch OSWorld's agent keeps for a name, the driver posts it to OPENAI_BASE_URL
    under that name, and the answer is parsed as for gpt models."""
    seen: list[str | None] = []

    def answer(request: ScriptRequest) -> Reply:
        seen.append(request.model)
        return reply_text("```python\npyautogui.click(12, 34)\n```")

    obs = {"screenshot": None, "accessibility_tree": "<desktop-frame/>", "terminal": None}
    with ScriptedLLMServer(answer) as server:
        env = {"PATH": os.environ["PATH"], "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "scripted"}
        for name in OTHER_BRANCHES:
            with OSWorldPrompt(env, model=name, observation_type="a11y_tree") as agent:
                assert agent.predict("Click.", {**obs, "instruction": "Click."})[1] == [
                    "pyautogui.click(12, 34)"
                ]
    assert seen == OTHER_BRANCHES


def test_azure_names_and_an_empty_name_are_refused_with_the_fix() -> None:
    """OSWorld sends azure-gpt-4o* names to Azure's deployment endpoint, never to base_url."""
    with pytest.raises(ConfigError, match=r"Azure's deployment endpoint.*Fix: give the deployment's model"):
        OSWorldPromptConfig(model="azure-gpt-4o-mini").check()
    with pytest.raises(ConfigError, match="model is empty"):
        OSWorldPromptConfig(model=" ").check()
    with ScriptedLLMServer(reply_text("DONE")) as server:  # the driver, used by hand, says so too
        env = {"PATH": os.environ["PATH"], "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "scripted"}
        with pytest.raises(ConfigError, match="Azure's deployment endpoint"):
            OSWorldPrompt(env, model="azure-gpt-4o")
        assert not server.chat_requests


def test_a_failed_model_call_says_why_and_no_key_is_needed() -> None:
    """OSWorld's agent answers a failed call with an empty response and only logs why: the answer
    carries the server's words (a text-only model sent a picture, say). A local server needs no
    key, and OSWorld's agent, which reads OPENAI_API_KEY on every call, is given a placeholder."""
    click = reply_text("```python\npyautogui.click(12, 34)\n```")
    obs = {
        "screenshot": None,
        "accessibility_tree": "<desktop-frame/>",
        "terminal": None,
        "instruction": "Go.",
    }
    with ScriptedLLMServer([http_error(400, "this model takes no image input"), click]) as server:
        with OSWorldPrompt(
            {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": ""}, model="Qwen/Qwen2.5-7B-Instruct"
        ) as agent:
            assert agent.predict("Go.", obs)[0] == ""
            (error,) = agent.last_errors
            assert error.startswith("HTTP 400: ") and "this model takes no image input" in error
            assert agent.predict("Go.", obs)[1] == ["pyautogui.click(12, 34)"] and agent.last_errors == []
        assert [r.headers.get("authorization") for r in server.chat_requests] == [
            "Bearer no-key-configured"
        ] * 2
