"""What `python -m bench.routing` measures: ranking quality by half, abstention, route history, the
judge's and the LLM re-ranker's say, and plain BM25 as the anchor."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import bm25s

from bench.common import percentile_ms
from palaestra.routing.history import RouteHistory
from palaestra.routing.judge import CrossEncoderJudge
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector, Selection
from palaestra.routing.training.datasets import Query, gold_routes
from palaestra.routing.training.evaluation import METRICS, half, scores_for

Halves = dict[str, list[Any]]


def summarise(rows: list[dict[str, float]], seconds: list[float] | None = None) -> dict[str, float]:
    out = {m: round(statistics.fmean(r[m] for r in rows), 3) if rows else 0.0 for m in METRICS}
    if seconds:
        out["p50_ms"] = percentile_ms(seconds, 50)
    return out


class PlainBM25:
    """The anchor: bm25s's own tokenizer (English stopwords) over `ApiRecord.search_text()`."""

    def __init__(self, records: Sequence[ApiRecord]) -> None:
        self.names = [r.name for r in records]
        self.model = bm25s.BM25()
        self.model.index(bm25s.tokenize([r.search_text() for r in records], show_progress=False))

    def select(self, query: str, k: int) -> list[str]:
        tokens = bm25s.tokenize([query], show_progress=False)
        if not tokens.vocab:
            return []
        hits, _ = self.model.retrieve(tokens, k=min(k, len(self.names)), show_progress=False)
        return [self.names[int(i)] for i in hits[0]]


def by_half() -> Halves:
    return {"all": [], "tune": [], "test": []}


def evaluate(
    queries: Sequence[Query], select: Callable[[str], tuple[list[str], bool]]
) -> tuple[Halves, Halves, list[float]]:
    """Metric rows and abstain flags by half ('all', 'tune', 'test'), and every query's latency."""
    rows, abstained, seconds = by_half(), by_half(), []
    for query in queries:
        start = time.perf_counter()
        ranked, gave_up = select(query.text)
        seconds.append(time.perf_counter() - start)
        row = scores_for(ranked, query.gold)
        for h in ("all", half(query.id)):
            rows[h].append(row)
            abstained[h].append(gave_up)
    return rows, abstained, seconds


def rates(flags: Halves) -> dict[str, float]:
    return {h: round(statistics.fmean(v), 3) if v else 0.0 for h, v in flags.items()}


def timed_selections(
    selector: ApiSelector, queries: Sequence[Query], k: int
) -> tuple[list[Selection], list[float]]:
    """Each query's selection (with its `servers` pre-filter) and its wall time."""
    selections, seconds = [], []
    for query in queries:
        start = time.perf_counter()
        selections.append(selector.select(query.text, k, namespaces=query.servers or None))
        seconds.append(time.perf_counter() - start)
    return selections, seconds


def abstained_rates(queries: Sequence[Query], selections: Sequence[Selection]) -> dict[str, float]:
    """Share of `queries` whose selection abstained, by half."""
    flags = by_half()
    for query, selection in zip(queries, selections, strict=True):
        flags["all"].append(selection.abstained)
        flags[half(query.id)].append(selection.abstained)
    return rates(flags)


def abstain_rates(selector: ApiSelector, queries: Sequence[Query], k: int) -> dict[str, float]:
    """Share of `queries` the selector abstains on (each with its `servers` pre-filter), by half."""
    return abstained_rates(queries, timed_selections(selector, queries, k)[0])


def select_names(selector: ApiSelector, k: int) -> Callable[[str], tuple[list[str], bool]]:
    """A query's selected tool names and whether it abstained."""

    def select(text: str) -> tuple[list[str], bool]:
        selection = selector.select(text, k)
        return [hit.record.name for hit in selection.hits], selection.abstained

    return select


