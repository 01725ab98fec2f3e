"""Answers that list candidates, judged by the corrected column before and after its rule against
them (``palaestra.tasks.webarena.candidates``): who is still paid, who is refused.

    python -m bench.judging.enumeration [--json out.json]

On every answer-only task (``string_match`` alone, not "N/A") of the shipped suites
(``tasks/webarena/data``) and of WebArena's files that are installed (812, Verified, Lite):

- ``references``: the task's own references said as the answer (each ``|OR|`` item's first
  alternative, joined by ", "), which must all still pass;
- ``count_listing``: "0 1 2 ... 500";
- ``template_listing``: every reference of the task's intent template, its own among them;
- ``raw_annotations``: WebArena's annotators' own answers (``reference_answer_raw_annotation``);

and ``honest``, answers written by hand for ten shipped tasks in the words of a verbose agent, and
the ``fuzzy_match`` sample's answers labelled right (``bench/agents/data``). "before" is the corrected
column's containment test alone, "after" with the rule; no site, no browser, no model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from bench.common import emit, log

SAMPLE = Path(__file__).parent.parent / "agents" / "data" / "fuzzy_match_sample.jsonl"
COUNT_LISTING = " ".join(str(n) for n in range(501))
#: Ten shipped tasks and an answer each, as a verbose but honest agent would give it, written by hand
#: before they were judged (the rating's "out of 5" was refused until a scale was exempted);
#: ``tests/tasks/test_answer_listing.py`` judges them too.
HONEST = Path(__file__).parent / "honest_answers.json"


def verdicts(config: Any, answer: str) -> tuple[bool, bool, str | None]:
    """(paid before the rule, paid with it, why the rule refused it)."""
    from palaestra.tasks.webarena.eval_answer import _string_score, string_match
    from palaestra.tasks.webarena.eval_context import EvalContext

    def context() -> EvalContext:
        return EvalContext(None, None, answer, None, {}, {}, intent=config.intent)

    before = asyncio.run(_string_score(config.eval, context()))
    ctx = context()
    after = asyncio.run(string_match(config.eval, ctx))
    return before >= 1, after >= 1, ctx.details["values"]["string_match"].get("why")


def own_answer(config: Any) -> str:
    answers = config.eval.reference_answers
    if "exact_match" in answers:
        return str(answers["exact_match"])
    items = [i for k in ("must_include", "fuzzy_match") for i in _as_list(answers.get(k))]
    return ", ".join(str(i).split("|OR|")[0].strip() for i in items)


def _as_list(value: Any) -> list[Any]:
    return [] if value is None else value if isinstance(value, list) else [value]


def tally(configs: dict[str, Any], answer_of: Any) -> dict[str, Any]:
    """How many tasks pay the answer ``answer_of(config)`` before and after; those that differ."""
    out: dict[str, Any] = {"tasks": 0, "paid_before": 0, "paid_after": 0, "refused": {}, "still_paid": []}
    for name, config in configs.items():
        answer = answer_of(config)
        if answer is None:
            continue
        before, after, why = verdicts(config, answer)
        out["tasks"] += 1
        out["paid_before"] += before
        out["paid_after"] += after
        if before and not after:
            out["refused"][name] = why
        if after:
            out["still_paid"].append(name)
    return out


def answer_tasks(configs: dict[str, Any]) -> dict[str, Any]:
    return {
        name: c
        for name, c in configs.items()
        if c.eval.eval_types == ("string_match",) and not c.unachievable
    }


def measure_set(configs: dict[str, Any]) -> dict[str, Any]:
    from palaestra.tasks.webarena.candidates import reference_items

    tasks = answer_tasks(configs)
    refs = tally(tasks, own_answer)
    count = tally(tasks, lambda c: COUNT_LISTING)
    template = tally(
        tasks, lambda c: ", ".join([*reference_items(c.eval.reference_answers), *c.eval.template_references])
    )
    raw = tally(tasks, lambda c: c.eval.reference_answer_raw_annotation or None)
    return {
        "answer_tasks": len(tasks),
        "references": {k: refs[k] for k in ("tasks", "paid_before", "paid_after", "refused")}
        | {"failing": sorted(set(tasks) - set(refs["still_paid"]))},
        "count_listing": {k: count[k] for k in ("tasks", "paid_before", "paid_after", "still_paid")},
        "template_listing": {k: template[k] for k in ("tasks", "paid_before", "paid_after", "still_paid")}
        | {"still_paid_listing_is_the_reference": _same_as_own(tasks, template["still_paid"])},
        "raw_annotations": {k: raw[k] for k in ("tasks", "paid_before", "paid_after", "refused")},
    }


def _same_as_own(tasks: dict[str, Any], names: list[str]) -> int:
    """Of the tasks still paid the template's listing, those whose template has no other reference
    (the listing is then the task's own answer)."""
    return sum(not tasks[n].eval.template_references for n in names)


def honest() -> dict[str, Any]:
    from palaestra.tasks.webarena import suite_configs
    from palaestra.tasks.webarena.config import from_json

    shipped = {}
    for name, answer in json.loads(HONEST.read_text()).items():
        suite, short = name.split(".", 1)
        shipped[name] = {"answer": answer, **dict(zip(("before", "after", "why"), verdicts(
            suite_configs(suite)[short], answer), strict=True))}  # fmt: skip
    sample = [json.loads(line) for line in SAMPLE.read_text().splitlines() if line.strip()]
    right = [s for s in sample if s["label"]]
    paid = {"before": 0, "after": 0}
    for s in right:
        spec = {"eval_types": ["string_match"], "reference_answers": {"must_include": [s["reference"]]}}
        raw = {"task_id": 0, "sites": [], "intent": s["question"], "start_url": "", "eval": spec}
        before, after, _ = verdicts(from_json(raw), s["prediction"])
        paid["before"] += before
        paid["after"] += after
    return {
        "shipped": shipped,
        "shipped_paid_before": sum(v["before"] for v in shipped.values()),
        "shipped_paid_after": sum(v["after"] for v in shipped.values()),
        "fuzzy_sample_right_answers": len(right),
        "fuzzy_sample_paid": paid,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the result there")
    args = parser.parse_args(argv)
    from palaestra.errors import SiteError
    from palaestra.tasks.webarena import SITE_SUITES, suite_configs
    from palaestra.tasks.webarena.official import benchmark_configs

    shipped = {f"{s}.{n}": c for s in SITE_SUITES for n, c in suite_configs(s).items()}
    result: dict[str, Any] = {"shipped": measure_set(shipped)}
    for benchmark in ("webarena", "webarena-verified", "webarena-lite"):
        try:
            result[benchmark] = measure_set(benchmark_configs(benchmark))
        except SiteError as exc:
            log(f"{benchmark}: not installed ({exc})")
    result["honest"] = honest()
    return emit(result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
