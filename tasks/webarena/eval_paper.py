"""The ``paper`` column's comparisons of answers and URLs: WebArena's evaluators as libwebarena 0.0.5
publishes them, their quirks included (the ``corrected`` column, in ``eval_answer``, fixes them).
``tests/tasks/test_webarena_against_webarena.py`` scores both on the same cases.

What WebArena does, and so what this does:

- ``clean``: trim, drop one pair of matching quotes around the whole text, lower-case. The answer
  is cleaned twice (once when read, once by each comparison), a reference once.
- ``must_include``: a substring test, except that the only item of a list, when it is a single
  character, is looked up among NLTK's tokens of the answer (``"0"`` is not in ``"10"``, nor
  ``"5"`` in ``"5-star"``, ``"1,000"`` or ``"3.5"``). ``|OR|`` is not read in an answer's items
  (only ``program_html`` splits its items on ``" |OR| "``).
- ``fuzzy_match`` ``"N/A"``: met by an answer of exactly "n/a"; otherwise the unachievable-reason
  grader's verdict *replaces* the score so far.
- ``url_match``: the page's URL and each reference (split on ``" |OR| "``) lose trailing slashes;
  a reference's host and path must be a substring of the page's (unlowered, undecoded); the
  references' query parameters are pooled, and each key needs one of its values among the
  page's (blank values are dropped, as ``parse_qs`` does). A ``url_note`` other than
  "GOLD in PRED" is refused.
- ``program_html`` (``html_contents``, and ``eval_state`` for the page): a locator's ``null`` or
  ``undefined`` is the text "None"; a locator is the page's HTML (blank), a ``func:`` helper, or a
  JavaScript expression starting ``document.`` or ``[...document.`` (others are refused); its
  ``prep_actions`` run until the first that throws; ``exact_match``, when present, is the only
  requirement read.
"""

from __future__ import annotations

import collections
import urllib.parse
from collections.abc import Mapping
from typing import Any

from palaestra.tasks.webarena.config import EvalSpec, TaskConfigError, fill_placeholders
from palaestra.tasks.webarena.eval_context import EvalContext
from palaestra.tasks.webarena.normalise import fuzzy_match
from palaestra.tasks.webarena.paper_tokens import word_tokenize

GOLD_IN_PRED = "GOLD in PRED"


def clean(text: str) -> str:
    text = str(text).strip()
    if len(text) >= 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    return text.lower()


def exact(answer: str, reference: str) -> bool:
    return clean(answer) == clean(reference)


def paper_includes(answer: str, reference: str, tokenize: bool = False) -> bool:
    """WebArena's ``must_include`` of one item (``tokenize``: the item is its list's only one)."""
    ref, pred = clean(reference), clean(answer)
    if tokenize and len(ref) == 1 and len(word_tokenize(ref)) == 1:
        return ref in word_tokenize(pred)
    return ref in pred


def html_contents(value: str, required: Mapping[str, Any]) -> float:
    """WebArena's verdict on the value a ``program_html`` check read: ``exact_match`` when the check
    has one (a ``must_include`` beside it is not read), else each ``must_include`` item, met by one
    of its ``" |OR| "`` alternatives as a substring (never tokenized). WebArena raises on any other
    ``required_contents`` (``must_exclude`` is Palaestra's), and so does this."""
    if "exact_match" in required:
        return float(exact(value, required["exact_match"]))
    if "must_include" in required:
        items = required["must_include"]
        return float(
            all(any(paper_includes(value, alt) for alt in str(item).split(" |OR| ")) for item in items)
        )
    raise TaskConfigError(
        f"program_html required_contents {sorted(required)}: WebArena reads exact_match or must_include "
        "only (must_exclude is Palaestra's: judge such tasks in the corrected column)"
    )


async def string_match(spec: EvalSpec, ctx: EvalContext) -> float:
    pred = clean(ctx.final_answer)
    score = 1.0
    for kind, value in (spec.reference_answers or {}).items():  # in the file's order, as WebArena
        if kind == "exact_match":
            score *= float(exact(pred, value))
        elif kind == "must_include":
            for item in value:
                score *= float(paper_includes(pred, item, tokenize=len(value) == 1))
        elif kind == "fuzzy_match" and value == "N/A":
            score *= float(exact(pred, value))
            if score != 1:
                reason = ctx.ua_judge is not None and await ctx.ua_judge(ctx.intent, pred, spec.string_note)
                score = float(reason)
        elif kind == "fuzzy_match":
            for reference in [value] if isinstance(value, str) else value:
                # With no grader configured, the deterministic normaliser stands in for WebArena's LLM.
                ok = (
                    await ctx.judge(ctx.intent, pred, reference)
                    if ctx.judge
                    else fuzzy_match(pred, reference)
                )
                score *= float(ok)
    return score


def _base_and_query(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urllib.parse.urlparse(url)
    return parts.netloc + parts.path, urllib.parse.parse_qs(parts.query)


def url_matches(pred: str, reference_url: str, url_note: str = GOLD_IN_PRED) -> bool:
    """Whether the page's URL meets ``reference_url`` (its alternatives joined by ``" |OR| "``)."""
    if url_note != GOLD_IN_PRED:
        raise TaskConfigError(
            f"url_note {url_note!r} is not a rule WebArena knows: it reads only {GOLD_IN_PRED!r}."
        )
    pred_base, pred_query = _base_and_query(str(pred).rstrip("/"))
    bases = []
    pooled: dict[str, set[str]] = collections.defaultdict(set)
    for reference in reference_url.split(" |OR| "):
        base, query = _base_and_query(reference.rstrip("/"))
        bases.append(base)
        for key, values in query.items():
            pooled[key].update(values)
    base_ok = any(base in pred_base for base in bases)
    return base_ok and all(
        any(v in pred_query.get(key, []) for v in values) for key, values in pooled.items()
    )


async def url_match(spec: EvalSpec, ctx: EvalContext) -> float:
    pred = ctx.last_url
    ctx.details["url"] = pred
    references = " |OR| ".join(fill_placeholders(r, ctx.urls) for r in spec.reference_url.split(" |OR| "))
    return float(url_matches(pred, references, spec.url_note))
