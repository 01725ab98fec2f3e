"""The fuzzy match through an LLM (``PALAESTRA_FUZZY_JUDGE=llm``), over the real SDK and real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from palaestra.tasks.webarena.task import judge_from_env
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text


def test_the_judge_is_off_by_default_and_asks_the_configured_model(
    llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PALAESTRA_FUZZY_JUDGE", raising=False)
    assert judge_from_env() is None  # the deterministic normaliser decides
    monkeypatch.setenv("PALAESTRA_FUZZY_JUDGE", "llm")
    monkeypatch.setenv("PALAESTRA_LLM_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("PALAESTRA_LLM_API_KEY", "test")
    monkeypatch.setenv("PALAESTRA_LLM_MODEL", "judge")

    def script(request: ScriptRequest) -> object:
        prompt = request.json["messages"][-1]["content"]
        return reply_text("correct" if "Student answer: about thirty" in prompt else "incorrect")

    llm_server.script = script
    judge = judge_from_env()
    assert judge is not None

    async def both() -> list[bool]:  # one loop, as the environment's
        return [await judge("How many?", "about thirty", "30"), await judge("How many?", "forty", "30")]

    assert asyncio.run(both()) == [True, False]
    prompt = llm_server.requests[-1].json["messages"][-1]["content"]
    assert "Reference answer: 30" in prompt and "Question: How many?" in prompt
