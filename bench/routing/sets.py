"""Quality and speed of the selector on each public tool-retrieval set, and their macro average.

Every set is asked against its own pool. Rows: the default selector (one retrieval per request),
the same with multi-step splitting (`routing/needs.py`: a retrieval per need, lists interleaved) and
plain BM25. Each is scored on both halves (`evaluation.half`); docs/performance.md shows held-out halves
only, and the macro average is taken over the non-BFCL sets' held-out halves.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.common import log
from bench.routing.measure import PlainBM25, evaluate, select_names, summarise
from palaestra.memory.embedders import Embedder
from palaestra.routing.needs import select_needs
from palaestra.routing.selector import ApiSelector
from palaestra.routing.training.datasets import RoutingData
from palaestra.routing.training.evaluation import METRICS

#: The rows each set reports, by result key.
SET_ROWS = (
    ("ours", "ours, one retrieval"),
    ("needs", "ours + multi-step needs"),
    ("examples", "ours + needs + generated examples"),
    ("bm25", "plain BM25"),
)
#: The targets on the macro average of the non-BFCL sets' held-out halves (issue 23).
MACRO_TARGETS = {"hit@5": 0.85, "recall@5": 0.60, "ndcg@5": 0.70}


def measure_set(
    data: RoutingData, model: Embedder, k: int, make: Callable[[Embedder], ApiSelector] = ApiSelector
) -> dict[str, Any]:
    """Every row of one set, by half, with index time and query p50."""
    log(f"{data.name}: {len(data.pool)} tools, {len(data.labelled)} queries")
    selector = make(model)
    start = time.perf_counter()
    selector.add(data.pool)
    selector.build()
    index_s = time.perf_counter() - start
    examples = make(model)
    examples.generate_examples = True
    examples.add(data.pool)
    examples.build()
    plain = PlainBM25(data.pool)
    result: dict[str, Any] = {
        "tools": len(data.pool),
        "queries": len(data.labelled),
        "index_s": round(index_s, 2),
    }
    runs: dict[str, Callable[[str], tuple[list[str], bool]]] = {
        "ours": select_names(selector, k),
        "needs": lambda text: ([h.record.name for h in select_needs(selector, text, k).hits], False),
        "examples": lambda text: ([h.record.name for h in select_needs(examples, text, k).hits], False),
        "bm25": lambda text: (plain.select(text, k), False),
    }
    for key, run in runs.items():
        rows, _, seconds = evaluate(data.labelled, run)
        for h in ("all", "tune", "test"):
            result[key if h == "all" else f"{key}_{h}"] = summarise(rows[h], seconds if h == "all" else None)
    log(f"{data.name}: held out {result['needs_test']}")
    return result


def macro(per_set: dict[str, dict[str, Any]], names: Sequence[str], row: str) -> dict[str, float]:
    """The mean of each metric of `row` over the sets `names` (those present)."""
    present = [per_set[n][row] for n in names if n in per_set and row in per_set[n]]
    if not present:
        return {}
    return {m: round(statistics.fmean(r[m] for r in present), 3) for m in METRICS}


def report_sets(per_set: dict[str, dict[str, Any]], macro_names: Sequence[str]) -> dict[str, bool]:
    """Print each set's held-out rows and the macro average; return the macro targets' verdicts."""
    header = f"{'held-out half':<44}" + "".join(f"{m:>10}" for m in (*METRICS, "p50_ms"))
    print("\n" + header + "\n" + "-" * len(header))
    for name, result in per_set.items():
        print(
            f"{name} ({result['tools']} tools, {result['queries']} queries, indexed in {result['index_s']} s)"
        )
        for key, label in SET_ROWS:
            cells = [result[f"{key}_test"].get(m, "-") for m in METRICS] + [result[key].get("p50_ms", "-")]
            print(f"  {label:<42}" + "".join(f"{v:>10}" for v in cells))
    targets: dict[str, bool] = {}
    for key, label in SET_ROWS:
        found = macro(per_set, macro_names, f"{key}_test")
        if found:
            print(f"macro over {', '.join(n for n in macro_names if n in per_set)}, {label}: {found}")
            if key == "needs":
                targets.update(
                    {f"macro {m} >= {t} (held out)": found[m] >= t for m, t in MACRO_TARGETS.items()}
                )
    return targets
