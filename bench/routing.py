"""How well and how fast the API selector picks tools, next to plain BM25.

Run from the repository root::

    nice .venv/bin/python -m bench.routing                         # BFCL v4, pooled, + 10k scale
    nice .venv/bin/python -m bench.routing --scale 0               # quality only
    nice .venv/bin/python -m bench.routing --tools T.json --queries Q.jsonl [-k 10]
    nice .venv/bin/python -m bench.routing --tune                  # refit the tuned constants

By default the data is the Berkeley Function Calling Leaderboard v4 (see `bench/routing_data.py`):
the functions of its labelled categories pooled into one registry of 1,437 tools, and 2,501
queries whose gold is the functions named in their ground-truth answers. A selected tool is a hit
when its name, without the namespace, is gold. Ranking metrics are computed on the hits the
selector returns whether or not it abstained. Abstention is reported on its own: the share of
irrelevance queries it abstains on, each asked against its own BFCL candidate list (through the
namespace pre-filter: against the whole pool many of them do fit), and the share of labelled
queries it wrongly abstains on, both against the pooled registry and against their own lists
(the like-for-like comparison: a handful of candidates on both sides).

The selector's constants were tuned on one half of the queries (a hash of the query id decides
the half); the table reports both halves, so a gap between them would show over-fitting.

With route history: a deployed selector learns which API served which query (`routing/history.py`,
fed by the feedback store). The bench measures it as a train/test split: the selector learns the
routes of one half's queries (query text and gold tools) and is asked the other half's, then the
other way round. "held out" is the test half learning from the tuning half (the history's
constants were tuned on the tuning half alone); "cross" joins both directions, so every query is
answered by a selector that never saw it.

Wall times are on whatever machine runs this; the load average is printed. The model's embedding
throughput dominates indexing, and it falls several-fold on cores busy with other work.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from bench.routing_data import (
    DEFAULT_CACHE,
    Query,
    bfcl_files,
    gold_routes,
    read_queries,
    read_tools,
    tool_record,
)
from palaestra.memory.embedders import DelegatingEmbedder, Embedder, SentenceTransformerEmbedder
from palaestra.routing.dense import Int8Embedder
from palaestra.routing.history import RouteHistory
from palaestra.routing.judge import CrossEncoderJudge
from palaestra.routing.learned import BFCL_RANKER
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector, Selection

TARGET_HIT5 = 0.95
TARGET_NDCG5 = 0.85
TARGET_ABSTAIN = 0.80
TARGET_FALSE_ABSTAIN = 0.05
TARGET_INDEX_10K_S = 60.0
TARGET_P50_MS = 20.0
METRICS = ("hit@1", "hit@5", "recall@5", "recall@10", "ndcg@5")
#: The report's rows (result keys): our selector (default; with route history; with the opt-in
#: learned ranker) and plain BM25, over all queries and each half.
ROWS = (
    ("ours", "ours, all queries"),
    ("ours_tune", "ours, tuning half"),
    ("ours_test", "ours, held-out half"),
    ("history", "ours + route history, cross"),
    ("history_tune", "ours + route history, tuning half"),
    ("history_test", "ours + route history, held out"),
    ("learned", "ours + learned ranker, all"),
    ("learned_test", "ours + learned ranker, held out"),
    ("bm25", "plain BM25, all queries"),
    ("bm25_test", "plain BM25, held-out half"),
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def half(query_id: str) -> str:
    """'tune' or 'test': a stable split by a hash of the query id."""
    return "tune" if zlib.crc32(query_id.encode("utf-8")) % 2 == 0 else "test"


class CachingEmbedder(DelegatingEmbedder):
    """Remembers every text it embedded, so untimed passes over the same queries embed them once."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner, batch_size=4096)
        self.cache: dict[str, np.ndarray] = {}

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])


