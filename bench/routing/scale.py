"""Indexing time and query latency at a registry's scale (10,000 records by default)."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from bench.common import log, percentile_ms
from palaestra.memory.embedders import SentenceTransformerEmbedder
from palaestra.routing.needs import select_needs
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector
from palaestra.routing.training.datasets import Query


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
    sample = pool[64:128] or pool[:64]  # other texts than the main index's thread pick (when there are)
    model.num_threads = pick_threads(model, [r.description[:300] for r in sample])
    selector = ApiSelector(model)
    index_s = timed_index(selector, records)
    model.num_threads = 1
    seconds, needs_seconds = [], []
    for query in labelled[:n_queries]:
        start = time.perf_counter()
        selector.select(query.text, k)
        seconds.append(time.perf_counter() - start)
        start = time.perf_counter()
        select_needs(selector, query.text, k)  # multi-step: a retrieval per need, merged
        needs_seconds.append(time.perf_counter() - start)
    start = time.perf_counter()
    selector.add(records[:100] + scale_records(pool[:1], 1))  # 100 unchanged, 1 existing: no embedding
    readd_s = time.perf_counter() - start
    return {
        "records": len(records),
        "index_s": round(index_s, 1),
        "p50_ms": percentile_ms(seconds, 50),
        "p99_ms": percentile_ms(seconds, 99),
        "needs_p50_ms": percentile_ms(needs_seconds, 50),
        "needs_p99_ms": percentile_ms(needs_seconds, 99),
        "readd_unchanged_s": round(readd_s, 3),
    }
