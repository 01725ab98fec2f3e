"""The API selector's LLM re-rank, "none fits" judge and need splitting with the embedded model (or
the configured endpoint), on a set's held-out half.

    python -m bench.routing.llm [--sample 200] [--data bfcl] [--json out.json]

One model call per query: the re-ranker reads the selector's best 10 candidates and names those that
fit, best first; naming none abstains. Scored on the held-out ("test") half of ``bench.routing``'s
split only, on the first ``--sample`` queries of each set in file order (0: all of them; the whole
half is ~2,400 calls, hours on 2 shared cores). A second call per query lists the request's needs
(`routing/needs.py`), scored against the rules' split. The anchor is the selector without the re-ranker on
the same queries: hit@5 and nDCG@5 over the pooled registry, abstention on the irrelevance queries,
and false abstentions on labelled queries within their own candidate lists.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from bench.common import emit


def main(argv: list[str] | None = None) -> int:
    from bench.routing import measure
    from palaestra.memory import SentenceTransformerEmbedder
    from palaestra.routing import ApiSelector
    from palaestra.routing.needs import select_needs
    from palaestra.routing.training.datasets import DEFAULT_CACHE, SOURCES, Query, source
    from palaestra.routing.training.evaluation import half, scores_for

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=200, help="queries per set (0: the whole half)")
    parser.add_argument("-k", type=int, default=10, help="hits asked for per query")
    parser.add_argument(
        "--data", default="bfcl", help=f"a data set ({', '.join(SOURCES)}) or a folder of files"
    )
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="data sets' cache folder")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    data = source(args.data).load(args.cache, download=True)

    def held_out(items: list[Query]) -> list[Query]:
        chosen = [q for q in items if half(q.id) == "test"]
        return chosen[: args.sample] if args.sample else chosen

    labelled = held_out(data.labelled)
    irrelevant = held_out(data.irrelevant)
    in_lists = [Query(q.id, q.text, q.gold, q.category, (q.id,)) for q in labelled]
    embedder = SentenceTransformerEmbedder(num_threads=1)
    pooled = ApiSelector(embedder)
    pooled.add(data.pool)
    own = ApiSelector(embedder)
    own.add([*data.irrelevance_tools, *data.labelled_lists])

    def quality(selections: list[Any]) -> dict[str, float]:
        rows = [
            scores_for([h.record.name for h in s.hits], q.gold)
            for q, s in zip(labelled, selections, strict=True)
        ]
        return measure.summarise(rows)

    started = time.perf_counter()
    unfiltered = [Query(q.id, q.text, q.gold) for q in labelled]  # the pooled registry, no pre-filter
    plain: dict[str, Any] = {"quality": quality(measure.timed_selections(pooled, unfiltered, args.k)[0])}
    if irrelevant:  # a set without irrelevance queries or candidate lists has no abstention figures
        plain["irrelevance_abstained"] = measure.abstain_rates(own, irrelevant, args.k)["test"]
    if data.labelled_lists:
        plain["false_abstain_own_lists"] = measure.abstain_rates(own, in_lists, args.k)["test"]
    print(json.dumps({"plain": plain}), flush=True)
    reranked, seconds = measure.reranked(pooled, labelled, args.k, filtered=False)
    llm: dict[str, Any] = {
        "quality": quality(reranked),
        "rerank_failures": sum(s.rerank_error is not None for s in reranked),
    }
    llm["seconds_per_call"] = round(sum(seconds) / len(seconds), 2)
    print(json.dumps({"rerank": llm}), flush=True)
    llm["needs_rules"] = quality([select_needs(pooled, q.text, args.k) for q in labelled])
    split, seconds = measure.llm_needs(pooled, labelled, args.k)
    llm["needs_llm"] = {**quality(split), "seconds_per_call": round(sum(seconds) / len(seconds), 2)}
    print(json.dumps({"needs": {k: llm[k] for k in ("needs_rules", "needs_llm")}}), flush=True)
    if irrelevant:
        llm["irrelevance_abstained"] = measure.rerank_abstain_rates(own, irrelevant, args.k)["test"]
    if data.labelled_lists:
        llm["false_abstain_own_lists"] = measure.rerank_abstain_rates(own, in_lists, args.k)["test"]
    result = {
        "held_out_labelled": len(labelled), "held_out_irrelevance": len(irrelevant),
        "plain": plain, "embedded_rerank": llm, "minutes": round((time.perf_counter() - started) / 60, 1),
    }  # fmt: skip
    return emit(result, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
