"""Scores the same cases with our ``paper`` column and with WebArena's own evaluators (libwebarena
0.0.5, run by ``testing/webarena_scorer.py`` in the venv ``scripts/setup`` makes for it), for
``test_webarena_against_webarena.py``.

A case is a task's ``eval`` block as WebArena's JSON files have it, the agent's final answer and its
last URL. Ours is computed in-process by ``evaluators.evaluate`` in ``mode="paper"``, the call our
judges make (``OfficialTask.evaluate``, ``rejudge_official``), judging from the evidence alone as
``rejudge_official`` does (no page: the URL is the recorded one); WebArena's in one subprocess.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.evaluators import EvalContext, FuzzyJudge, evaluate
from palaestra.testing.side_scorer import run_scorer

WEBARENA_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-webarena" / "bin" / "python"
SCORER = Path(__file__).resolve().parents[2] / "testing" / "webarena_scorer.py"
INTENT = "What is the answer to the task?"


@dataclass(frozen=True)
class Case:
    """An agent's final ``answer`` and last ``url`` against a task's ``eval`` block."""

    answers: dict[str, Any] | None = None  # reference_answers
    answer: str = ""
    reference_url: str = ""
    url: str = "http://shop.test/"
    url_note: str | None = None  # None: the key is left out, as in most official tasks
    string_note: str = ""

    def config(self) -> dict[str, Any]:
        """The task as a WebArena JSON file holds it (the keys our loader needs too)."""
        types = (["string_match"] if self.answers is not None else []) + (
            ["url_match"] if self.reference_url else []
        )
        spec: dict[str, Any] = {"eval_types": types, "reference_answers": self.answers}
        spec.update(reference_url=self.reference_url, program_html=[], string_note=self.string_note)
        if self.url_note is not None:
            spec["url_note"] = self.url_note
        return {"task_id": 0, "sites": ["shopping"], "intent": INTENT, "start_url": "http://shop.test/",
                "require_login": False, "storage_state": None, "eval": spec}  # fmt: skip

    def kind(self) -> str:
        """The evaluator part a case exercises, for the pass/fail coverage check."""
        if self.reference_url:
            return "url_match"
        answers = self.answers or {}
        if "must_include" in answers:
            return "must_include one" if len(answers["must_include"]) == 1 else "must_include several"
        return "fuzzy_match" if "fuzzy_match" in answers else "exact_match"


def webarena_verdicts(cases: dict[str, Case], env: dict[str, str] | None = None) -> dict[str, float | str]:
    """WebArena's score of each case, or the name of the exception its evaluator raised."""
    payload = [{"config": c.config(), "answer": c.answer, "url": c.url} for c in cases.values()]
    return dict(zip(cases, run_scorer(WEBARENA_PYTHON, SCORER, payload, env), strict=True))


async def column_score(
    case: Case, mode: str, judge: FuzzyJudge | None = None, ua_judge: FuzzyJudge | None = None
) -> float | str:
    """Our column's score of a case, or the name of the exception it raised."""
    config = from_json(case.config())
    ctx = EvalContext(
        page=None, context=None, answer=case.answer, infeasible=None, urls={}, databases={},
        intent=config.intent, mode=mode, judge=judge, ua_judge=ua_judge, final_url=case.url,
    )  # fmt: skip
    try:
        return await evaluate(config.eval, ctx)
    except ValueError:  # OfficialTask.evaluate makes it the column's error; ours are typed subclasses
        return "ValueError"


def assert_same_scores(cases: dict[str, Case], disagreeing: set[str]) -> None:
    """Every case scores the same in our paper column and in WebArena; each evaluator part has a case
    WebArena passes and one it fails; and the cases where our corrected column differs from the
    paper one are exactly ``disagreeing`` (so that the table keeps one of each such difference)."""
    theirs = webarena_verdicts(cases)
    paper = {name: asyncio.run(column_score(case, "paper")) for name, case in cases.items()}
    report = [f"{n}: paper {paper[n]!r}, WebArena {theirs[n]!r}" for n in cases if paper[n] != theirs[n]]
    assert not report, "\n".join(report)
    for kind in {c.kind() for c in cases.values()}:
        seen = {theirs[n] for n, c in cases.items() if c.kind() == kind}
        assert 1.0 in seen and 0.0 in seen, f"{kind} lacks a passing or a failing case: WebArena gave {seen}"
    corrected = {name: asyncio.run(column_score(case, "corrected")) for name, case in cases.items()}
    differ = {n for n in cases if corrected[n] != paper[n]}
    assert differ == disagreeing, (
        f"paper and corrected now disagree on {sorted(differ - disagreeing)} too, "
        f"no longer on {sorted(disagreeing - differ)}"
    )
