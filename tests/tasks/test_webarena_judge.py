"""The LLM graders of free-text answers (``PALAESTRA_FUZZY_JUDGE=llm``), over the real SDK, real HTTP
and the scripted OpenAI-compatible server (the LLM is the one part that cannot run here).

The paper column must send WebArena's own prompts. The expected messages are not written here
either: they are what WebArena's own ``llm_fuzzy_match`` / ``llm_ua_match`` build when run from
libwebarena's wheel, with their imports stubbed and their model call captured.
"""

from __future__ import annotations

import asyncio
import sys
import types
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser

from palaestra.agents.llm import LLMConfigError
from palaestra.agents.llm.fuzzy import INSTRUCTION
from palaestra.tasks.base import EpisodeState
from palaestra.tasks.webarena import paper_prompts as prompts_module
from palaestra.tasks.webarena.judges import judge_from_env, paper_grader_from_env
from palaestra.tasks.webarena.official import LIBWEBARENA_WHEEL, benchmark_configs, kept_wheel, sources
from palaestra.tasks.webarena.official_task import OfficialTask
from palaestra.tasks.webarena.paper_prompts import (
    MEMBER,
    PaperPromptsError,
    paper_prompts,
    prompts_from_source,
)
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text

Messages = list[dict[str, Any]]


def webarena_grader(
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Callable[..., tuple[Messages, dict[str, Any]]]]:
    """WebArena's two grader functions, run from the wheel: each returns (messages, sampling) it sent."""
    wheel = kept_wheel(LIBWEBARENA_WHEEL)
    assert wheel is not None, "./scripts/setup keeps libwebarena's wheel"
    source = zipfile.ZipFile(wheel).read(MEMBER).decode()
    sent: list[dict[str, Any]] = []

    def generate(**kwargs: Any) -> str:
        sent.append(kwargs)
        return "correct" if "fuzzy" in calling[0] else "same"

    env_config = types.ModuleType("webarena.browser_env.env_config")
    env_config.__dict__.update(
        dict.fromkeys(("GITLAB", "MAP", "REDDIT", "SHOPPING", "SHOPPING_ADMIN", "WIKIPEDIA"), "")
    )
    env_config.ACCOUNTS = {}  # type: ignore[attr-defined]
    openai_utils = types.ModuleType("webarena.llms.providers.openai_utils")
    openai_utils.generate_from_openai_chat_completion = generate  # type: ignore[attr-defined]
    for name in ("webarena", "webarena.browser_env", "webarena.llms", "webarena.llms.providers"):
        monkeypatch.setitem(sys.modules, name, types.ModuleType(name))
    monkeypatch.setitem(sys.modules, env_config.__name__, env_config)
    monkeypatch.setitem(sys.modules, openai_utils.__name__, openai_utils)
    namespace: dict[str, Any] = {"__name__": "webarena.evaluation_harness.helper_functions",
                                 "__package__": "webarena.evaluation_harness"}  # fmt: skip
    exec(compile(source, f"{wheel.name}/{MEMBER}", "exec"), namespace)  # WebArena's file, not model output
    calling = [""]

    def runner(function: str) -> Callable[..., tuple[Messages, dict[str, Any]]]:
        def run(pred: str, reference: str, question: str) -> tuple[Messages, dict[str, Any]]:
            calling[0] = function
            namespace[function](pred, reference, question)
            kwargs = sent.pop()
            return kwargs.pop("messages"), kwargs

        return run

    return {"fuzzy": runner("llm_fuzzy_match"), "ua": runner("llm_ua_match")}


def test_the_judges_are_off_by_default_and_on_need_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PALAESTRA_FUZZY_JUDGE", raising=False)
    assert judge_from_env() is None and paper_grader_from_env() is None  # the normaliser decides
    monkeypatch.setenv("PALAESTRA_FUZZY_JUDGE", "llm")  # no endpoint: the embedded model, as agents
    for name in ("PALAESTRA_LLM_BASE_URL", "OPENAI_BASE_URL", "PALAESTRA_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PALAESTRA_LLM_GGUF", "/nonexistent/model.gguf")
    for make in (judge_from_env, paper_grader_from_env):
        with pytest.raises(
            LLMConfigError, match=r"PALAESTRA_FUZZY_JUDGE=llm needs an LLM: .*model.gguf is not"
        ):
            make()


@pytest.fixture
def judge_on(llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch) -> ScriptedLLMServer:
    monkeypatch.setenv("PALAESTRA_FUZZY_JUDGE", "llm")
    monkeypatch.setenv("PALAESTRA_LLM_BASE_URL", llm_server.base_url)
    monkeypatch.setenv("PALAESTRA_LLM_API_KEY", "test")
    monkeypatch.setenv("PALAESTRA_LLM_MODEL", "judge")
    return llm_server


