"""Our ``paper`` column's ``fuzzy_match`` scores as WebArena's ``StringEvaluator`` does when both ask
the same LLM (see `webarena_against`): WebArena's through its own OpenAI client, ours through
``PaperGrader``, both to one scripted OpenAI-compatible server whose replies depend only on the
student's answer and the reference in the prompt. Both must send the same messages, in the same
order, and read the replies to the same verdicts (WebArena's "N/A" rule included: its exact
match first, then the reason grader, whose verdict replaces the score so far)."""

from __future__ import annotations

import asyncio
import re

from palaestra.agents.llm import default_model
from palaestra.tasks.webarena.judges import PaperGrader
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text

from .webarena_against import Case, column_score, webarena_verdicts

NOTE = "There is no such product in the store."

#: (the cleaned answer, the reference or actual reason) -> what the scripted LLM replies.
REPLIES = {
    ("two minutes", "2 min"): "Correct.",
    ("about an hour", "2 min"): "The answer is incorrect.",
    ("two minutes or so", "2 min"): "Partially correct.",
    ("two minutes", "16 min"): "incorrect",
    ("the store does not sell it", NOTE): "same",
    ("it is out of stock", NOTE): "different",
}

CASES: dict[str, Case] = {
    "fuzzy correct": Case({"fuzzy_match": ["2 min"]}, "Two minutes"),
    "fuzzy quoted answer": Case({"fuzzy_match": ["2 min"]}, '"Two Minutes"'),
    "fuzzy incorrect": Case({"fuzzy_match": ["2 min"]}, "About an hour"),
    "fuzzy partially correct": Case({"fuzzy_match": ["2 min"]}, "two minutes or so"),
    "fuzzy two references": Case({"fuzzy_match": ["2 min", "16 min"]}, "Two minutes"),
    "N/A answered": Case({"fuzzy_match": "N/A"}, "N/A", string_note=NOTE),
    "N/A same reason": Case({"fuzzy_match": "N/A"}, "The store does not sell it", string_note=NOTE),
    "N/A other reason": Case({"fuzzy_match": "N/A"}, "It is out of stock", string_note=NOTE),
    # WebArena's reason grader replaces the score: a failed exact_match before it is forgotten.
    "N/A after a failed exact match": Case(
        {"exact_match": "0", "fuzzy_match": "N/A"}, "The store does not sell it", string_note=NOTE
    ),
}


def scripted(request: ScriptRequest) -> object:
    text = request.last_user_text()
    pred = re.search(r"^(?:student answer|reported unachievable reason): (.*)$", text, re.M)
    ref = re.search(r"^(?:reference answer|actual unachievable reason): (.*)$", text, re.M)
    key = (pred.group(1) if pred else "", ref.group(1) if ref else "")
    return reply_text(REPLIES.get(key, f"no reply scripted for {key}"))


def test_paper_graders_score_as_webarenas(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = scripted
    env = {"OPENAI_BASE_URL": llm_server.base_url, "OPENAI_API_KEY": "test"}
    theirs = webarena_verdicts(CASES, env)
    asked_by_webarena = [r.messages for r in llm_server.chat_requests]

    model = default_model(
        {"PALAESTRA_LLM_BASE_URL": llm_server.base_url, "PALAESTRA_LLM_API_KEY": "test",
         "PALAESTRA_LLM_MODEL": "judge"}, temperature=0.0, max_tokens=768,
    )  # fmt: skip
    grader = PaperGrader(model)

    async def ours() -> dict[str, float | str]:
        return {
            name: await column_score(case, "paper", judge=grader.fuzzy, ua_judge=grader.unachievable)
            for name, case in CASES.items()
        }

    paper = asyncio.run(ours())
    asked_by_us = [r.messages for r in llm_server.chat_requests[len(asked_by_webarena) :]]
    report = [f"{n}: paper {paper[n]!r}, WebArena {theirs[n]!r}" for n in CASES if paper[n] != theirs[n]]
    assert not report, "\n".join(report)
    assert asked_by_us == asked_by_webarena  # the same prompts, in the same order
    assert len(asked_by_webarena) == len(CASES)  # "N/A answered" asks none, two refs ask two
    assert {theirs[n] for n in CASES if n.startswith("fuzzy")} == {0.0, 1.0}
    assert {theirs[n] for n in CASES if n.startswith("N/A")} == {0.0, 1.0}
