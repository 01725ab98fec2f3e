"""The ``Model`` protocol: capabilities, prompt style, and ``ChatModel``'s text completions and
embeddings through the real SDK against the scripted server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from palaestra.agents.llm import (
    Capabilities,
    ChatModel,
    Completion,
    LLMCapabilityError,
    LLMConfig,
    LLMConfigError,
    Model,
    prompt_style,
)
from palaestra.testing import ScriptedLLMServer, reply_text


class EchoModel(Model):
    """The smallest in-process model: the protocol needs nothing else."""

    name = "echo"
    capabilities = Capabilities(chat=False, completion=True)

    async def complete_text(
        self, prompt: str, *, stop: Any = (), max_tokens: int | None = None
    ) -> Completion:
        return Completion(text=prompt.split()[-1])

    async def aclose(self) -> None:
        pass


def test_capabilities_parse_and_list() -> None:
    caps = Capabilities.parse("chat, completion")
    assert caps == Capabilities(chat=True, completion=True) and caps.listed() == ("chat", "completion")
    assert Capabilities.parse(["embeddings"]).chat is False
    with pytest.raises(LLMConfigError, match="Did you mean: `completion`"):
        Capabilities.parse("chat,completions")


def test_prompt_style_follows_capabilities() -> None:
    echo = EchoModel()
    assert prompt_style(echo) == "completion" and prompt_style(echo, "completion") == "completion"
    with pytest.raises(LLMCapabilityError, match=r"does not offer chat .*offers: completion"):
        prompt_style(echo, "chat")
    with pytest.raises(LLMConfigError, match="Did you mean: `chat`"):
        prompt_style(echo, "chatt")
    assert asyncio.run(echo.complete_text("say ok")).text == "ok"
    with pytest.raises(LLMCapabilityError):
        asyncio.run(echo.complete([{"role": "user", "content": "hi"}]))


def test_config_reads_capabilities_from_the_environment() -> None:
    env = {"PALAESTRA_LLM_MODEL": "m", "PALAESTRA_LLM_CAPABILITIES": "completion,chat"}
    assert LLMConfig.from_env(env).capabilities == ("chat", "completion")
    assert LLMConfig(model="m").capabilities == ("chat", "tools", "images")
    with pytest.raises(LLMConfigError, match="`tool`"):
        LLMConfig(model="m", capabilities="chat,tool")


def test_chat_model_text_completion_and_embeddings(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("click('21')")
    cfg = LLMConfig(
        model="scripted-model", base_url=llm_server.base_url, max_retries=0, max_tokens=32,
        capabilities="chat,completion,embeddings",
    )  # fmt: skip

    async def main() -> tuple[Completion, list[list[float]]]:
        async with ChatModel(cfg) as model:
            assert prompt_style(model) == "completion"
            answer = await model.complete_text("Task: x\nAction:", stop=["\nState:"])
            return answer, await model.embed(["a b", "c"])

    answer, vectors = asyncio.run(main())
    assert answer.text == "click('21')" and (answer.input_tokens, answer.output_tokens) == (3, 1)
    [request] = llm_server.text_requests
    assert request.json["prompt"] == "Task: x\nAction:" and request.json["stop"] == ["\nState:"]
    assert request.json["max_tokens"] == 32 and llm_server.chat_requests == []
    assert len(vectors) == 2 and len(vectors[0]) == llm_server.embedding_dim


def test_chat_model_refuses_what_its_endpoint_lacks(llm_server: ScriptedLLMServer) -> None:
    cfg = LLMConfig(model="gpt-x", base_url=llm_server.base_url, max_retries=0)

    async def main() -> None:
        async with ChatModel(cfg) as model:
            assert prompt_style(model) == "chat"
            await model.complete_text("Task:")

    with pytest.raises(LLMCapabilityError, match="`gpt-x` does not offer completion"):
        asyncio.run(main())
    assert llm_server.requests == []
