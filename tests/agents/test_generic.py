"""The generic chat agent end to end: the real openai SDK over real HTTP to the scripted server, on
real MiniWoB++ pages in Chromium (and one real desktop on Xvfb), through `palaestra eval` too."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from palaestra.agents import TaskInfo
from palaestra.agents.generic import GenericAgent, GenericConfig
from palaestra.agents.generic_prompt import fit
from palaestra.agents.llm import (
    ChatModel,
    LLMAuthError,
    LLMCapabilityError,
    LLMConfig,
    LLMUnavailableError,
    WhitespaceTokenCounter,
)
from palaestra.agents.llm.embedded.chat_format import has_image
from palaestra.cli import main
from palaestra.config import ConfigError
from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.envs.actions.action_set import MINIWOB_ACTIONS
from palaestra.runs.results import load_rows
from palaestra.testing import (
    ScriptedLLMServer,
    ScriptRequest,
    http_error,
    rate_limited,
    reply_text,
    server_error,
)
from palaestra.testing.script import Answer

TASK = "miniwob.click-button"


def user_text(request: ScriptRequest) -> str:
    """The first user message's text (the step's prompt; later ones are re-asks)."""
    content = next(m["content"] for m in request.messages if m["role"] == "user")
    return content if isinstance(content, str) else content[0]["text"]


def click_named_button(request: ScriptRequest) -> Answer:
    """A model that reads the observation it was sent: reasons, then clicks the button the goal names."""
    prompt = user_text(request)
    name = re.search(r'Click on the "([^"]+)" button', prompt)
    assert name, prompt
    found = re.search(r"\[(\w+)\] button '" + re.escape(name.group(1)) + "'", prompt)
    assert found, prompt
    return reply_text(
        f"The goal names the {name.group(1)} button; it is [{found.group(1)}]."
        f"\n```\nclick('{found.group(1)}')\n```"
    )


def make_agent(server: ScriptedLLMServer, **config: object) -> GenericAgent:
    llm = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="test", max_retries=0)
    return GenericAgent(GenericConfig(**config), model=ChatModel(llm), counter=WhitespaceTokenCounter())  # type: ignore[arg-type]


def start(env: BrowserEnv, agent: GenericAgent, seed: int = 0) -> dict:
    obs, _ = env.reset(seed=seed)
    agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
    return dict(obs)


def test_reasons_then_acts_and_solves_the_task_from_what_it_was_sent(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    env = make_env(TASK)
    agent = make_agent(server)
    obs = start(env, agent)
    step = agent.act(obs)  # type: ignore[arg-type]
    _, reward, terminated, _, info = env.step(step.action)
    assert terminated and info["success"] and reward > 0
    assert re.fullmatch(r"click\('\w+'\)", step.action) and "it is [" in step.thoughts
    system, user = server.chat_requests[0].messages
    assert system["role"] == "system" and env.action_set.describe() in system["content"]
    assert "# Goal\n" + obs["goal"] in user["content"] and "Think step by step" in user["content"]
    assert step.tokens_in > 0 and step.tokens_out > 0
    for request in server.chat_requests:  # the task's name is never sent (nor its file's path)
        assert b"click-button" not in request.raw_body and b"file:" not in request.raw_body


def test_a_failed_action_and_its_error_are_in_the_next_request(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    answers = iter(["Let me try.\n```\nclick('9999')\n```", "Again.\n```\nclick('9998')\n```"])
    server = make_llm_server(lambda request: reply_text(next(answers)))
    env = make_env(TASK)
    agent = make_agent(server)
    obs = start(env, agent)
    for _ in range(2):
        obs, *_ = env.step(agent.act(obs).action)  # type: ignore[arg-type]
        assert obs["last_action_error"]
    first, second = (user_text(r) for r in server.chat_requests)
    assert "(none yet" in first
    error = agent.past[0].error
    assert "9999" in error and f"1. click('9999')\n   error: {error.strip()}" in second


def test_a_reply_that_is_no_action_is_reasked_with_the_error_then_sent_for_the_env_to_refuse(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: reply_text("I would press the big button, I think."))
    env = make_env(TASK)
    agent = make_agent(server, parse_retries=2)
    obs = start(env, agent)
    step = agent.act(obs)  # type: ignore[arg-type]
    assert len(server.chat_requests) == 3 and len(step.extra["parse_errors"]) == 3
    reask = server.chat_requests[1].messages
    assert [m["role"] for m in reask] == ["system", "user", "assistant", "user"]
    assert "could not be read as an action" in reask[-1]["content"]
    assert step.extra["parse_errors"][0] in reask[-1]["content"]
    after, _, terminated, _, _ = env.step(step.action)  # sent anyway: the env records the error
    assert not terminated and after["last_action_error"]


def test_som_sends_the_marked_screenshot_as_a_png_and_the_marks_as_text(
    make_env: Callable[..., BrowserEnv], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    agent = make_agent(server, vision="som")
    parts = agent.observation_parts()
    assert "som" in parts and ObsConfig(screenshot=False).including(parts).som
    env = make_env(TASK, obs_config=ObsConfig().including(parts))
    obs = start(env, agent)
    agent.act(obs)  # type: ignore[arg-type]
    text, image = server.chat_requests[0].messages[1]["content"]
    assert obs["som_marks"] and obs["som_marks"] in text["text"]
    url = image["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as png:
        assert png.format == "PNG"
        pixels = np.asarray(png.convert("RGB"))
    assert pixels.shape == obs["screenshot"].shape and np.array_equal(pixels, obs["som_screenshot"])
    # The step keeps the messages as sent, image and all (a run writes the image beside the episode).
    assert agent.history[0].messages == server.chat_requests[0].messages


def test_a_model_that_refuses_images_fails_with_the_fix(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    server = make_llm_server(http_error(400, "image input is not supported by this model"))
    agent = make_agent(server, vision="screenshot")
    agent.reset(TaskInfo(goal="Click OK.", action_set=MINIWOB_ACTIONS))
    obs = {"goal": "Click OK.", "axtree": "[1] button 'OK'", "last_action_error": "",
           "screenshot": np.zeros((20, 30, 3), dtype=np.uint8)}  # fmt: skip
    with pytest.raises(LLMCapabilityError, match="vision=none") as caught:
        agent.act(obs)  # type: ignore[arg-type]
    assert "image input is not supported" in str(caught.value)
    no_pixels = {k: v for k, v in obs.items() if k != "screenshot"}
    with pytest.raises(ConfigError, match=r"ObsConfig\(screenshot=True\)"):
        agent.act(no_pixels)  # type: ignore[arg-type]
    assert has_image(server.chat_requests[0].messages)  # what the embedded model refuses outright


def test_a_refused_key_with_an_image_is_not_called_a_refused_image(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    server = make_llm_server(http_error(401, "invalid api key"))
    agent = make_agent(server, vision="screenshot")
    agent.reset(TaskInfo(goal="Click OK.", action_set=MINIWOB_ACTIONS))
    obs = {"goal": "Click OK.", "axtree": "[1] button 'OK'", "last_action_error": "",
           "screenshot": np.zeros((20, 30, 3), dtype=np.uint8)}  # fmt: skip
    with pytest.raises(LLMAuthError) as caught:
        agent.act(obs)  # type: ignore[arg-type]
    assert not isinstance(caught.value, LLMCapabilityError) and "vision=none" not in str(caught.value)


def test_a_long_observation_keeps_the_focused_element_and_says_what_was_cut() -> None:
    lines = [f"[{i}] text line number {i}" for i in range(1, 401)]
    count = WhitespaceTokenCounter().count
    cut = fit("\n".join(lines), 100, count, focus="250")
    assert "[250] text" in cut and "[1] text" not in cut and count(cut) <= 100
    head, *_, tail = cut.split("\n")
    assert "lines above cut" in head and "lines below cut" in tail
    assert fit("\n".join(lines), 100, count).startswith("[1] text")  # no focus: the top


def test_configuration_errors_name_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="Did you mean: `som`"):
        GenericConfig(model="m", vision="soom").check()
    for name in ("PALAESTRA_LLM_BASE_URL", "OPENAI_BASE_URL", "PALAESTRA_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError, match="embedded model reads text only"):
        GenericConfig(vision="screenshot").check()


def test_vision_for_an_endpoint_declared_text_only_is_refused_before_the_run(
    monkeypatch: pytest.MonkeyPatch, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    """Decided from what the endpoint is declared to serve (as its ChatModel reads it), before any
    request: not by a request with an image failing in every episode."""
    url = make_llm_server().base_url
    monkeypatch.setenv("PALAESTRA_LLM_CAPABILITIES", "chat,tools")
    with pytest.raises(ConfigError) as refused:
        GenericConfig(model="llama3.1", base_url=url, vision="som").check()
    said = str(refused.value)
    assert "vision=som sends images" in said and "--agent-arg vision=none" in said
    assert "PALAESTRA_LLM_CAPABILITIES=chat,tools,images" in said
    GenericConfig(model="llama3.1", base_url=url).check()  # text only: taken
    monkeypatch.setenv("PALAESTRA_LLM_CAPABILITIES", "chat,images")
    GenericConfig(model="llama3.1", base_url=url, vision="som").check()


def test_an_endpoint_that_refuses_connections_is_named_before_the_run(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    """As for Synapse: a server not started is said at once, not after every episode's retries."""
    server = make_llm_server()
    url = server.base_url
    GenericConfig(model="scripted-model", base_url=url).check()
    server.stop()
    with pytest.raises(ConfigError, match=f"Agent `generic`: nothing answers at the model endpoint {url}"):
        GenericConfig(model="scripted-model", base_url=url).check()


