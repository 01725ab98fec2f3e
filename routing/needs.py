"""Multi-step requests: split a request into its needs, retrieve for each, merge the lists.

"Find the cheapest flight, convert the price to euros and put it in my calendar" needs three
tools; one retrieval over the whole sentence ranks whichever need dominates its words and buries
the rest. `split_needs` cuts a request at the places people join steps (sentences, "then",
"after that", "and" before a new verb, ...) without any model; `LLMNeedSplitter` asks a model to
list the steps when one is configured, and falls back to the rules when it fails or says nothing
usable. `select_needs` retrieves for the whole request and for each need and fuses the lists by
reciprocal rank, the whole request's counting double, so that each need's best tool rises into
the top five without a stray need's list pushing out what the whole request clearly asked for;
then each hit is followed by the APIs its required inputs come from (`composition.py`), which a
request never names.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .selection import StepHits
from .selector import ApiSelector, ScoredApi, Selection
from .text import DATE_WORDS, NUMBER_WORDS, STOPWORDS, split_identifier

if TYPE_CHECKING:
    from palaestra.agents.llm import Model

log = logging.getLogger(__name__)

#: Needs shorter than this many words are joined to the one before (a fragment is not a step).
MIN_NEED_WORDS = 3
#: The merge of the whole request's list with its needs' (`merge_lists`). Fitted by grid (weight 1,
#: 1.5, 2, 3, 5; offset 0, 2, 5, 10, 60) on the tuning halves of NESTFUL, ComplexFuncBench and
#: AgentDojo at once, by the mean of their nDCG@5 with prerequisites on (2026-12-04; weights 2-5 at
#: offset 0 were within 0.003 of each other; plain round-robin interleaving lost 0.04 on AgentDojo,
#: whose follow-up sentences are no steps). Not fitted on BFCL, whose queries are mostly one need.
NEEDS_WHOLE_WEIGHT = 2.0
NEEDS_RRF_K = 0.0
#: At most this many needs per request: more is a list of items, not of steps.
MAX_NEEDS = 6
_ORDINAL = re.compile(r"\d+(?:st|nd|rd|th)|st|nd|rd|th|is|today")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+(?=[A-Za-z])|\n+")
_STEP_JOINERS = re.compile(
    r",?\s*\b(?:and then|then|after that|afterwards|after which|next|finally|also|as well as|"
    r"followed by|once (?:that is|that's|it is|it's) done|and finally|and also|plus)\b[,:]?\s+",
    re.IGNORECASE,
)
#: Imperative verbs that open a step: "and"/"," before one of them starts a new need.
_STEP_VERB_WORDS = """
    add analyse analyze book buy calculate call cancel check compare compute convert copy count
    create delete determine display download draw email estimate fetch filter find forward generate
    get give identify invite list look make message move notify obtain open order pay plot play post
    predict provide put read recommend record remind remove rename rent reply reserve retrieve
    return save schedule search send set share show sort subscribe summarise summarize tell track
    transfer translate update upload write
"""
STEP_VERBS = frozenset(_STEP_VERB_WORDS.split())
_VERB_AND = re.compile(
    r"(?:,\s*and|,|\band)\s+(?=(?:please\s+)?(?:" + "|".join(sorted(STEP_VERBS)) + r")\b)", re.IGNORECASE
)


def split_needs(request: str) -> list[str]:
    """The request's steps, in order, by rule (one item when it reads as a single need)."""
    text = " ".join(request.split())
    pieces: list[str] = []
    for sentence in _SENTENCES.split(text):
        for part in _STEP_JOINERS.split(sentence):
            pieces.extend(_VERB_AND.split(part))
    needs: list[str] = []
    for piece in (p.strip(" ,.;:") for p in pieces):
        if not piece:
            continue
        if needs and len(piece.split()) < MIN_NEED_WORDS:
            needs[-1] = f"{needs[-1]} {piece}"
        else:
            needs.append(piece)
    needs = [need for need in needs if _asks_something(need)]
    if len(needs) > MAX_NEEDS:
        return [text]
    return needs or [text]


def _asks_something(need: str) -> bool:
    """False for context that asks for nothing ("Today is October 13th, 2024"): only date, number and
    function words."""
    words = [w for w in split_identifier(need) if w not in STOPWORDS and not w.isdigit()]
    return any(w not in DATE_WORDS and w not in NUMBER_WORDS and not _ORDINAL.fullmatch(w) for w in words)


