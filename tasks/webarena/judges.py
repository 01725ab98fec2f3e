"""The LLM graders of free-text answers: Palaestra's (the ``corrected`` column and Palaestra's own
tasks) and WebArena's (the ``paper`` column), both off unless ``PALAESTRA_FUZZY_JUDGE=llm``.

With the judge off, the deterministic normaliser (``normalise.fuzzy_match``) decides in both
columns. With it on, both ask the same model, ``agents.llm.default_model()``: the endpoint of
``PALAESTRA_LLM_*`` when one is configured, else the embedded model (as agents do).

- ``judge_from_env()``: Palaestra's prompt (``agents.llm.fuzzy``: a chat question, or graded
  examples for a completion model such as the embedded one), verdict "correct" / "incorrect".
- ``paper_grader_from_env()``: WebArena's ``llm_fuzzy_match`` and ``llm_ua_match`` as published:
  their prompts read from libwebarena's wheel (``paper_prompts``), their sampling (temperature 0,
  768 tokens) and their verdict rules: a reply containing "partially correct" or "incorrect" fails,
  else one containing "correct" passes; "different" fails, else "same" passes. A reply with neither
  word (where WebArena's ``assert`` stops the run) is a ``GraderReplyError``: the paper column of
  that episode is then None, with the reply in its error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from palaestra.errors import PalaestraError
from palaestra.tasks.webarena.evaluators import FuzzyJudge
from palaestra.tasks.webarena.paper_prompts import PaperPrompt, PaperPrompts, PaperPromptsError, paper_prompts

if TYPE_CHECKING:
    from palaestra.agents.llm import Model

ENV_JUDGE = "PALAESTRA_FUZZY_JUDGE"


class GraderReplyError(PalaestraError, ValueError):
    """The paper's grader replied without the verdict words WebArena reads."""


def judge_on() -> bool:
    return os.environ.get(ENV_JUDGE, "").strip().lower() == "llm"


def _lazy_model(model: Model | None, **sampling: Any) -> Callable[[], Model]:
    """``model``, else ``default_model(**sampling)`` made on first use, in the loop that uses it."""
    made: list[Model] = [model] if model is not None else []

    def get() -> Model:
        if not made:
            from palaestra.agents.llm import default_model

            made.append(default_model(**sampling))
        return made[0]

    return get


def check_judge_model() -> None:
    """Before a run with the judge on: with no endpoint configured, the embedded model must run here."""
    from palaestra.agents.llm import LLMConfigError, check_default_model

    try:
        check_default_model("judge")
    except LLMConfigError as exc:
        raise LLMConfigError(
            f"{ENV_JUDGE}=llm needs an LLM: none is configured and the embedded one cannot run "
            f"({str(exc.__context__ or exc)[:200]}). Fix: run ./scripts/setup (or pip install "
            "'palaestra[llm]'), or export PALAESTRA_LLM_MODEL=NAME (and PALAESTRA_LLM_BASE_URL="
            f"http://HOST/v1), or unset {ENV_JUDGE}."
        ) from None


def judge_from_env(model: Model | None = None) -> FuzzyJudge | None:
    """Palaestra's fuzzy judge when ``PALAESTRA_FUZZY_JUDGE=llm``, else None."""
    if not judge_on():
        return None
    if model is None:
        check_judge_model()
    from palaestra.agents.llm.fuzzy import afuzzy_match

    get = _lazy_model(model)

    async def judge(question: str, answer: str, reference: str) -> bool:
        return await afuzzy_match(reference, answer, question, get())

    return judge


class PaperGrader:
    """WebArena's two graders over one model (see the module's docstring)."""

    def __init__(self, model: Model | None = None, prompts: PaperPrompts | None = None) -> None:
        self.prompts = prompts or paper_prompts()
        sampling = {
            "temperature": self.prompts.fuzzy.temperature,
            "max_tokens": self.prompts.fuzzy.max_tokens,
        }
        if any(getattr(self.prompts.unachievable, k) != v for k, v in sampling.items()):
            raise PaperPromptsError("WebArena's two graders sample differently; Palaestra asks one model")
        self.model = _lazy_model(model, **sampling)

    async def _reply(self, prompt: PaperPrompt, question: str, pred: str, reference: str) -> str:
        completion = await self.model().complete(
            prompt.messages(question=question, pred=pred, reference=reference)
        )
        return (completion.text or "").lower()

    async def fuzzy(self, question: str, answer: str, reference: str) -> bool:
        """``llm_fuzzy_match``: is ``answer`` semantically the reference?"""
        reply = await self._reply(self.prompts.fuzzy, question, answer, reference)
        if "partially correct" in reply or "incorrect" in reply:
            return False
        if "correct" in reply:
            return True
        raise GraderReplyError(
            f"WebArena's fuzzy grader replied {reply[:200]!r}: neither correct nor incorrect"
        )

    async def unachievable(self, question: str, reported: str, actual: str) -> bool:
        """``llm_ua_match``: is the agent's reason for giving up (``reported``) the task's own?"""
        reply = await self._reply(self.prompts.unachievable, question, reported, actual)
        if "different" in reply:
            return False
        if "same" in reply:
            return True
        raise GraderReplyError(
            f"WebArena's unachievable-reason grader replied {reply[:200]!r}: neither same nor different"
        )


def paper_grader_from_env(model: Model | None = None) -> PaperGrader | None:
    """WebArena's grader when ``PALAESTRA_FUZZY_JUDGE=llm`` (its prompts' wheel must be there), else None."""
    if not judge_on():
        return None
    if model is None:
        check_judge_model()
    return PaperGrader(model)
