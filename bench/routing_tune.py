"""Refit the selector's tuned constants on the tuning half of the benchmark, and check them on the other.

Run as `python -m bench.routing --tune`. It prints, for the tuning half only:

1. ranking quality for a grid of fusion settings (mix weights, RRF) and BM25 parameters;
2. the learned ranker's weights (`routing/learned.py`): a pairwise logistic regression over each
   tuning query's fused candidates (every gold candidate against every other), scaled so the
   cosine's weight is the fusion's dense weight;
3. for a few variants of the abstain signals (how many top hits they look at, whether generic
   name words count), a logistic regression of "something fits" on them: labelled queries against
   their own BFCL candidate lists = fits, irrelevance queries against theirs = nothing fits, so
   that both sides choose among a handful of candidates; the signals are the best cosine, name and
   first-sentence overlaps and whether some candidate's required parameters can be filled from the
   query (`text.slots_fillable`); the cut is placed where 4% of the tuning half's labelled queries
   would abstain;

4. the route history's constants (`bench/routing_history_tune.py`), leave-one-out on the tuning half;

and then the same numbers on the held-out half with the chosen settings. Copy the printed constants
into `routing/fusion.py`, `routing/lexical.py` and `routing/learned.py` by hand: tuning is a
deliberate step, not a side effect of running the benchmark. The abstain rule is fitted on the
default selector's top hits (fused order, learned ranker off), which is what bench.routing measures.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

import numpy as np

from bench.routing import METRICS, CachingEmbedder, Query, half, scores_for
from bench.routing_history_tune import tune_history
from palaestra.routing.fusion import AbstainPolicy, FusionWeights, abstain_signals
from palaestra.routing.learned import FEATURES, LearnedRanker, RecordTerms
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector, ScoredApi
from palaestra.routing.text import (
    QueryValues,
    first_sentence,
    name_words,
    slot_kinds,
    slots_fillable,
    tokenize,
)

#: The share of labelled (tuning-half) queries allowed to abstain when placing the cut.
FALSE_ABSTAIN_BUDGET = 0.04
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


def quality(selector: ApiSelector, queries: Sequence[Query], k: int = 10) -> dict[str, float]:
    rows = [scores_for([h.record.name for h in selector.select(q.text, k).hits], q.gold) for q in queries]
    return {m: round(statistics.fmean(r[m] for r in rows), 4) for m in METRICS}


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


def logistic_fit(x: np.ndarray, y: np.ndarray, l2: float = 1e-3, steps: int = 50) -> np.ndarray:
    """Class-balanced L2 logistic regression by Newton's method; returns weights, bias last."""
    design = np.hstack([x, np.ones((len(x), 1))])
    weight = np.where(y == 1, 0.5 / max(1, y.sum()), 0.5 / max(1, (1 - y).sum()))
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-design @ beta))
        gradient = design.T @ (weight * (p - y)) + l2 * beta
        hessian = (design * (weight * p * (1 - p))[:, None]).T @ design + l2 * np.eye(len(beta))
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def tune(
    pool: Sequence[ApiRecord],
    labelled: Sequence[Query],
    irr_tools: Sequence[ApiRecord],
    irrelevant: Sequence[Query],
    labelled_lists: Sequence[ApiRecord],
    embedder: CachingEmbedder,
    records: CachingEmbedder,
) -> int:
    tune_q = [q for q in labelled if half(q.id) == "tune"]
    test_q = [q for q in labelled if half(q.id) == "test"]
    print(f"tuning on {len(tune_q)} labelled queries; {len(test_q)} held out")
    selectors = {}
    for k1, b in BM25_PARAMS:
        selector = ApiSelector(
            embedder, abstain=NEVER, ranker=None, bm25_k1=k1, bm25_b=b, record_embedder=records
        )
        selector.add(pool)
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
    fit_ranker(chosen, tune_q, test_q, weights.dense)
    chosen.ranker = None  # the abstain rule and the history read the default (fused) top hits
    tune_history(chosen, pool, tune_q, test_q)

    print("\nabstain signals: hits for labelled queries (pooled and own lists) and irrelevance queries...")
    lists = ApiSelector(
        embedder,
        abstain=NEVER,
        weights=weights,
        ranker=None,
        bm25_k1=params[0],
        bm25_b=params[1],
        record_embedder=records,
    )
    lists.add([*labelled_lists, *irr_tools])
    sides = {
        "pooled": (labelled, ranked_hits(chosen, labelled, own_lists=False)),
        "lists": (labelled, ranked_hits(lists, labelled, own_lists=True)),
        "irrelevant": (irrelevant, ranked_hits(lists, irrelevant, own_lists=True)),
    }
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
            for label, where in ((f"cut {cut}", cut), (f"cut {pooled_cut} (placed on the pool)", pooled_cut)):
                for h in ("tune", "test"):
                    rate = {side: round(float(np.mean(x[side][h] @ w < where)), 3) for side in x}
                    print(f"  {label}, {h} half: abstained on irrelevance {rate['irrelevant']}, false "
                          f"abstentions: own lists {rate['lists']}, pooled {rate['pooled']}")  # fmt: skip
    return 0
