"""How fast the exemplar memory embeds, retrieves and loads, on this machine's CPU.

Run from the repository root::

    .venv/bin/python -m bench.speed.memory_speed                  # 10k and 100k exemplars
    .venv/bin/python -m bench.speed.memory_speed --sizes 10000    # quicker

It measures all-MiniLM-L6-v2 throughput (batch 64; torch's default threads, then one thread), then
retrieval latency (``search_by_vector``, k=10: the FAISS search plus the SQLite row fetch) for exact
and HNSW indexes, the recall of HNSW against exact, and the time to open a saved 10k memory.

To stay fast, only ``--texts`` synthetic goals are embedded by the model; the rest of each memory is
filled with random unit vectors of the same dimension (said in the output). Queries are held-out
real goals, so their true neighbours are mostly embedded goals: the random filler tests speed, and
recall only as far as HNSW must not get lost among it. Wall times on a shared machine are noisy
(the load average is printed): compare rows of one run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.common import log, percentile_ms, verdict
from palaestra.memory import (
    DelegatingEmbedder,
    Embedder,
    Exemplar,
    ExemplarMemory,
    SentenceTransformerEmbedder,
)

TARGET_P50_MS_100K = 5.0
TARGET_LOAD_S_10K = 1.0
COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
SHAPES = ["circle", "square", "triangle", "star", "button", "checkbox", "link", "tab"]
NAMES = ["Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy"]
CITIES = ["SFO", "JFK", "LAX", "ORD", "SEA", "BOS", "DEN", "ATL", "MIA", "AUS"]
TEMPLATES = [
    "Click the {color} {shape}",
    "Select the {color} {shape} and then press Submit",
    "Enter the date {month:02d}/{day:02d}/{year} into the date field",
    "Forward the email from {name} to {name2}",
    "Reply to the latest email from {name} with the text '{word}'",
    "Book the cheapest flight from {city} to {city2} on {month}/{day}",
    "Type '{word}' into the search box and open result number {n}",
    "Check every checkbox labelled {word} and click OK",
    "Drag the slider to {n} and press the {color} button",
    "Find {name}'s phone number in the table and copy it to the form",
]
WORDS = ["apple", "invoice", "quarterly", "garden", "report", "python", "vintage", "harbor", "meeting"]


def synthetic_goals(n: int, seed: int) -> list[str]:
    """Distinct MiniWoB/WebArena-style goals from templates (no data set download)."""
    rng, out, seen = random.Random(seed), list[str](), set[str]()
    while len(out) < n:
        goal = rng.choice(TEMPLATES).format(
            color=rng.choice(COLORS), shape=rng.choice(SHAPES), name=rng.choice(NAMES),
            name2=rng.choice(NAMES), city=rng.choice(CITIES), city2=rng.choice(CITIES),
            word=rng.choice(WORDS), n=rng.randint(1, 99), month=rng.randint(1, 12),
            day=rng.randint(1, 28), year=rng.randint(2000, 2030),
        )  # fmt: skip
        if goal not in seen:
            seen.add(goal)
            out.append(goal)
    return out


class Precomputed(DelegatingEmbedder):
    """Serves vectors already computed for known texts; anything else goes to the real model."""

    def __init__(self, inner: Embedder, table: dict[str, np.ndarray]) -> None:
        super().__init__(inner, batch_size=4096)
        self.table = table

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        if all(t in self.table for t in texts):
            return np.stack([self.table[t] for t in texts])
        return self.inner.embed(texts)


def percentiles(seconds: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile_ms(seconds, 50, 3), "p99_ms": percentile_ms(seconds, 99, 3)}


def time_queries(
    memory: ExemplarMemory, queries: np.ndarray, k: int
) -> tuple[dict[str, float], list[list[str]]]:
    memory.search_by_vector(queries[0], k)  # warm up
    seconds, results = [], []
    for query in queries:
        start = time.perf_counter()
        hits = memory.search_by_vector(query, k)
        seconds.append(time.perf_counter() - start)
        results.append([ex.id for ex, _ in hits])
    return percentiles(seconds), results


def embed_throughput(
    embedder: SentenceTransformerEmbedder, texts: list[str], threads: int | None
) -> tuple[float, np.ndarray]:
    embedder.num_threads = threads
    embedder.embed(texts[:64])  # warm up
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    return len(texts) / (time.perf_counter() - start), vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--texts", type=int, default=2048, help="goals embedded by the real model")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--throughput-texts", type=int, default=512, help="goals timed per thread setting")
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"bench": "memory_speed", "sizes": args.sizes, "loadavg_start": os.getloadavg()}

    start = time.perf_counter()
    model = SentenceTransformerEmbedder(batch_size=64)
    model.embed(["load the model"])
    result["model_load_s"] = round(time.perf_counter() - start, 2)
    goals = synthetic_goals(args.texts + args.queries, seed=0)
    sample = goals[: args.throughput_texts]
    log(f"model loaded in {result['model_load_s']} s; throughput on {len(sample)} goals...")
    default_rate, _ = embed_throughput(model, sample, None)
    one_rate, _ = embed_throughput(model, sample, 1)
    result["embed_texts_per_s"] = {
        "default_threads": round(default_rate, 1),
        "one_thread": round(one_rate, 1),
    }
    model.num_threads = 1 if one_rate > default_rate else None  # the faster setting for the rest
    log(f"embedding {len(goals)} goals for the memories and queries...")
    vectors = model.embed(goals)
    model.num_threads = 1
    stored_goals, query_vectors = goals[: args.texts], vectors[args.texts :]

    largest = max(args.sizes)
    rng = np.random.default_rng(0)
    filler = rng.standard_normal((max(0, largest - args.texts), model.dim)).astype(np.float32)
    filler /= np.linalg.norm(filler, axis=1, keepdims=True)
    filler_goals = [f"synthetic goal {i}" for i in range(len(filler))]
    table = dict(zip(stored_goals, vectors[: args.texts], strict=True))
    table.update(zip(filler_goals, filler, strict=True))
    all_goals = [*stored_goals, *filler_goals]
    embedder = Precomputed(model, table)

    rows, result["latency"] = [], {}
    tmp = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    for size in sorted(args.sizes):
        log(f"[{size}] adding {size} exemplars...")
        memory = ExemplarMemory(embedder, index="flat")
        start = time.perf_counter()
        memory.add(
            Exemplar(goal=g, suite="bench", task=f"task-{i % 50}", trajectory=[{"action": "click", "ref": i}])
            for i, g in enumerate(all_goals[:size])
        )
        add_s = time.perf_counter() - start
        flat, exact = time_queries(memory, query_vectors, args.k)
        log(f"[{size}] exact p50 {flat['p50_ms']} ms; building HNSW...")
        start = time.perf_counter()
        memory.reindex("hnsw")
        build_s = time.perf_counter() - start
        hnsw, approx = time_queries(memory, query_vectors, args.k)
        recall = statistics.mean(
            len(set(a) & set(e)) / max(1, len(e)) for a, e in zip(approx, exact, strict=True)
        )
        entry: dict[str, Any] = {
            "add_per_s": round(size / add_s), "exact": flat,
            "hnsw": {**hnsw, "build_s": round(build_s, 1), f"recall@{args.k}": round(recall, 3)},
        }  # fmt: skip
        if size == 10_000:
            memory.save(tmp / "m10k")
            loads = []
            for _ in range(3):
                start = time.perf_counter()
                reopened = ExemplarMemory.open(tmp / "m10k", embedder=embedder)
                loads.append(time.perf_counter() - start)
                assert len(reopened) == size
                reopened.close()
            result["load_10k_s"] = round(statistics.median(loads), 3)
            entry["load_s_all"] = [round(x, 3) for x in loads]
        if size == largest:
            texts = goals[args.texts : args.texts + 30]
            seconds = []
            for text in texts:
                start = time.perf_counter()
                memory.search(f"{text} now", args.k)  # a text the table lacks: the model embeds it
                seconds.append(time.perf_counter() - start)
            entry["search_with_embedding"] = percentiles(seconds)
        result["latency"][str(size)] = entry
        rows.append((size, flat, hnsw, build_s, recall))
        memory.close()
    shutil.rmtree(tmp, ignore_errors=True)

    targets: dict[str, str] = {}
    if 100_000 in args.sizes:
        p50 = result["latency"]["100000"]["hnsw"]["p50_ms"]  # what index="auto" uses at 100k
        targets["p50_100k_under_5ms"] = verdict(p50 < TARGET_P50_MS_100K)
    if "load_10k_s" in result:
        targets["load_10k_under_1s"] = verdict(result["load_10k_s"] < TARGET_LOAD_S_10K)
    result["targets"] = targets
    result["loadavg_end"] = os.getloadavg()
    result["note"] = (
        f"{args.texts} goals embedded by MiniLM, the rest random unit vectors (dim {model.dim}); "
        f"queries: {args.queries} held-out real goals; latency = search_by_vector, k={args.k}"
    )

    print(f"\nMiniLM-L6-v2 load {result['model_load_s']} s; embedding (batch 64): {default_rate:.0f} "
          f"texts/s with torch's default threads, {one_rate:.0f} with one thread")  # fmt: skip
    print(f"load average (1, 5, 15 min) at start {result['loadavg_start']}, at end {result['loadavg_end']}")
    print(f"Memories: {result['note']}\n")
    print(
        f"{'size':>8} | {'exact p50':>9} {'p99':>8} | {'HNSW p50':>9} {'p99':>8} {'build s':>8} {'recall':>7}"
    )
    print("-" * 70)
    for size, flat, hnsw, build_s, recall in rows:
        print(f"{size:>8} | {flat['p50_ms']:>9.3f} {flat['p99_ms']:>8.3f} | {hnsw['p50_ms']:>9.3f} "
              f"{hnsw['p99_ms']:>8.3f} {build_s:>8.1f} {recall:>7.3f}")  # fmt: skip
    if "load_10k_s" in result:
        print(f"\nopen a saved 10k memory: {result['load_10k_s']:.3f} s (median of 3, no embedding)")
    if str(largest) in result["latency"] and "search_with_embedding" in result["latency"][str(largest)]:
        e2e = result["latency"][str(largest)]["search_with_embedding"]
        print(f"search() incl. embedding the query (one thread), {largest}: p50 {e2e['p50_ms']} ms")
    for name, passed in targets.items():
        print(f"target {name}: {passed}")
    print(json.dumps(result, sort_keys=True))
    return 0 if all(v == "PASS" for v in targets.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
