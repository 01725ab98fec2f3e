"""How lexical and dense evidence become one score, and when the selector says "nothing fits".

Fusion is a weighted mix of the dense cosine and the BM25 score divided by the best BM25 score of
the query. The mix keeps the cosine's absolute meaning (a weak best match stays weak), which
reciprocal-rank fusion throws away; on BFCL the mix ranks a little better (see `palaestra routing
tune`), and its scores stay comparable between queries, which an additive prior needs.

The tuned constants below say where they came from. "BFCL v4" there means the tuning half (a hash
of the query id, `routing.training.evaluation.half`) of the pooled BFCL v4 set of
`routing/training/datasets/bfcl.py` (bfcl-eval 2026.3.23: 1,437 tools, 2,501 labelled queries),
embedded by all-MiniLM-L6-v2 (records by its int8 copy from commit 3d4dd95 on; the fusion and BM25
constants were chosen before, on float records). `palaestra routing tune --download` refits them all
and prints each one; copy a printed value here by hand, with the commit and date.

Abstention is a linear rule over four signals of the few best candidates. None depends on IDF
statistics, and looking at the top 3 only (not the best of many) keeps them comparable between a
5-tool server and a 10,000-tool pool:

* `max_cos`: the best dense cosine among the top candidates;
* `max_name`: the largest share of a candidate's distinctive name words (no "get", "find"...)
  that the query contains;
* `max_desc`: the largest share of a candidate's first description sentence that the query contains;
* `max_slots`: 1 when some candidate's required parameters can all be filled from the query, else 0
  ("slot satisfiability", `text.slots_fillable`). A query that fits a tool supplies the values
  its required parameters need; "find me a train" cannot fill a train search's origin, destination
  and date. Only parameters whose values have a recognisable shape are checked: a number needs a
  number in the query (digits or a number word), an enum one of its values, a date or time a date
  word or digits, an id, path or name-like string (name, city, title...) a quoted span, a digit,
  an identifier-like token or a capitalised word inside a sentence; free strings, booleans, arrays
  and objects count as fillable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

FusionMethod = Literal["mix", "rrf"]

#: Share of the dense cosine and of the max-normalised BM25 score in the mix. Chosen on BFCL v4's
#: tuning half by `palaestra routing tune` (then `python -m bench.routing --tune`; commit b9c54a2,
#: 2026-11-28; its "chosen:" line): 0.6-0.8 are within 0.01 nDCG@5 of each other. Refitted on the
#: tuning halves of every registered set at once (`palaestra routing tune --data all`, 2026-12-04):
#: the same choice.
DENSE_WEIGHT = 0.7
LEXICAL_WEIGHT = 0.3
#: RRF's rank offset, when method="rrf": the usual 60 (Cormack et al.), not fitted; the tuning
#: grid tries 10 and 60, and chose the mix over both.
RRF_K = 60
#: Weight of log(prior) added to the fused score; a 50% success rate costs 0.07, about the gap
#: between neighbouring candidates, so a prior reorders near-ties but cannot bury a clear winner.
#: Set by hand from that reasoning (commit b9c54a2), not fitted: no data set has call outcomes.
PRIOR_WEIGHT = 0.1
PRIOR_FLOOR = 0.01
#: Weight of a route-history vote (`history.route_votes`, in [0, 0.7]) added to the fused score.
#: Tuned with the history's constants on BFCL v4's tuning half, leave-one-out, by `palaestra routing
#: tune` (then `python -m bench.routing --tune`; commit eb930f7, 2026-11-28; its "HISTORY_WEIGHT ="
#: line): a near-identical past query that chose one API lifts it by up to ~1, above any fused
#: score, while a lone loose neighbour (vote ~0.05) only breaks near-ties.
HISTORY_WEIGHT = 1.5

#: The abstain rule: fit = COS*max_cos + NAME*max_name + DESC*max_desc + SLOTS*max_slots; abstain
#: when fit < CUT. Fitted as a class-balanced logistic regression (numpy, `palaestra routing tune`,
#: then `python -m bench.routing --tune`, commit bec3b2a, 2026-11-28: the "ABSTAIN_POOL = 3, generic
#: name words ignored: True" line; weights rescaled so their absolute values sum to 10) on the tuning
#: half of BFCL v4:
#: labelled queries against their own BFCL candidate lists (fits) versus irrelevance queries
#: against theirs (nothing fits), so that both sides choose among a handful of candidates; the cut
#: is where 4% of the tuning half's labelled queries abstain. Fitted on the default selector's top
#: 3 (fused order, int8 record vectors, learned ranker off), which is what bench.routing measures.
#: bench.routing, tuning half -> held-out half: abstains on 65% -> 68% of irrelevance queries,
#: wrongly on 4.2% -> 3.7% of labelled ones (own lists) and 1.8% -> 1.3% against the pooled
#: 1,437-tool registry. The previous three-signal rule (5.4, 1.7, 2.9, cut 1.49) gave 57% -> 61%,
#: 4.1% -> 4.1% and 0.9% -> 0.7% on the same hits: `max_slots` is what gained. Calibrating the
#: labelled side on the pooled registry instead abstains on ~80% of irrelevance queries, but only
#: because the maximum over many candidates is higher: it then abstains wrongly on ~11% of queries
#: against small registries (rejected).
#: Tuned for all-MiniLM-L6-v2: another embedder's cosines need their own tuning.
ABSTAIN_COS = 4.4
ABSTAIN_NAME = 1.4
ABSTAIN_DESC = 2.1
ABSTAIN_SLOTS = 2.1
ABSTAIN_CUT = 3.16
#: How many of the best fused candidates the abstain signals look at (for the first three signals 1,
#: 3 and 20 tuned within 0.02; with `max_slots`, 3 beat 1 by ~0.05 on irrelevance in development).
#: Chosen among the variants `palaestra routing tune` prints (commit bec3b2a, 2026-11-28).
ABSTAIN_POOL = 3


@dataclass(frozen=True)
class FusionWeights:
    """How the selector fuses its two rankings (and a feedback prior, when it has one)."""

    method: FusionMethod = "mix"
    dense: float = DENSE_WEIGHT
    lexical: float = LEXICAL_WEIGHT
    rrf_k: int = RRF_K
    prior: float = PRIOR_WEIGHT
    history: float = HISTORY_WEIGHT


@dataclass(frozen=True)
class AbstainSignals:
    """What the abstain rule looked at, kept on every `Selection` so a decision can be explained."""

    max_cos: float
    max_name: float
    max_desc: float
    max_slots: float = 1.0

    def fit(self, policy: AbstainPolicy) -> float:
        return (
            policy.cos * self.max_cos
            + policy.name * self.max_name
            + policy.desc * self.max_desc
            + policy.slots * self.max_slots
        )


@dataclass(frozen=True)
class AbstainPolicy:
    """A linear cut on `AbstainSignals`; the defaults are tuned for all-MiniLM-L6-v2 on BFCL."""

    cos: float = ABSTAIN_COS
    name: float = ABSTAIN_NAME
    desc: float = ABSTAIN_DESC
    slots: float = ABSTAIN_SLOTS
    cut: float = ABSTAIN_CUT
    pool: int = ABSTAIN_POOL

    def decide(self, signals: AbstainSignals) -> tuple[bool, str]:
        fit = signals.fit(self)
        if fit < self.cut:
            return True, (
                f"no API fits well enough (fit {fit:.2f} < {self.cut:.2f}: "
                f"best cosine {signals.max_cos:.2f}, "
                f"name overlap {signals.max_name:.2f}, description overlap {signals.max_desc:.2f}, "
                f"required parameters fillable {signals.max_slots:.0f})"
            )
        return False, f"fit {fit:.2f} >= {self.cut:.2f}"


def normalise_lexical(scores: np.ndarray, best: float) -> np.ndarray:
    """BM25 scores divided by the query's best one, so they share the cosine's 0-1 scale."""
    return scores / best if best > 0 else np.zeros_like(scores)


def ranks(scores: np.ndarray) -> np.ndarray:
    """0-based rank of each score, best first (ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(len(scores))
    return out


def fuse(dense: np.ndarray, lexical: np.ndarray, weights: FusionWeights) -> np.ndarray:
    """One score per candidate from its cosine and its normalised BM25 score."""
    if weights.method == "rrf":
        return 1.0 / (weights.rrf_k + 1 + ranks(dense)) + 1.0 / (weights.rrf_k + 1 + ranks(lexical))
    return weights.dense * dense + weights.lexical * lexical


def prior_bonus(prior: float, weight: float) -> float:
    """`weight * log(prior)`, with the prior clamped to [PRIOR_FLOOR, 1] (0 would be -infinity)."""
    return weight * math.log(min(1.0, max(PRIOR_FLOOR, prior)))


def overlap(part: frozenset[str], query: frozenset[str]) -> float:
    """Share of `part`'s words that the query contains (0 for an empty part)."""
    return len(part & query) / len(part) if part else 0.0


def abstain_signals(
    query_tokens: frozenset[str],
    cosines: Sequence[float],
    name_tokens: Sequence[frozenset[str]],
    description_tokens: Sequence[frozenset[str]],
    fillable: Sequence[float] | None = None,
) -> AbstainSignals:
    """The signals over a set of candidates (zeros when there are none). `fillable` holds each
    candidate's `text.slots_fillable`; None (not computed) counts as fillable."""
    return AbstainSignals(
        max_cos=max(cosines, default=0.0),
        max_name=max((overlap(n, query_tokens) for n in name_tokens), default=0.0),
        max_desc=max((overlap(d, query_tokens) for d in description_tokens), default=0.0),
        max_slots=1.0 if fillable is None else max(fillable, default=0.0),
    )
