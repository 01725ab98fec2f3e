"""``fuzzy_match`` through the real SDK against the scripted server, in both prompt styles."""

from __future__ import annotations

import asyncio

from palaestra.agents.llm import ChatModel, LLMConfig
from palaestra.agents.llm.fuzzy import afuzzy_match, verdict
from palaestra.testing import ScriptedLLMServer, reply_text


def grade(server: ScriptedLLMServer, reference: str, prediction: str, capabilities: str = "chat") -> bool:
    config = LLMConfig(model="grader", base_url=server.base_url, max_retries=0, capabilities=capabilities)

    async def run() -> bool:
        async with ChatModel(config) as model:
            return await afuzzy_match(reference, prediction, "How many items are in the basket?", model)

    return asyncio.run(run())


def test_verdict_words() -> None:
    assert verdict(" correct") and verdict("The answer is Correct.")
    assert not verdict("incorrect") and not verdict("Not correct, it says 4") and not verdict("")
    assert not verdict("partially incorrect; correct would be 3")  # the first verdict counts


def test_equal_answers_need_no_model(llm_server: ScriptedLLMServer) -> None:
    assert grade(llm_server, "Three items", "three items.")
    assert not grade(llm_server, "3", "  ")
    assert llm_server.requests == []


def test_chat_model_is_asked_webarenas_question(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text("The student's answer is correct.")
    assert grade(llm_server, "3", "There are three items in the basket.")
    [request] = llm_server.chat_requests
    assert (
        "reference answer: 3" in request.last_user_text()
        and "correct or incorrect" in request.last_user_text()
    )


def test_completion_model_continues_graded_examples(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = reply_text(" incorrect")
    assert not grade(llm_server, "3", "There is one item.", capabilities="completion")
    [request] = llm_server.text_requests
    assert request.prompt.count("Verdict:") == 7 and request.prompt.endswith(
        "Student answer: There is one item.\nVerdict:"
    )
    assert request.json["max_tokens"] == 4
