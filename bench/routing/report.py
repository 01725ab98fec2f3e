"""The routing benchmark's table, its targets and their verdicts, and the full result as JSON."""

from __future__ import annotations

import json
from typing import Any

from bench.common import verdict
from bench.routing.sets import report_sets
from palaestra.routing.training.evaluation import METRICS

TARGET_HIT5 = 0.95
TARGET_NDCG5 = 0.85
TARGET_ABSTAIN = 0.80
TARGET_FALSE_ABSTAIN = 0.05
TARGET_INDEX_10K_S = 60.0
TARGET_P50_MS = 20.0
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


def report(result: dict[str, Any]) -> int:
    """Print the table, the abstention figures and the targets; 0 when every target passed."""
    load = result["loadavg"]
    print(f"\nload average (1, 5, 15 min) at start {load['start']}, at end {load['end']}")
    if "sets" in result:
        targets = report_sets(result["sets"], result["macro_sets"])
        return finish(result, {**targets, **scale_targets(result)})
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
    targets = quality_targets(result)
    if "with_judge" in abstain:
        judged = abstain["with_judge"]
        print(f"with the cross-encoder judge (trained on the tuning half): {judged}")
        targets[f"irrelevance abstained >= {TARGET_ABSTAIN} (judge, held out)"] = (
            judged["irrelevance_abstained"]["test"] >= TARGET_ABSTAIN
        )
        targets[f"false abstain (own lists) < {TARGET_FALSE_ABSTAIN} (judge, held out)"] = (
            judged["false_abstain_own_lists"]["test"] < TARGET_FALSE_ABSTAIN
        )
    return finish(result, {**targets, **scale_targets(result)})


def scale_targets(result: dict[str, Any]) -> dict[str, bool]:
    """Print the scale test's figures (when it ran) and return its targets' verdicts."""
    if "scale" not in result:
        return {}
    scale = result["scale"]
    print(f"\nscale: {scale['records']} records indexed in {scale['index_s']} s; query p50 "
          f"{scale['p50_ms']} ms, p99 {scale['p99_ms']} ms; re-adding 101 known records "
          f"{scale['readd_unchanged_s']} s")  # fmt: skip
    return {
        f"index {scale['records']} < {TARGET_INDEX_10K_S:.0f} s": scale["index_s"] < TARGET_INDEX_10K_S,
        f"p50 at {scale['records']} < {TARGET_P50_MS:.0f} ms": scale["p50_ms"] < TARGET_P50_MS,
    }


def finish(result: dict[str, Any], targets: dict[str, bool]) -> int:
    """Print the verdicts and the whole result as JSON; 0 when every target passed."""
    print()
    for name, passed in targets.items():
        print(f"target {name}: {verdict(passed)}")
    result["targets"] = {name: verdict(passed) for name, passed in targets.items()}
    print(json.dumps(result, sort_keys=True))
    return 0 if all(targets.values()) else 1


def quality_targets(result: dict[str, Any]) -> dict[str, bool]:
    """The ranking and abstention targets, passed or not."""
    abstain, held_out = result["abstain"], result["history_test"]
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
    return targets