def history_rows(
    selector: ApiSelector, queries: Sequence[Query], pool: Sequence[ApiRecord], k: int
) -> tuple[Halves, list[float]]:
    """Metric rows by half with route history: each half is asked after the selector learned the
    other half's routes (`datasets.gold_routes`)."""
    rows, seconds = by_half(), []
    for learn, ask in (("tune", "test"), ("test", "tune")):
        selector.history = RouteHistory(selector.embedder)
        selector.learn(gold_routes([q for q in queries if half(q.id) == learn], pool))
        asked, _, took = evaluate([q for q in queries if half(q.id) == ask], select_names(selector, k))
        rows["all"].extend(asked[ask])
        rows[ask].extend(asked[ask])
        seconds.extend(took)
    selector.history = RouteHistory(selector.embedder)
    return rows, seconds


def judged_rates(
    selector: ApiSelector,
    judge: CrossEncoderJudge,
    irrelevant: Sequence[Query],
    labelled: Sequence[Query],
    k: int,
) -> dict[str, Any]:
    """Abstention with the judge's say, and what it costs: the judge was trained on the tuning
    half, so only the held-out ("test") half's figures are a fair measure."""
    selector.judge = judge
    try:
        judge.scores("load the model", selector.records()[:1])
        result: dict[str, Any] = {}
        seconds: list[float] = []
        asked = 0
        for label, queries in (("irrelevance_abstained", irrelevant), ("false_abstain_own_lists", labelled)):
            selections, took = timed_selections(selector, queries, k)
            result[label] = abstained_rates(queries, selections)
            seconds += took
            asked += sum(selection.judge_score is not None for selection in selections)
        result["judge_asked"] = round(asked / max(1, len(seconds)), 3)
        result["p50_ms"] = percentile_ms(seconds, 50, digits=1)
        return result
    finally:
        selector.judge = None


def reranked(
    selector: ApiSelector, queries: Sequence[Query], k: int, *, filtered: bool
) -> tuple[list[Selection], list[float]]:
    """Each query's `aselect` with an LLM re-ranker (one model call per query) and its wall time;
    `filtered` applies each query's `servers` pre-filter."""
    import asyncio

    from palaestra.agents.llm import default_model
    from palaestra.routing.rerank import LLMReranker

    async def run() -> tuple[list[Selection], list[float]]:
        selections, seconds = [], []
        async with default_model() as model:  # the configured endpoint, else the embedded model
            selector.reranker = LLMReranker(model)
            try:
                for query in queries:
                    start = time.perf_counter()
                    namespaces = (query.servers or None) if filtered else None
                    selections.append(await selector.aselect(query.text, k, namespaces=namespaces))
                    seconds.append(time.perf_counter() - start)
            finally:
                selector.reranker = None
        return selections, seconds

    return asyncio.run(run())


def rerank_abstain_rates(selector: ApiSelector, queries: Sequence[Query], k: int) -> dict[str, float]:
    """`abstain_rates` when an LLM re-ranker reads the candidates and decides (one call per query)."""
    if not queries:
        return {}
    return abstained_rates(queries, reranked(selector, queries, k, filtered=True)[0])


def rerank_quality(selector: ApiSelector, queries: Sequence[Query], k: int) -> dict[str, float]:
    """Quality with an LLM re-ranking the top candidates (one model call per query)."""
    selections, seconds = reranked(selector, queries, k, filtered=False)
    pairs = zip(queries, selections, strict=True)
    rows = [scores_for([hit.record.name for hit in s.hits], q.gold) for q, s in pairs]
    failures = sum(s.rerank_error is not None for s in selections)
    return {**summarise(rows, seconds), "rerank_failures": failures}


def llm_needs(selector: ApiSelector, queries: Sequence[Query], k: int) -> tuple[list[Selection], list[float]]:
    """Each query's `select_needs` with the needs listed by the configured model (else the embedded
    one), and the wall time of each (one model call per query)."""
    import asyncio

    from palaestra.agents.llm import default_model
    from palaestra.routing.needs import LLMNeedSplitter, aselect_needs

    async def run() -> tuple[list[Selection], list[float]]:
        selections, seconds = [], []
        async with default_model() as model:
            splitter = LLMNeedSplitter(model)
            for query in queries:
                start = time.perf_counter()
                selections.append(await aselect_needs(selector, query.text, k, splitter))
                seconds.append(time.perf_counter() - start)
        return selections, seconds

    return asyncio.run(run())
