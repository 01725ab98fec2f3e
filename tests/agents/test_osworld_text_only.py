"""OSWorld's agent and models that read no images: decided from what the endpoint is declared to
serve (the LLM layer's capabilities), before the run starts, never by a request failing mid-episode.

OSWorld's own branches for text-only families assert an observation type without pictures; every
model goes through its OpenAI branch here, which would send the screen to any server.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from palaestra.agents.foreign.osworld_agent import IMAGE_TYPES, OSWorldPrompt, OSWorldPromptConfig
from palaestra.agents.llm.config import declared_capabilities
from palaestra.cli import main
from palaestra.errors import ConfigError
from palaestra.testing import Reply, ScriptedLLMServer, ScriptRequest, reply_text

CAPABILITIES_VARIABLE = "PALAESTRA_LLM_CAPABILITIES"


@pytest.mark.parametrize("observation_type", IMAGE_TYPES)
def test_an_image_observation_type_for_a_model_declared_text_only_is_refused_with_the_fix(
    observation_type: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CAPABILITIES_VARIABLE, raising=False)
    with pytest.raises(ConfigError) as refused:
        OSWorldPromptConfig(observation_type=observation_type, capabilities="chat,tools").check()
    said = str(refused.value)
    assert f"observation_type={observation_type} sends the screen as an image" in said
    assert "--agent-arg observation_type=a11y_tree" in said and "capabilities=chat,tools,images" in said

    monkeypatch.setenv(CAPABILITIES_VARIABLE, "chat")  # declared for every agent of the process
    declared_here = r"PALAESTRA_LLM_CAPABILITIES.*--agent-arg capabilities=chat,images"
    with pytest.raises(ConfigError, match=declared_here):
        OSWorldPromptConfig(observation_type=observation_type).check()
    OSWorldPromptConfig(observation_type=observation_type, capabilities="chat,images").check()
    OSWorldPromptConfig(observation_type="a11y_tree").check()  # the tree alone is text


def test_undeclared_endpoints_read_images_as_hosted_chat_models_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CAPABILITIES_VARIABLE, raising=False)
    assert declared_capabilities().listed() == ("chat", "tools", "images")
    OSWorldPromptConfig(observation_type="screenshot").check()
    assert declared_capabilities("completion", {CAPABILITIES_VARIABLE: "chat,images"}).listed() == (
        "completion",
    )
    assert declared_capabilities(None, {CAPABILITIES_VARIABLE: "chat"}).listed() == ("chat",)
    with pytest.raises(ConfigError, match="asks for chat completions"):
        OSWorldPromptConfig(observation_type="a11y_tree", capabilities="completion").check()


def test_palaestra_eval_refuses_it_before_any_desktop_or_model_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    with ScriptedLLMServer(reply_text("DONE")) as server:
        argv = ["eval", "--agent", "osworld-prompt", "--agent-arg", f"base_url={server.url}",
                "--agent-arg", "model=llama3.1", "--agent-arg", "observation_type=screenshot",
                "--agent-arg", "capabilities=chat,tools", "--suite", "desktop", "--tasks", "calc-add",
                "--seeds", "0", "--workers", "1", "--out", "run"]  # fmt: skip
        assert main(argv) == 2
        assert not server.chat_requests
    assert "observation_type=screenshot sends the screen as an image" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_tree_alone_goes_to_a_text_only_model_as_text() -> None:
    """What a text-only model is sent with ``a11y_tree``: no image part, though the observation
    holds the screen (OSWorld's observation always does)."""
    parts: list[list[str]] = []

    def answer(request: ScriptRequest) -> Reply:
        for message in request.messages:
            content = message["content"]
            parts.append([p["type"] for p in content] if isinstance(content, list) else ["text"])
        return reply_text("```python\npyautogui.click(12, 34)\n```")

    obs = {"screenshot": png(), "accessibility_tree": "<desktop-frame/>", "terminal": None,
           "instruction": "Click."}  # fmt: skip
    with ScriptedLLMServer(answer) as server:
        env = {"OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "scripted"}
        with OSWorldPrompt(env, model="llama3.1", observation_type="a11y_tree") as agent:
            assert agent.predict("Click.", obs)[1] == ["pyautogui.click(12, 34)"]
        assert len(server.chat_requests) == 1
    assert parts and all(kind == "text" for kinds in parts for kind in kinds)