def test_palaestra_eval_runs_the_agent_with_set_of_marks(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--agent-arg", "vision=som", "--tasks", "click-button",
            "--seeds", "0", "--workers", "1", "--max-steps", "2", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(run)
    assert row["success"], row["error_message"]
    (request,) = server.chat_requests
    assert request.messages[1]["content"][1]["type"] == "image_url"


def test_on_a_desktop_the_prompt_describes_pyautogui_and_a_pyautogui_reply_acts(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    from palaestra.envs.desktop import DesktopEnv
    from palaestra.envs.desktop.parse import PYAUTOGUI_INTRO

    def press_seven(request: ScriptRequest) -> Answer:
        found = re.search(r"\[(\w+)\] toggle button '7'", user_text(request))
        assert found, user_text(request)
        return reply_text(
            f"Seven first.\n```python\nimport pyautogui\npyautogui.click('{found.group(1)}')\n```"
        )

    server = make_llm_server(press_seven)
    env = DesktopEnv("desktop.calc-add", action_set="pyautogui")
    try:
        obs, _ = env.reset(seed=3)
        agent = make_agent(server)
        agent.reset(TaskInfo(goal=obs["goal"], action_set=env.action_set))
        obs, *_ = env.step(agent.act(obs).action)
        assert obs["last_action_error"] == ""
        assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["7"]
        system = server.chat_requests[0].messages[0]["content"]
        assert PYAUTOGUI_INTRO in system and "calc-add" not in server.chat_requests[0].raw_body.decode()
    finally:
        env.close()


def test_retries_are_agent_arguments_and_do_not_pin_the_run(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    """As Synapse's: the `model_unavailable` message names `max_retries` / `backoff_max` as the fix,
    so they are arguments, and changing them resumes a run rather than starting another."""
    from palaestra.agents.registry import make_agent as build
    from palaestra.runs.spec import AgentEntry

    server = make_llm_server(server_error(503))
    args = {"model": "scripted-model", "base_url": server.base_url, "api_key": "k", "backoff_max": "0.01"}
    agent = build("generic", {**args, "max_retries": "1", "timeout": "5", "parse_retries": "0"})
    assert isinstance(agent, GenericAgent)
    agent.reset(TaskInfo(goal="Click the button.", action_set=MINIWOB_ACTIONS))
    with pytest.raises(LLMUnavailableError):
        agent.act({"axtree": "[3] button 'Click'", "goal": "Click the button.", "last_action_error": ""})
    assert len(server.chat_requests) == 2  # one ask, one retry
    pinned = AgentEntry("generic", (("model", "m"),)).config_hash
    assert (
        AgentEntry("generic", (("model", "m"), ("max_retries", "9"), ("timeout", "5"))).config_hash == pinned
    )
    with pytest.raises(ConfigError, match="max_retries must be 0 or more"):
        GenericConfig(max_retries=-1).check()


def test_a_rate_limited_endpoints_longest_wait_is_an_agent_argument(
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    """A 429 asking for a minute's wait is granted at most ``retry_after_max``, which the
    rate-limit message names as a fix; it is an argument like the other retries, and pins nothing."""
    from palaestra.agents.registry import make_agent as build
    from palaestra.runs.spec import AgentEntry

    server = make_llm_server(rate_limited(60))
    args = {"model": "scripted-model", "base_url": server.base_url, "api_key": "k", "parse_retries": "0"}
    agent = build("generic", {**args, "max_retries": "1", "retry_after_max": "0.05"})
    agent.reset(TaskInfo(goal="Click the button.", action_set=MINIWOB_ACTIONS))
    with pytest.raises(LLMUnavailableError, match=r"retry_after_max=0.05 s; both --agent-arg"):
        agent.act({"axtree": "[3] button 'Click'", "goal": "Click the button.", "last_action_error": ""})
    assert len(server.chat_requests) == 2  # the retry came after 0.05 s, not the minute asked for
    pinned = AgentEntry("generic", (("model", "m"),)).config_hash
    assert AgentEntry("generic", (("model", "m"), ("retry_after_max", "5"))).config_hash == pinned
    with pytest.raises(ConfigError, match="retry_after_max must be 0 or more"):
        GenericConfig(retry_after_max=-1).check()
