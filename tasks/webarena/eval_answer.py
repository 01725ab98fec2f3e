"""The evaluators of what the agent said and where it ended: ``string_match`` on its answer and
``url_match`` on its last URL, with the text and URL comparisons they rest on (corrected and as
WebArena published them; see ``palaestra.tasks.webarena.evaluators``).

Apart from the checks of pages and databases (``eval_state``) because these need neither: they are
the checks that still run when an episode is judged from its evidence alone.
"""

from __future__ import annotations

import urllib.parse

from palaestra.tasks.webarena import eval_paper as paper
from palaestra.tasks.webarena.candidates import listing
from palaestra.tasks.webarena.config import EvalSpec, fill_placeholders
from palaestra.tasks.webarena.eval_context import EvalContext
from palaestra.tasks.webarena.normalise import contains_words, fuzzy_match, is_not_applicable, normalise


def _clean(text: str) -> str:
    return str(text).strip().strip("\"'").strip().lower()


def _alternatives(item: str) -> list[str]:
    return [a.strip() for a in str(item).split("|OR|")]


def includes(answer: str, item: str, mode: str = "corrected") -> bool:
    """Whether ``answer`` holds ``item`` or one of its ``|OR|`` alternatives (``program_html``'s
    reading; in the paper column, ``string_match`` reads no alternatives: ``eval_paper``)."""
    if mode == "paper":
        return any(paper.paper_includes(answer, alt) for alt in str(item).split(" |OR| "))
    canonical = normalise(answer)
    return any(contains_words(canonical, normalise(alt)) for alt in _alternatives(item))


async def string_match(spec: EvalSpec, ctx: EvalContext) -> float:
    why = _lists_candidates(spec, ctx)
    score = 0.0 if why else await _string_score(spec, ctx)
    ctx.keep_values("string_match", spec.reference_answers or {}, ctx.final_answer, score >= 1, why=why)
    return score


def _lists_candidates(spec: EvalSpec, ctx: EvalContext) -> str | None:
    """Why the answer lists candidates where the references ask only to be contained in it
    (``must_include``, ``fuzzy_match``; ``candidates``), in the corrected column; else None."""
    answers = spec.reference_answers or {}
    if ctx.mode == "paper" or ctx.answer is None:
        return None
    fuzzy = answers.get("fuzzy_match")
    if "must_include" not in answers and (fuzzy is None or str(fuzzy).strip().upper() == "N/A"):
        return None
    return listing(ctx.answer, answers, spec.template_references, ctx.intent)


async def _string_score(spec: EvalSpec, ctx: EvalContext) -> float:
    if ctx.mode == "paper":
        return await paper.string_match(spec, ctx)
    answers = spec.reference_answers or {}
    answer = ctx.final_answer
    if _hedged(answers, answer):
        return 0.0
    score = 1.0
    if "exact_match" in answers:
        score *= float(_clean(answer) == _clean(answers["exact_match"]))
    if "must_include" in answers:
        for item in answers["must_include"]:
            score *= float(includes(answer, item))
    if "fuzzy_match" in answers:
        refs = answers["fuzzy_match"]
        if isinstance(refs, str) and refs.strip().upper() == "N/A":  # WebArena's mark of an unachievable task
            score *= float(ctx.infeasible is not None or is_not_applicable(answer))
        elif isinstance(refs, str):
            score *= float(await _fuzzy(ctx, answer, refs))
        else:
            for ref in refs:
                score *= float(await _fuzzy(ctx, answer, ref))
    return score


def _hedged(answers: dict[str, object], answer: str) -> bool:
    """Whether ``answer`` says the task cannot be done ("N/A", or one starting "N/A ...", which meets
    an "N/A" reference) while the reference is an answer: "N/A, else 42" met both "N/A" and
    must_include ["42"], one answer for every kind of task. (WebArena's column, ``paper``, reads an
    "N/A" reference as exactly "n/a", so there the hedge is paid on the answerable tasks alone.)"""
    references = [v for k, v in answers.items() if k in ("exact_match", "must_include", "fuzzy_match")]
    items = [str(i) for v in references for i in (v if isinstance(v, list) else [v])]
    return bool(items) and is_not_applicable(answer) and not any(is_not_applicable(i) for i in items)


async def _fuzzy(ctx: EvalContext, answer: str, reference: str) -> bool:
    if ctx.judge is not None:
        return await ctx.judge(ctx.intent, answer, reference)
    return fuzzy_match(answer, reference)


def _parsed(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path).rstrip("/") or "/"
    return parts.netloc.lower(), path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def url_matches(pred: str, ref: str, mode: str = "corrected") -> bool:
    """Whether the page's URL ``pred`` meets the reference ``ref``: in the corrected column, the
    same host, the reference's path or one below it by whole segments, and every reference query
    parameter with its values; in the paper column WebArena's substring test (its PR #77: /todos2
    is in /todos; see ``eval_paper``)."""
    if mode == "paper":
        return paper.url_matches(pred, ref)
    pred_host, pred_path, pred_query = _parsed(pred)
    ref_host, ref_path, ref_query = _parsed(ref)
    below = pred_path == ref_path or pred_path.startswith(ref_path.rstrip("/") + "/")
    path_ok = pred_host == ref_host and below
    query_ok = all(set(values) <= set(pred_query.get(key, [])) for key, values in ref_query.items())
    return path_ok and query_ok


async def url_match(spec: EvalSpec, ctx: EvalContext) -> float:
    refs = [fill_placeholders(r, ctx.urls) for r in _alternatives(spec.reference_url)]
    if ctx.mode == "paper":
        score = await paper.url_match(spec, ctx)
    else:
        ctx.details["url"] = ctx.last_url
        score = float(any(url_matches(ctx.last_url, ref) for ref in refs))
    ctx.keep_values("url_match", " |OR| ".join(refs), ctx.last_url, score >= 1)
    return score