class LLMNeedSplitter:
    """Asks a model for the request's steps, one per line; the rules' answer when that fails.

    A chat model gets the instruction as messages; a model that continues text (the embedded one)
    gets it as a prompt that opens the list for it, as the re-ranker does."""

    INSTRUCTION = (
        "Split the user's request into the separate actions it needs, one short action per line, "
        "in order. Do not add actions. If it is a single action, write it once."
    )

    def __init__(self, model: Model) -> None:
        from palaestra.agents.llm import prompt_style

        self.model = model
        self.style = prompt_style(model)

    async def split(self, request: str) -> list[str]:
        try:
            if self.style == "chat":
                messages = [{"role": "system", "content": self.INSTRUCTION},
                            {"role": "user", "content": f"Request: {request}"}]  # fmt: skip
                text = (await self.model.complete(messages)).text or ""
            else:
                prompt = f"{self.INSTRUCTION}\n\nRequest: {request}\n\nActions:\n-"
                text = "-" + (
                    (await self.model.complete_text(prompt, stop=["\n\n"], max_tokens=120)).text or ""
                )
        except Exception as exc:  # advisory, like the re-ranker: the rules still answer
            log.warning(
                "need splitting by the model failed, using the rules: %s: %s", type(exc).__name__, exc
            )
            return split_needs(request)
        needs = parse_needs(text)
        return needs if 1 <= len(needs) <= MAX_NEEDS else split_needs(request)


def parse_needs(text: str) -> list[str]:
    """The model's listed actions: one per line, bullets and numbering dropped, fragments skipped."""
    out = []
    for line in text.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s*", "", line).strip()
        if len(line.split()) >= 2 and line not in out:
            out.append(line)
    return out


def merge_lists(lists: Sequence[Sequence[ScoredApi]], k: int) -> list[ScoredApi]:
    """The lists fused by weighted reciprocal rank, the first `k`: an API scores
    `weight / (rank + NEEDS_RRF_K)` (rank from 1) in each list it is in, the whole request's list
    (the first) with `NEEDS_WHOLE_WEIGHT` and each need's with 1; ties keep first appearance."""
    scores: dict[str, float] = {}
    found: dict[str, ScoredApi] = {}
    for index, hits in enumerate(lists):
        weight = NEEDS_WHOLE_WEIGHT if index == 0 else 1.0
        for rank, hit in enumerate(hits, 1):
            scores[hit.key] = scores.get(hit.key, 0.0) + weight / (rank + NEEDS_RRF_K)
            found.setdefault(hit.key, hit)
    order = sorted(scores, key=lambda key: -scores[key])  # stable: ties keep first appearance
    return [found[key] for key in order[:k]]


def select_needs(
    selector: ApiSelector,
    request: str,
    k: int = 5,
    needs: Sequence[str] | None = None,
    *,
    prerequisites: bool = True,
    namespaces: Collection[str] | None = None,
    categories: Collection[str] | None = None,
) -> Selection:
    """The top-`k` APIs for a request that may need several: the whole request's selection, its
    hits interleaved with each need's (`split_needs` unless `needs` are given), and with
    `prerequisites` each hit followed by the APIs its required inputs come from
    (`ApiSelector.composition`). Abstains only when the whole request's selection does. When the
    request splits into several needs, `Selection.steps` holds each need's own best `k` keys.
    `namespaces` and `categories` filter every search and the prerequisites, as in `select`."""
    steps = list(needs) if needs is not None else split_needs(request)
    if len(steps) > 1:
        selector.prime([request, *steps])  # one batch through the model instead of one per need
    whole = selector.select(request, k, namespaces, categories)
    lists = [whole.hits]
    if len(steps) > 1:
        lists += [selector.select(step, k, namespaces, categories).hits for step in steps]
    merged = merge_lists(lists, k * len(lists))
    if prerequisites:
        merged = with_prerequisites(selector, merged, k, namespaces, categories)
    per_step = tuple(
        StepHits(step, tuple(hit.key for hit in hits)) for step, hits in zip(steps, lists[1:], strict=False)
    )
    return replace(whole, hits=merged[:k], steps=per_step)


def with_prerequisites(
    selector: ApiSelector,
    hits: Sequence[ScoredApi],
    k: int,
    namespaces: Collection[str] | None = None,
    categories: Collection[str] | None = None,
) -> list[ScoredApi]:
    """`hits` with each one's prerequisites right after it (those not retrieved score 0); a
    prerequisite outside `namespaces` or `categories` (when given) is left out."""
    graph = selector.composition()
    found = {hit.key: hit for hit in hits}
    keys = graph.expand([hit.key for hit in hits], k)
    out = []
    for key in keys:
        hit = found.get(key) or ScoredApi(graph.records[key], 0.0, 0.0, 0.0)
        if key in found or (
            (namespaces is None or hit.record.namespace in namespaces)
            and (categories is None or hit.record.category in categories)
        ):
            out.append(hit)
    return out


async def aselect_needs(
    selector: ApiSelector,
    request: str,
    k: int = 5,
    splitter: LLMNeedSplitter | None = None,
    *,
    namespaces: Collection[str] | None = None,
    categories: Collection[str] | None = None,
) -> Selection:
    """`select_needs` with the needs listed by `splitter`'s model (the rules when it is None)."""
    needs = await splitter.split(request) if splitter is not None else split_needs(request)
    return select_needs(selector, request, k, needs, namespaces=namespaces, categories=categories)
