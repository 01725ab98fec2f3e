"""The evaluators of what the agent said and where it ended: ``string_match`` on its answer and
``url_match`` on its last URL, with the text and URL comparisons they rest on (corrected and as
WebArena published them; see ``palaestra.tasks.webarena.evaluators``).

Apart from the checks of pages and databases (``eval_state``) because these need neither: they are
the checks that still run when an episode is judged from its evidence alone.
"""

from __future__ import annotations

import re
import urllib.parse

from palaestra.tasks.webarena.config import EvalSpec, fill_placeholders
from palaestra.tasks.webarena.eval_context import EvalContext
from palaestra.tasks.webarena.normalise import contains_words, fuzzy_match, is_not_applicable, normalise


def _clean(text: str) -> str:
    return str(text).strip().strip("\"'").strip().lower()


def _alternatives(item: str) -> list[str]:
    return [a.strip() for a in str(item).split("|OR|")]


def includes(answer: str, item: str, mode: str = "corrected", tokenize: bool = False) -> bool:
    if mode == "paper":
        return any(paper_includes(answer, alt, tokenize) for alt in _alternatives(item))
    canonical = normalise(answer)
    return any(contains_words(canonical, normalise(alt)) for alt in _alternatives(item))


def paper_includes(answer: str, reference: str, tokenize: bool = False) -> bool:
    """WebArena's ``must_include``: a substring of the lower-cased answer; with ``tokenize`` a
    one-word reference is looked up among the answer's words (NLTK's tokens, approximated here by
    runs of word characters and single punctuation marks)."""
    ref, pred = _clean(reference), _clean(answer)
    if tokenize and re.fullmatch(r"\w+", ref):
        return ref in re.findall(r"\w+|[^\w\s]", pred)
    return ref in pred


async def string_match(spec: EvalSpec, ctx: EvalContext) -> float:
    answers = spec.reference_answers or {}
    answer = ctx.final_answer
    score = 1.0
    if "exact_match" in answers:
        score *= float(_clean(answer) == _clean(answers["exact_match"]))
    if "must_include" in answers:
        for item in answers["must_include"]:
            # WebArena looks a one-word item up among the words only when it is the only item.
            alone = len(answers["must_include"]) == 1
            score *= float(includes(answer, item, ctx.mode, tokenize=alone))
    if "fuzzy_match" in answers:
        refs = answers["fuzzy_match"]
        if isinstance(refs, str) and refs.strip().upper() == "N/A":  # WebArena's mark of an unachievable task
            if ctx.mode == "paper":  # its exact match on "N/A", then its grader on the agent's reason
                ok = _clean(answer) == "n/a" or (
                    ctx.ua_judge is not None
                    and await ctx.ua_judge(ctx.intent, _clean(answer), spec.string_note)
                )
                score *= float(ok)
            else:
                score *= float(ctx.infeasible is not None or is_not_applicable(answer))
        elif isinstance(refs, str):
            score *= float(await _fuzzy(ctx, answer, refs))
        else:
            for ref in refs:
                score *= float(await _fuzzy(ctx, answer, ref))
    return score


async def _fuzzy(ctx: EvalContext, answer: str, reference: str) -> bool:
    if ctx.mode == "paper":  # WebArena's graders see the cleaned (lower-cased) answer
        answer = _clean(answer)
    if ctx.judge is not None:
        return await ctx.judge(ctx.intent, answer, reference)
    return fuzzy_match(answer, reference)


def _parsed(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path).rstrip("/") or "/"
    return parts.netloc.lower(), path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def url_matches(pred: str, ref: str, mode: str = "corrected") -> bool:
    pred_host, pred_path, pred_query = _parsed(pred)
    ref_host, ref_path, ref_query = _parsed(ref)
    # WebArena's own evaluator tests host and path as a substring (its PR #77: /todos2 is in /todos);
    # ours tests containment by whole path segments.
    if mode == "paper":
        path_ok = f"{ref_host}{ref_path}" in f"{pred_host}{pred_path}"
    else:
        below = pred_path == ref_path or pred_path.startswith(ref_path.rstrip("/") + "/")
        path_ok = pred_host == ref_host and below
    query_ok = all(set(values) <= set(pred_query.get(key, [])) for key, values in ref_query.items())
    return path_ok and query_ok


async def url_match(spec: EvalSpec, ctx: EvalContext) -> float:
    pred = ctx.last_url
    refs = [fill_placeholders(r, ctx.urls) for r in _alternatives(spec.reference_url)]
    ctx.details["url"] = pred
    return float(any(url_matches(pred, ref, ctx.mode) for ref in refs))