def scores_for(ranked: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """hit@1/5, recall@5/10 and nDCG@5 (binary gain) of one ranked list of tool names."""
    names = list(dict.fromkeys(ranked))  # one tool name may sit in several namespaces
    wanted = set(gold)
    gains = [1.0 if n in wanted else 0.0 for n in names[:5]]
    ideal = sum(1 / math.log2(i + 2) for i in range(min(5, len(wanted))))
    return {
        "hit@1": float(bool(names[:1]) and names[0] in wanted),
        "hit@5": float(any(gains)),
        "recall@5": len(wanted & set(names[:5])) / len(wanted),
        "recall@10": len(wanted & set(names[:10])) / len(wanted),
        "ndcg@5": sum(g / math.log2(i + 2) for i, g in enumerate(gains)) / ideal,
    }


def summarise(rows: list[dict[str, float]], seconds: list[float] | None = None) -> dict[str, float]:
    out = {m: round(statistics.fmean(r[m] for r in rows), 3) if rows else 0.0 for m in METRICS}
    if seconds:
        out["p50_ms"] = round(float(np.percentile(np.asarray(seconds) * 1e3, 50)), 2)
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


Halves = dict[str, list[Any]]


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


def history_rows(
    selector: ApiSelector, queries: Sequence[Query], pool: Sequence[ApiRecord], k: int
) -> tuple[Halves, list[float]]:
    """Metric rows by half with route history: each half is asked after the selector learned the
    other half's routes (`routing_data.gold_routes`)."""
    rows, seconds = by_half(), []
    for learn, ask in (("tune", "test"), ("test", "tune")):
        selector.history = RouteHistory(selector.embedder)
        selector.learn(gold_routes([q for q in queries if half(q.id) == learn], pool))
        asked, _, took = evaluate([q for q in queries if half(q.id) == ask], _select_names(selector, k))
        rows["all"].extend(asked[ask])
        rows[ask].extend(asked[ask])
        seconds.extend(took)
    selector.history = RouteHistory(selector.embedder)
    return rows, seconds


def _select_names(selector: ApiSelector, k: int) -> Callable[[str], tuple[list[str], bool]]:
    def select(text: str) -> tuple[list[str], bool]:
        selection = selector.select(text, k)
        return [hit.record.name for hit in selection.hits], selection.abstained

    return select


def scale_records(pool: Sequence[ApiRecord], n: int) -> list[ApiRecord]:
    """`n` records with distinct keys: copies of the pool, the i-th copy in namespace `copy<i>`."""
    out: list[ApiRecord] = []
    for i in range(math.ceil(n / max(1, len(pool)))):
        for r in pool:
            name = r.name if i == 0 else f"{r.name}_{i}"
            out.append(ApiRecord(f"copy{i}", name, r.description, r.parameters, category=r.category))
    return out[:n]


def pick_threads(embedder: SentenceTransformerEmbedder, texts: list[str]) -> int:
    """The faster torch thread count (1 or 2) for bulk embedding on this machine right now."""
    speed = {}
    for threads in (1, 2):
        embedder.num_threads = threads
        start = time.perf_counter()
        embedder.embed(texts)
        speed[threads] = round(len(texts) / (time.perf_counter() - start))
    best = max(speed, key=lambda t: speed[t])
    log(f"embedding rate (texts/s) by torch threads: {speed}; indexing with {best}")
    return best


def timed_index(selector: ApiSelector, records: Sequence[ApiRecord]) -> float:
    start = time.perf_counter()
    selector.add(records)
    selector.build()
    return time.perf_counter() - start


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--tools", type=Path, help="JSON list of MCP-shaped tools (default: BFCL pool)")
    parser.add_argument("--queries", type=Path, help="JSONL of {query, gold[, servers]} (default: BFCL)")
    parser.add_argument("--irrelevance-tools", type=Path, help="tools for the irrelevance queries")
    parser.add_argument("--irrelevance-queries", type=Path, help="JSONL of queries nothing should fit")
    parser.add_argument(
        "--labelled-lists",
        type=Path,
        help="tools of each labelled query's own candidate list (server = query id)",
    )
    parser.add_argument("-k", type=int, default=10, help="hits asked for per query")
    parser.add_argument("--scale", type=int, default=10_000, help="records for the scale test (0: skip)")
    parser.add_argument("--scale-queries", type=int, default=200)
    parser.add_argument("--limit", type=int, default=0, help="use only the first N queries (quick runs)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--tune", action="store_true", help="refit fusion and abstain constants, then exit")
    parser.add_argument(
        "--rerank",
        action="store_true",
        help="also score LLM re-ranking (PALAESTRA_LLM_* endpoint, else the embedded model)",
    )
    parser.add_argument(
        "--judge",
        type=Path,
        help="also decide abstention with this cross-encoder judge (from `python -m bench.routing_judge`)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    loadavg_start = os.getloadavg()
    if args.tools is None or args.queries is None:
        tools_path, queries_path, irr_tools_path, irr_queries_path, lists_path = bfcl_files(args.cache)
        args.labelled_lists = args.labelled_lists or lists_path
        args.tools, args.queries = args.tools or tools_path, args.queries or queries_path
        args.irrelevance_tools = args.irrelevance_tools or irr_tools_path
        args.irrelevance_queries = args.irrelevance_queries or irr_queries_path
    pool = [tool_record(t) for t in read_tools(args.tools)]
    labelled = [q for q in read_queries(args.queries) if q.gold]
    irrelevant = read_queries(args.irrelevance_queries) if args.irrelevance_queries else []
    irr_tools = [tool_record(t) for t in read_tools(args.irrelevance_tools)] if args.irrelevance_tools else []
    lists = [tool_record(t) for t in read_tools(args.labelled_lists)] if args.labelled_lists else []
    if args.limit:
        labelled, irrelevant = labelled[: args.limit], irrelevant[: args.limit]
    model = SentenceTransformerEmbedder(num_threads=1)
    model.embed(["load the model"])
    if args.tune:
        from bench.routing_tune import tune

        records = CachingEmbedder(Int8Embedder(model))
        return tune(pool, labelled, irr_tools, irrelevant, lists, CachingEmbedder(model), records)

    log(f"{len(pool)} tools, {len(labelled)} labelled and {len(irrelevant)} irrelevance queries")
    model.num_threads = pick_threads(model, [r.description[:300] for r in pool[:64]])
    ours = ApiSelector(model)
    index_s = timed_index(ours, pool)
    model.num_threads = 1  # one query at a time: a second thread only spins
    log(f"indexed in {index_s:.1f} s; querying...")
    start = time.perf_counter()
    plain = PlainBM25(pool)
    bm25_index_s = time.perf_counter() - start

    select_ours = _select_names(ours, args.k)
    rows, abstained, ours_s = evaluate(labelled, select_ours)
    ours.ranker = BFCL_RANKER  # opt-in, scored on its own row
    learned_rows, _, learned_s = evaluate(labelled, select_ours)
    ours.ranker = None
    log(f"ours: p50 {np.percentile(np.asarray(ours_s) * 1e3, 50):.1f} ms; with route history...")
    hist_rows, hist_s = history_rows(ours, labelled, pool, args.k)
    log("plain BM25...")
    bm25_rows, _, bm25_s = evaluate(labelled, lambda text: (plain.select(text, args.k), False))
    result: dict[str, Any] = {}
    for h in ("all", "tune", "test"):
        key = "" if h == "all" else f"_{h}"
        result["ours" + key] = summarise(rows[h], ours_s if h == "all" else None)
        result["bm25" + key] = summarise(bm25_rows[h], bm25_s if h == "all" else None)
        result["learned" + key] = summarise(learned_rows[h], learned_s if h == "all" else None)
        result["history" + key] = summarise(hist_rows[h], hist_s if h == "all" else None)
    result["abstain"] = {"false_abstain_labelled": rates(abstained)}
    if args.rerank:
        result["ours_rerank"] = rerank_quality(ours, labelled, args.k)
    if irrelevant or lists:
        log(
            f"abstention: indexing {len(irr_tools) + len(lists)} tools of the queries' own candidate lists..."
        )
        # Identical tools in many lists are embedded once; records in int8, as the selector does.
        own = ApiSelector(CachingEmbedder(model), record_embedder=CachingEmbedder(Int8Embedder(model)))
        own.add([*irr_tools, *lists])
        if irrelevant:
            result["abstain"]["irrelevance_abstained"] = abstain_rates(own, irrelevant, args.k)
            pooled = [Query(q.id, q.text, q.gold, q.category) for q in irrelevant]
            result["abstain"]["irrelevance_vs_pool_info"] = abstain_rates(ours, pooled, args.k)
        if lists:
            in_lists = [Query(q.id, q.text, q.gold, q.category, (q.id,)) for q in labelled]
            result["abstain"]["false_abstain_own_lists"] = abstain_rates(own, in_lists, args.k)
        if args.judge and irrelevant and lists:
            result["abstain"]["with_judge"] = judged_rates(
                own, CrossEncoderJudge(args.judge), irrelevant, in_lists, args.k
            )
        if args.rerank:  # the re-ranker's answer decides abstention
            result["abstain"]["with_rerank"] = {
                "irrelevance_abstained": rerank_abstain_rates(own, irrelevant, args.k),
                "false_abstain_own_lists": rerank_abstain_rates(own, in_lists if lists else [], args.k),
            }
    result["index_s"] = {"ours": round(index_s, 2), "bm25": round(bm25_index_s, 3), "tools": len(pool)}
    if args.scale:
        result["scale"] = run_scale(pool, labelled, args.scale, args.scale_queries, model, args.k)
    result["loadavg"] = {"start": loadavg_start, "end": os.getloadavg()}
    return report(result)


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
        result["p50_ms"] = round(float(np.percentile(np.asarray(seconds) * 1e3, 50)), 1)
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


def run_scale(
    pool: Sequence[ApiRecord],
    labelled: Sequence[Query],
    n: int,
    n_queries: int,
    model: SentenceTransformerEmbedder,
    k: int,
) -> dict[str, Any]:
    """Index `n` records (copies of the pool with distinct names) and time queries against them."""
    records = scale_records(pool, n)
    log(f"scale: indexing {len(records)} records...")
    model.num_threads = pick_threads(model, [r.description[:300] for r in pool[64:128]])
    selector = ApiSelector(model)
    index_s = timed_index(selector, records)
    model.num_threads = 1
    seconds = []
    for query in labelled[:n_queries]:
        start = time.perf_counter()
        selector.select(query.text, k)
        seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    selector.add(records[:100] + scale_records(pool[:1], 1))  # 100 unchanged, 1 existing: no embedding
    readd_s = time.perf_counter() - start
    return {
        "records": len(records),
        "index_s": round(index_s, 1),
        "p50_ms": round(float(np.percentile(np.asarray(seconds) * 1e3, 50)), 2),
        "p99_ms": round(float(np.percentile(np.asarray(seconds) * 1e3, 99)), 2),
        "readd_unchanged_s": round(readd_s, 3),
    }


def report(result: dict[str, Any]) -> int:
    load = result["loadavg"]
    print(f"\nload average (1, 5, 15 min) at start {load['start']}, at end {load['end']}")
    print(f"index: ours {result['index_s']['ours']} s, plain BM25 {result['index_s']['bm25']} s "
          f"({result['index_s']['tools']} tools)\n")  # fmt: skip
    header = f"{'':<36}" + "".join(f"{m:>10}" for m in (*METRICS, "p50_ms"))
    print(header)
    print("-" * len(header))
    for key, label in ROWS:
        cells = [result[key].get(metric, "-") for metric in (*METRICS, "p50_ms")]
        print(f"{label:<36}" + "".join(f"{v:>10}" for v in cells))
    if "ours_rerank" in result:
        print(f"\nwith LLM re-rank: {result['ours_rerank']}")
    if "with_rerank" in result["abstain"]:
        print(f"abstention decided by the LLM re-ranker: {result['abstain']['with_rerank']}")
    abstain = result["abstain"]
    print(f"\nfalse abstentions on labelled queries (pooled): {abstain['false_abstain_labelled']}")
    if "false_abstain_own_lists" in abstain:
        own_lists = abstain["false_abstain_own_lists"]
        print(f"false abstentions on labelled queries (own candidate lists): {own_lists}")
    if "irrelevance_abstained" in abstain:
        print(f"abstained on irrelevance queries (own candidate lists): {abstain['irrelevance_abstained']}")
        print(f"abstained on irrelevance queries against the whole pool (info; many do fit there): "
              f"{abstain['irrelevance_vs_pool_info']}")  # fmt: skip
    held_out = result["history_test"]
    targets = {
        f"hit@5 >= {TARGET_HIT5} (no history, all queries)": result["ours"]["hit@5"] >= TARGET_HIT5,
        f"ndcg@5 >= {TARGET_NDCG5} (no history, all queries)": result["ours"]["ndcg@5"] >= TARGET_NDCG5,
        f"hit@5 >= {TARGET_HIT5} (route history, held out)": held_out["hit@5"] >= TARGET_HIT5,
        f"ndcg@5 >= {TARGET_NDCG5} (route history, held out)": held_out["ndcg@5"] >= TARGET_NDCG5,
        f"false abstain (pooled) < {TARGET_FALSE_ABSTAIN}": (
            abstain["false_abstain_labelled"]["all"] < TARGET_FALSE_ABSTAIN
        ),
    }
    if "false_abstain_own_lists" in abstain:
        targets[f"false abstain (own lists) < {TARGET_FALSE_ABSTAIN}"] = (
            abstain["false_abstain_own_lists"]["all"] < TARGET_FALSE_ABSTAIN
        )
    if "irrelevance_abstained" in abstain:
        targets[f"irrelevance abstained >= {TARGET_ABSTAIN}"] = (
            abstain["irrelevance_abstained"]["all"] >= TARGET_ABSTAIN
        )
    if "with_judge" in abstain:
        judged = abstain["with_judge"]
        print(f"with the cross-encoder judge (trained on the tuning half): {judged}")
        targets[f"irrelevance abstained >= {TARGET_ABSTAIN} (judge, held out)"] = (
            judged["irrelevance_abstained"]["test"] >= TARGET_ABSTAIN
        )
        targets[f"false abstain (own lists) < {TARGET_FALSE_ABSTAIN} (judge, held out)"] = (
            judged["false_abstain_own_lists"]["test"] < TARGET_FALSE_ABSTAIN
        )
    if "scale" in result:
        scale = result["scale"]
        print(f"\nscale: {scale['records']} records indexed in {scale['index_s']} s; query p50 "
              f"{scale['p50_ms']} ms, p99 {scale['p99_ms']} ms; re-adding 101 known records "
              f"{scale['readd_unchanged_s']} s")  # fmt: skip
        targets[f"index {scale['records']} < {TARGET_INDEX_10K_S:.0f} s"] = (
            scale["index_s"] < TARGET_INDEX_10K_S
        )
        targets[f"p50 at {scale['records']} < {TARGET_P50_MS:.0f} ms"] = scale["p50_ms"] < TARGET_P50_MS
    print()
    for name, passed in targets.items():
        print(f"target {name}: {verdict(passed)}")
    result["targets"] = {name: verdict(passed) for name, passed in targets.items()}
    print(json.dumps(result, sort_keys=True))
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
