"""How well and how fast the API selector picks tools, next to plain BM25.

Run from the repository root::

    nice .venv/bin/python -m bench.routing                         # every set, macro, + 10k scale
    nice .venv/bin/python -m bench.routing --data bfcl             # BFCL v4 in full (history, abstention)
    nice .venv/bin/python -m bench.routing --embedder mpnet        # all-mpnet-base-v2 instead of MiniLM
    nice .venv/bin/python -m bench.routing --scale 0               # quality only
    nice .venv/bin/python -m bench.routing --tools T.json --queries Q.jsonl [-k 10]
    nice .venv/bin/python -m bench.routing --data NAME_OR_FOLDER   # another data set

The tuned constants are refitted by `palaestra routing tune`, and the judge that `--judge` reads is
trained by `palaestra routing train-judge`: they are the package's, this only measures.

By default (`--data all`) every registered set is measured on its own pool and reported
separately (`bench/routing/sets.py`: one retrieval, multi-step needs, plain BM25, by half), with
the macro average over the non-BFCL sets' held-out halves; `datasets/DATA.md` says what each set
is. `--data bfcl` gives BFCL's full report as below.

With `--data bfcl` the data is the Berkeley Function Calling Leaderboard v4
(`routing/training/datasets/bfcl.py`, fetched once into `.cache/bench/bfcl`):
the functions of its labelled categories pooled into one registry of 1,437 tools, and 2,501
queries whose gold is the functions named in their ground-truth answers. A selected tool is a hit
when its name, without the namespace, is gold. Ranking metrics are computed on the hits the
selector returns whether or not it abstained. Abstention is reported on its own: the share of
irrelevance queries it abstains on, each asked against its own candidate list (through the
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

Another data set plugs in as a loader (`datasets.DataSource`, one module per set, registered in
`datasets.SOURCES`) and is chosen with `--data`; a set without irrelevance queries or candidate
lists skips the abstention figures that need them.

Wall times are on whatever machine runs this; the load average is printed. The model's embedding
throughput dominates indexing, and it falls several-fold on cores busy with other work.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from bench.common import log, percentile_ms
from bench.routing.measure import (
    PlainBM25,
    abstain_rates,
    evaluate,
    history_rows,
    judged_rates,
    rates,
    rerank_abstain_rates,
    rerank_quality,
    select_names,
    summarise,
)
from bench.routing.report import report
from bench.routing.scale import pick_threads, run_scale, timed_index
from bench.routing.sets import measure_set
from palaestra.memory.embedders import SentenceTransformerEmbedder
from palaestra.memory.mpnet import EMBEDDERS, make_embedder
from palaestra.routing.dense import Int8Embedder
from palaestra.routing.judge import CrossEncoderJudge
from palaestra.routing.learned import BFCL_RANKER
from palaestra.routing.selector import ApiSelector
from palaestra.routing.training.datasets import (
    ALL,
    DEFAULT_CACHE,
    MACRO_SETS,
    SOURCES,
    FileSet,
    Query,
    RoutingData,
    source,
)
from palaestra.routing.training.evaluation import CachingEmbedder


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.routing",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--data",
        default=ALL,
        help=f"`all`, a data set ({', '.join(SOURCES)}), several joined by commas, or a folder of "
        "converted files (default: all, each reported on its own)",
    )
    parser.add_argument(
        "--embedder",
        choices=sorted(EMBEDDERS),
        default="minilm",
        help="the sentence embedder (default: minilm)",
    )
    parser.add_argument("--tools", type=Path, help="JSON list of MCP-shaped tools (with --queries)")
    parser.add_argument("--queries", type=Path, help="JSONL of {query, gold[, servers]} (with --tools)")
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
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="data sets' cache folder")
    parser.add_argument(
        "--rerank",
        action="store_true",
        help="also score LLM re-ranking (PALAESTRA_LLM_* endpoint, else the embedded model)",
    )
    parser.add_argument(
        "--judge",
        type=Path,
        help="also decide abstention with this cross-encoder judge (from `palaestra routing train-judge`)",
    )
    args = parser.parse_args(argv)
    if (args.tools is None) != (args.queries is None):
        parser.error("--tools and --queries go together")
    return args


def load_data(args: argparse.Namespace) -> RoutingData:
    """The files given by flags, or the set `--data` names (fetched into the cache when missing:
    a benchmark run is the user asking for its data)."""
    if args.tools is not None:
        files = FileSet(
            args.tools, args.queries, args.irrelevance_tools, args.irrelevance_queries, args.labelled_lists
        )
        data = files.load(args.queries.stem)
    else:
        data = source(args.data).load(args.cache, download=True)
    return data.limited(args.limit)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    loadavg_start = os.getloadavg()
    model = make_embedder(args.embedder, num_threads=1)
    model.embed(["load the model"])
    if args.tools is None and (args.data == ALL or "," in args.data):
        result = measure_sets(args, model)
    else:
        result = measure(load_data(args), args, model)
    result["loadavg"] = {"start": loadavg_start, "end": os.getloadavg()}
    result["embedder"] = args.embedder
    return report(result)


def measure_sets(args: argparse.Namespace, model: SentenceTransformerEmbedder) -> dict[str, Any]:
    """Each set on its own pool (`sets.py`), the macro average, and the scale test over their union."""
    names = list(SOURCES) if args.data == ALL else [n.strip() for n in args.data.split(",") if n.strip()]
    loaded = [source(name).load(args.cache, download=True).limited(args.limit) for name in names]
    per_set = {data.name: measure_set(data, model, args.k) for data in loaded}
    result: dict[str, Any] = {"sets": per_set, "macro_sets": [n for n in MACRO_SETS if n in per_set]}
    if args.scale:
        pool = [record for data in loaded for record in data.pool]
        queries = [q for data in loaded for q in data.labelled]
        result["scale"] = run_scale(pool, queries, args.scale, args.scale_queries, model, args.k)
    return result


def measure(
    data: RoutingData, args: argparse.Namespace, model: SentenceTransformerEmbedder
) -> dict[str, Any]:
    """Every figure of one data set (see the module's docstring)."""
    pool, labelled, irrelevant = data.pool, data.labelled, data.irrelevant
    irr_tools, lists = data.irrelevance_tools, data.labelled_lists
    log(f"{len(pool)} tools, {len(labelled)} labelled and {len(irrelevant)} irrelevance queries")
    model.num_threads = pick_threads(model, [r.description[:300] for r in pool[:64]])
    ours = ApiSelector(model)
    index_s = timed_index(ours, pool)
    model.num_threads = 1  # one query at a time: a second thread only spins
    log(f"indexed in {index_s:.1f} s; querying...")
    start = time.perf_counter()
    plain = PlainBM25(pool)
    bm25_index_s = time.perf_counter() - start

    select_ours = select_names(ours, args.k)
    rows, abstained, ours_s = evaluate(labelled, select_ours)
    ours.ranker = BFCL_RANKER  # opt-in, scored on its own row
    learned_rows, _, learned_s = evaluate(labelled, select_ours)
    ours.ranker = None
    log(f"ours: p50 {percentile_ms(ours_s, 50, 1)} ms; with route history...")
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
        in_lists = [Query(q.id, q.text, q.gold, q.category, (q.id,)) for q in labelled] if lists else []
        if lists:
            result["abstain"]["false_abstain_own_lists"] = abstain_rates(own, in_lists, args.k)
        if args.judge and irrelevant and lists:
            result["abstain"]["with_judge"] = judged_rates(
                own, CrossEncoderJudge(args.judge), irrelevant, in_lists, args.k
            )
        if args.rerank:  # the re-ranker's answer decides abstention
            result["abstain"]["with_rerank"] = {
                "irrelevance_abstained": rerank_abstain_rates(own, irrelevant, args.k),
                "false_abstain_own_lists": rerank_abstain_rates(own, in_lists, args.k),
            }
    result["index_s"] = {"ours": round(index_s, 2), "bm25": round(bm25_index_s, 3), "tools": len(pool)}
    if args.scale:
        result["scale"] = run_scale(pool, labelled, args.scale, args.scale_queries, model, args.k)
    return result
