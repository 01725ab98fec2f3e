"""Refit the selector's tuned constants on the tuning half of a data set, and check them on the other.

Run as `palaestra routing tune` (BFCL v4 by default; `--data` takes another set). It prints, for the
tuning half only:

1. ranking quality for a grid of fusion settings (mix weights, RRF) and BM25 parameters;
2. the learned ranker's weights (`routing/learned.py`): a pairwise logistic regression over each
   tuning query's fused candidates (every gold candidate against every other), scaled so the
   cosine's weight is the fusion's dense weight;
3. for a few variants of the abstain signals (how many top hits they look at, whether generic
   name words count), a logistic regression of "something fits" on them: labelled queries against
   their own candidate lists = fits, irrelevance queries against theirs = nothing fits, so
   that both sides choose among a handful of candidates; the signals are the best cosine, name and
   first-sentence overlaps and whether some candidate's required parameters can be filled from the
   query (`text.slots_fillable`); the cut is placed where 4% of the tuning half's labelled queries
   would abstain;
4. the route history's constants (`history_tune.py`), leave-one-out on the tuning half;

and then the same numbers on the held-out half with the chosen settings. Copy the printed constants
into `routing/fusion.py`, `routing/lexical.py`, `routing/learned.py` and `routing/history.py` by
hand, with the command, data and commit in the comment beside them: tuning is a deliberate step,
not a side effect of running the benchmark. The abstain rule is fitted on the default selector's top
hits (fused order, learned ranker off), which is what bench.routing measures. The abstain variants
need the set's irrelevance queries and candidate lists; a set without them skips step 3.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from palaestra.routing.fusion import AbstainPolicy, FusionWeights, abstain_signals
from palaestra.routing.learned import FEATURES, LearnedRanker, RecordTerms
from palaestra.routing.selector import ApiSelector, ScoredApi
from palaestra.routing.text import (
    QueryValues,
    first_sentence,
    name_words,
    slot_kinds,
    slots_fillable,
    tokenize,
)

from .datasets import Query, RoutingData
from .evaluation import CachingEmbedder, half, quality
from .fitting import FALSE_ABSTAIN_BUDGET, logistic_fit
from .history_tune import tune_history

NEVER = AbstainPolicy(cut=float("-inf"))
FUSIONS = (
    FusionWeights(method="mix", dense=0.5, lexical=0.5),
    FusionWeights(method="mix", dense=0.6, lexical=0.4),
    FusionWeights(method="mix", dense=0.7, lexical=0.3),
    FusionWeights(method="mix", dense=0.8, lexical=0.2),
    FusionWeights(method="rrf", rrf_k=10),
    FusionWeights(method="rrf", rrf_k=60),
)
BM25_PARAMS = ((1.5, 0.75), (1.2, 0.5), (0.9, 0.4))


Features = Callable[[Query, Sequence[ScoredApi]], list[float]]


def feature_variant(pool: int, generic_filter: bool) -> Features:
    """Abstain signals over the best `pool` hits, with or without dropping generic name words."""

    def features(query: Query, hits: Sequence[ScoredApi]) -> list[float]:
        values = QueryValues.of(query.text)
        top = hits[:pool]
        names = [
            name_words(h.record.name) if generic_filter else frozenset(tokenize(h.record.name)) for h in top
        ]
        descriptions = [frozenset(tokenize(first_sentence(h.record.description))) for h in top]
        fillable = [slots_fillable(slot_kinds(h.record.parameters), values) for h in top]
        found = abstain_signals(values.words, [h.dense for h in top], names, descriptions, fillable)
        return [found.max_cos, found.max_name, found.max_desc, found.max_slots]

    return features


def ranked_hits(selector: ApiSelector, queries: Sequence[Query], own_lists: bool) -> list[list[ScoredApi]]:
    """Each query's best 20 hits, pooled or (own_lists) within the server named after the query."""
    return [selector.select(q.text, 20, namespaces=[q.id] if own_lists else None).hits for q in queries]


