"""The corrected column refuses answers that pay by listing candidates (``candidates``), on the
shipped tasks and WebArena's own: every reference still passes, "0 1 2 ... 500" and the listing of
every reference of a task's intent template fail wherever they are not the task's own answer, the
paper column still pays them as WebArena does, and honest verbose answers pass. No site, no browser:
the answer checks need neither."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bench.judging.enumeration import own_answer
from palaestra.tasks.webarena import SITE_SUITES, suite_configs
from palaestra.tasks.webarena.candidates import MAX_OTHER_NUMBERS, reference_items
from palaestra.tasks.webarena.config import TaskConfig
from palaestra.tasks.webarena.eval_context import EvalContext
from palaestra.tasks.webarena.evaluators import string_match
from palaestra.tasks.webarena.official import benchmark_configs, raw_tasks
from palaestra.tasks.webarena.own_tasks import TASKS_ENV, own_configs

HONEST = Path(__file__).parents[2] / "bench" / "judging" / "honest_answers.json"
COUNT_LISTING = " ".join(str(n) for n in range(501))
OTHER = "lists candidates: it also names {}, the reference of another task of this intent template"


def judged(config: TaskConfig, answer: str, mode: str = "corrected") -> tuple[float, str | None]:
    """The column's string_match score of ``answer``, and the rule that refused it (if one did)."""
    ctx = EvalContext(None, None, answer, None, {}, {}, intent=config.intent, mode=mode)
    score = asyncio.run(string_match(config.eval, ctx))
    return score, ctx.details["values"]["string_match"].get("why")


def answer_tasks(configs: Mapping[str, TaskConfig]) -> dict[str, TaskConfig]:
    """The tasks judged by their answer alone, not "N/A" (158 shipped, 289 of WebArena's 812)."""
    return {n: c for n, c in configs.items() if c.eval.eval_types == ("string_match",) and not c.unachievable}


def shipped() -> dict[str, TaskConfig]:
    return answer_tasks({f"{s}.{n}": c for s in SITE_SUITES for n, c in suite_configs(s).items()})


def template_listing(config: TaskConfig) -> str:
    return ", ".join([*reference_items(config.eval.reference_answers), *config.eval.template_references])


def test_every_shipped_reference_still_passes_and_both_listings_are_refused() -> None:
    tasks = shipped()
    assert len(tasks) == 158
    assert [n for n, c in tasks.items() if judged(c, own_answer(c))[0] < 1] == []

    paper = [n for n, c in tasks.items() if judged(c, COUNT_LISTING, "paper")[0] >= 1]
    assert len(paper) == 32  # WebArena's column pays it, as WebArena does (the corrected one did on 36)
    refused = {n: judged(c, COUNT_LISTING) for n, c in tasks.items()}
    assert [n for n, (score, _) in refused.items() if score >= 1] == []
    why = refused["shop.category-count-0"][1]  # its template's tasks share the answer: numbers decide
    assert why is not None and why.startswith("lists candidates: it holds 500 numbers that neither")
    assert why.endswith(f"at most {MAX_OTHER_NUMBERS} are allowed")

    paid = [n for n, c in tasks.items() if judged(c, template_listing(c))[0] >= 1]
    # Still paid only where the template's tasks share one answer: the listing is the task's own.
    assert paid == [
        *(f"shop.category-count-{i}" for i in range(3)),
        *(f"code.release-tags-{i}" for i in range(3)),
    ]
    assert all(not tasks[n].eval.template_references for n in paid)
    price = tasks["shop.product-price-0"]
    score, why = judged(price, template_listing(price))
    assert score == 0.0 and judged(price, template_listing(price), "paper")[0] == 1.0
    assert why == OTHER.format("'$64.50'")


def test_honest_verbose_answers_still_pass() -> None:
    """Answers written by hand for ten shipped tasks (``bench.judging.enumeration``'s): more words,
    dates, a second number, the question's own numbers, a rating's scale."""
    tasks = shipped()
    answers = json.loads(HONEST.read_text())
    assert len(answers) == 10
    assert {n: judged(tasks[n], a) for n, a in answers.items() if judged(tasks[n], a)[0] < 1} == {}
    # Past the allowance the same kind of answer lists: four other numbers beside the reference.
    score, why = judged(tasks["shop.product-price-0"], "$18.49, or $12.99, $20.00, $7.50, $3.10")
    assert score == 0.0 and why is not None and "5 numbers" not in why and "4 numbers" in why


def test_webarenas_references_and_annotators_answers_still_pass_and_listings_do_not() -> None:
    """WebArena's 812: every answer task's reference, and each annotator's own answer that the
    containment test paid, pass; "0 1 2 ... 500" is paid nowhere."""
    tasks = answer_tasks(benchmark_configs("webarena"))
    assert len(tasks) == 289
    assert [n for n, c in tasks.items() if judged(c, own_answer(c))[0] < 1] == []
    raw = {n: c for n, c in tasks.items() if c.eval.reference_answer_raw_annotation}
    passed = [n for n, c in raw.items() if judged(c, c.eval.reference_answer_raw_annotation)[0] >= 1]
    assert len(passed) == 266  # as many as before the rule (the other 23 fail containment already)
    assert [n for n, c in tasks.items() if judged(c, COUNT_LISTING)[0] >= 1] == []
    assert len([n for n, c in tasks.items() if judged(c, COUNT_LISTING, "paper")[0] >= 1]) == 47


def test_lites_tasks_know_the_other_references_of_their_template_from_webarenas_812() -> None:
    """Lite keeps one or two tasks of a template: the others are WebArena's, not the originals of
    Lite's own tasks (whose references Lite corrected)."""
    lite = benchmark_configs("webarena-lite")
    kept = {int(raw["old_task_id"]) for raw in raw_tasks("webarena-lite")}
    original = benchmark_configs("webarena")
    config = lite["0"]
    others = [
        r
        for n, c in original.items()
        if c.intent_template_id == config.intent_template_id and int(n) not in kept
        for r in reference_items(c.eval.reference_answers)
    ]
    assert others and set(config.eval.template_references) == set(others) - set(
        reference_items(config.eval.reference_answers)
    )


def test_own_task_files_know_the_other_references_of_their_template_across_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def task(task_id: int, reference: str, template: int = 7) -> dict[str, Any]:
        spec = {"eval_types": ["string_match"], "reference_answers": {"must_include": [reference]}}
        return {
            "sites": ["shopping"], "task_id": task_id, "start_url": "__SHOPPING__/", "eval": spec,
            "intent": f"What is the price of product {task_id}?", "intent_template_id": template,
            "intent_template": "What is the price of {{p}}?",
        }  # fmt: skip

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "1.json").write_text(json.dumps(task(1, "$10.00")))
    (tmp_path / "b.json").write_text(json.dumps([task(2, "$20.00"), task(3, "$30.00"), task(4, "$40.00", 8)]))
    monkeypatch.setenv(TASKS_ENV, f"{tmp_path / 'a'}:{tmp_path / 'b.json'}")
    configs = own_configs()
    assert configs["1"].eval.template_references == ("$20.00", "$30.00")
    assert configs["2"].eval.template_references == ("$10.00", "$30.00")
    assert configs["4"].eval.template_references == ()
    assert judged(configs["1"], "It costs $10.00, not $20.00.") == (0.0, OTHER.format("'$20.00'"))
    assert judged(configs["1"], "It costs $10.00 (product 1, 3 in stock).")[0] == 1.0