def columns(
    browser: Browser, loop: asyncio.AbstractEventLoop, task_id: str, site: str, answer: str
) -> dict[str, Any]:
    """The verdict of an official task (on a "user instance" that is never visited) for ``answer``."""
    task = OfficialTask(benchmark_configs("webarena")[task_id], f"webarena.{task_id}", "webarena",
                        hosts={site: "http://127.0.0.1:9"})  # fmt: skip

    async def run() -> dict[str, Any]:
        context = await browser.new_context()
        try:
            evaluation = await task.evaluate(await context.new_page(), EpisodeState(messages=[answer]))
        finally:
            await context.close()
        return evaluation.raw

    return loop.run_until_complete(run())


def test_paper_column_asks_webarenas_grader_and_corrected_ours(
    judge_on: ScriptedLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
) -> None:
    webarena = webarena_grader(monkeypatch)
    config = benchmark_configs("webarena")["16"]  # fuzzy_match: ["driving: 2min", "walking: 16min"]
    answer = "Driving takes 2 min, walking 16 MIN."
    expected = [
        webarena["fuzzy"](answer.lower(), ref, config.intent) for ref in ("driving: 2min", "walking: 16min")
    ]
    papers = [messages for messages, _ in expected]

    def script(request: ScriptRequest) -> object:  # WebArena's verdict words, which it must parse
        return reply_text("The answer is partially correct." if request.messages in papers else "correct")

    judge_on.script = script
    raw = columns(browser, loop, "16", "map", answer)
    assert raw["columns"]["paper"] == 0.0 and raw["columns"]["corrected"] == 1.0
    sent = [r.json for r in judge_on.requests]
    paper = [r for r in sent if r["messages"] in papers]
    assert [r["messages"] for r in paper] == papers  # both references, in order, WebArena's words
    assert all(r["temperature"] == expected[0][1]["temperature"] == 0 for r in paper)
    assert all(r["max_tokens"] == expected[0][1]["max_tokens"] for r in paper)
    ours = [r for r in sent if r not in paper]
    assert ours and all(r["messages"][0]["content"] == INSTRUCTION for r in ours)

    judge_on.script = lambda request: reply_text("Correct.")
    assert columns(browser, loop, "16", "map", answer)["columns"]["paper"] == 1.0
    judge_on.script = lambda request: reply_text("I cannot tell.")  # WebArena would stop on its assert
    raw = columns(browser, loop, "16", "map", answer)
    assert raw["columns"]["paper"] is None and "neither correct nor incorrect" in raw["errors"]["paper"]
    assert raw["sources"]["libwebarena"] == "0.0.5"


def test_paper_column_grades_the_reason_for_giving_up_with_webarenas_prompt(
    judge_on: ScriptedLLMServer,
    monkeypatch: pytest.MonkeyPatch,
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
) -> None:
    webarena = webarena_grader(monkeypatch)
    config = benchmark_configs("webarena")["22"]  # "N/A", with the reason in string_note
    answer = "No reviewer mentions under water photos."
    messages, _ = webarena["ua"](answer.lower(), config.eval.string_note, config.intent)
    judge_on.script = lambda request: reply_text("same" if request.messages == messages else "different")
    assert columns(browser, loop, "22", "shopping", answer)["columns"]["paper"] == 1.0
    judge_on.script = lambda request: reply_text("Different: the reasons are not the same.")
    assert columns(browser, loop, "22", "shopping", answer)["columns"]["paper"] == 0.0
    asked = len(judge_on.requests)
    assert columns(browser, loop, "22", "shopping", "N/A")["columns"]["paper"] == 1.0  # exact, not asked
    assert len(judge_on.requests) == asked


def test_a_missing_or_changed_wheel_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(prompts_module, "kept_wheel", lambda pattern: None)
    with pytest.raises(PaperPromptsError, match=r"pip download --no-deps .* libwebarena==0\.0\.5"):
        paper_prompts.__wrapped__()
    with pytest.raises(PaperPromptsError, match="llm_ua_match"):
        prompts_from_source("def llm_fuzzy_match(pred, reference, question):\n    pass\n")
    changed = "def llm_fuzzy_match(pred, reference, question):\n    message = question.upper()\n"
    with pytest.raises(PaperPromptsError, match="not strings"):
        prompts_from_source(changed + changed.replace("fuzzy", "ua"))
    assert "libwebarena" in sources()