def candidate_features(
    selector: ApiSelector, queries: Sequence[Query]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Each query's fused candidates (the selector's ranker off) as (feature rows, is-gold flags)."""
    ranker, terms = LearnedRanker(), dict[str, RecordTerms]()
    out = []
    for q in queries:
        hits = selector.select(q.text, 2 * selector.candidates).hits  # all of them
        found = [terms.setdefault(h.key, RecordTerms.of(h.record)) for h in hits]
        matrix = ranker.matrix(
            frozenset(tokenize(q.text)), [h.dense for h in hits], [h.lexical for h in hits], found
        )
        out.append((matrix, np.array([h.record.name in q.gold for h in hits])))
    return out


def fit_ranker(
    selector: ApiSelector, tune_q: Sequence[Query], test_q: Sequence[Query], dense: float
) -> LearnedRanker:
    """Fit and print the learned ranker's weights; score the fused and learned orders on both halves.
    Returns the fitted ranker, left set on `selector`."""
    selector.ranker = None
    data = candidate_features(selector, tune_q)
    pairs = [m[gold] - m[other] for m, flags in data for gold in np.flatnonzero(flags) for other in
             np.flatnonzero(~flags)]  # fmt: skip
    x = np.vstack([np.vstack(pairs), -np.vstack(pairs)])
    beta = logistic_fit(x, np.r_[np.ones(len(pairs)), np.zeros(len(pairs))])[:-1]
    weights = tuple(round(float(w), 3) for w in beta * dense / beta[FEATURES.index("cosine")])
    print(f"\nlearned ranker WEIGHTS = {weights}\n  ({', '.join(FEATURES)})")
    fitted = LearnedRanker(weights)
    for label, ranker in (("fused", None), ("learned", fitted)):
        selector.ranker = ranker
        print(f"  {label}: tuning half {quality(selector, tune_q)}")
        print(f"  {label}: held-out half {quality(selector, test_q)}")
    return fitted


def tune(data: RoutingData, embedder: CachingEmbedder, records: CachingEmbedder) -> dict[str, Any]:
    """Print every step's grid and its choice (see the module's docstring); return the choices.
    `records` embeds the tools (an int8 copy of `embedder`'s model, as the selector's default)."""
    tune_q = [q for q in data.labelled if half(q.id) == "tune"]
    test_q = [q for q in data.labelled if half(q.id) == "test"]
    print(f"tuning on {len(tune_q)} labelled queries; {len(test_q)} held out")
    selectors = {}
    for k1, b in BM25_PARAMS:
        selector = ApiSelector(
            embedder, abstain=NEVER, ranker=None, bm25_k1=k1, bm25_b=b, record_embedder=records
        )
        selector.add(data.pool)
        selectors[(k1, b)] = selector
    results = []
    for params, selector in selectors.items():
        for weights in FUSIONS:
            selector.weights = weights
            scores = quality(selector, tune_q)
            results.append((scores["ndcg@5"], scores["hit@5"], params, weights))
            print(
                f"bm25 k1,b={params} {weights.method} dense={weights.dense} rrf_k={weights.rrf_k}: {scores}"
            )
    _, _, params, weights = max(results, key=lambda r: (r[0], r[1]))
    chosen = selectors[params]
    chosen.weights = weights
    print(f"\nchosen: bm25 k1,b={params}, {weights}")
    print(f"held-out half: {quality(chosen, test_q)}")
    ranker = fit_ranker(chosen, tune_q, test_q, weights.dense)
    chosen.ranker = None  # the abstain rule and the history read the default (fused) top hits
    history = tune_history(chosen, data.pool, tune_q, test_q)
    found: dict[str, Any] = {
        "K1": params[0], "B": params[1], "fusion": f"{weights.method} dense={weights.dense} "
        f"lexical={weights.lexical} rrf_k={weights.rrf_k}", "WEIGHTS": ranker.weights, **history,
    }  # fmt: skip
    if data.irrelevant and data.labelled_lists:
        lists = ApiSelector(
            embedder,
            abstain=NEVER,
            weights=weights,
            ranker=None,
            bm25_k1=params[0],
            bm25_b=params[1],
            record_embedder=records,
        )
        lists.add([*data.labelled_lists, *data.irrelevance_tools])
        # Only queries with a candidate list of their own (BFCL's, in `--data all`) can say "fits".
        listed = {record.namespace for record in data.labelled_lists}
        labelled = [q for q in data.labelled if q.id in listed]
        found["abstain"] = tune_abstain(chosen, lists, labelled, data.irrelevant)
    return found


def tune_abstain(
    pooled: ApiSelector, lists: ApiSelector, labelled: Sequence[Query], irrelevant: Sequence[Query]
) -> list[dict[str, Any]]:
    """Fit and print the abstain rule for each variant of its signals: labelled queries asked of
    their own lists (in `lists`) fit, irrelevance queries asked of theirs do not; the labelled
    queries asked of the whole registry (`pooled`) are reported beside. Returns each variant."""
    print("\nabstain signals: hits for labelled queries (pooled and own lists) and irrelevance queries...")
    sides = {
        "pooled": (labelled, ranked_hits(pooled, labelled, own_lists=False)),
        "lists": (labelled, ranked_hits(lists, labelled, own_lists=True)),
        "irrelevant": (irrelevant, ranked_hits(lists, irrelevant, own_lists=True)),
    }
    variants = []
    for top_n in (1, 3, 20):
        for generic_filter in (True, False):
            features = feature_variant(top_n, generic_filter)
            x = {
                side: {
                    h: np.asarray(
                        [features(q, hits) for q, hits in zip(qs, all_hits, strict=True) if half(q.id) == h]
                    )
                    for h in ("tune", "test")
                }
                for side, (qs, all_hits) in sides.items()
            }
            fits, nothing = x["lists"]["tune"], x["irrelevant"]["tune"]
            beta = logistic_fit(np.vstack([fits, nothing]), np.r_[np.ones(len(fits)), np.zeros(len(nothing))])
            w = np.round(beta[:-1] * 10.0 / np.abs(beta[:-1]).sum(), 1)  # only the direction matters
            cut = round(float(np.quantile(fits @ w, FALSE_ABSTAIN_BUDGET)), 2)
            pooled_cut = round(float(np.quantile(x["pooled"]["tune"] @ w, FALSE_ABSTAIN_BUDGET)), 2)
            print(f"\nABSTAIN_POOL = {top_n}, generic name words ignored: {generic_filter}: ABSTAIN_COS = "
                  f"{w[0]}, ABSTAIN_NAME = {w[1]}, ABSTAIN_DESC = {w[2]}, ABSTAIN_SLOTS = {w[3]}, "
                  f"ABSTAIN_CUT = {cut}")  # fmt: skip
            variants.append({
                "ABSTAIN_POOL": top_n, "generic_filter": generic_filter, "ABSTAIN_COS": float(w[0]),
                "ABSTAIN_NAME": float(w[1]), "ABSTAIN_DESC": float(w[2]), "ABSTAIN_SLOTS": float(w[3]),
                "ABSTAIN_CUT": cut,
            })  # fmt: skip
            for label, where in ((f"cut {cut}", cut), (f"cut {pooled_cut} (placed on the pool)", pooled_cut)):
                for h in ("tune", "test"):
                    rate = {side: round(float(np.mean(x[side][h] @ w < where)), 3) for side in x}
                    print(f"  {label}, {h} half: abstained on irrelevance {rate['irrelevant']}, false "
                          f"abstentions: own lists {rate['lists']}, pooled {rate['pooled']}")  # fmt: skip
    return variants
