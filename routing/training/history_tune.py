"""Tune the route history's constants (part of `palaestra routing tune`).

The history is fitted like everything else, on the tuning half only: each tuning query votes with
the routes of the *other* tuning queries (leave-one-out), and the grid point with the best hit@5 +
nDCG@5 is printed (and returned) for `routing/history.py` and `fusion.HISTORY_WEIGHT`. Then the
chosen constants are scored on the held-out half, with the whole tuning half as history.

To keep the grid cheap, each query's fused candidates are computed once (history off) and votes
are added offline; an API that only the history proposes, outside the query's fused candidates,
gets the lowest candidate's fused score (the selector computes its real one). This is what the
selector does up to that detail, so the printed figures come within a hair of bench.routing's.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from palaestra.routing.errors import RoutingError
from palaestra.routing.history import RouteHistory, route_votes
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector

from .datasets import Query, gold_routes
from .evaluation import METRICS, scores_for

WEIGHTS = (1.0, 1.5, 2.0)
FLOORS = (0.25, 0.3, 0.4)
NEIGHBOURS = (10, 20)
TEMPERATURES = (0.1, 0.2)
#: Fused candidates kept per query.
DEPTH = 100


@dataclass(frozen=True)
class Evidence:
    """One query's fused candidates (key -> score) and its history neighbours, best first."""

    query: Query
    fused: dict[str, float]
    cosines: list[float]
    keys: list[tuple[str, ...]]


def gather(
    selector: ApiSelector, queries: Sequence[Query], history: RouteHistory, leave_out: bool
) -> list[Evidence]:
    """Fused candidates and neighbours for each query (leave_out: query i is history route i)."""
    out = []
    for i, q in enumerate(queries):
        hits = selector.select(q.text, DEPTH).hits
        vector = selector.embedder.embed([q.text])[0]
        exclude: Collection[int] = {i} if leave_out else ()
        cosines, keys = history.neighbours_of(vector, exclude)
        out.append(Evidence(q, {h.key: h.score for h in hits}, cosines, keys))
    return out


def quality(
    evidence: Sequence[Evidence], name_of: dict[str, str], weight: float, floor: float, n: int, temp: float
) -> dict[str, float]:
    rows = []
    for e in evidence:
        scores = dict(e.fused)
        lowest = min(scores.values(), default=0.0)
        for key, vote in route_votes(e.cosines[:n], e.keys[:n], floor=floor, temperature=temp).items():
            scores[key] = scores.get(key, lowest) + weight * vote
        ranked = sorted(scores, key=lambda key: -scores[key])
        rows.append(scores_for([name_of[key] for key in ranked], e.query.gold))
    return {m: round(statistics.fmean(r[m] for r in rows), 4) for m in METRICS}


def tune_history(
    selector: ApiSelector, pool: Sequence[ApiRecord], tune_q: Sequence[Query], test_q: Sequence[Query]
) -> dict[str, float]:
    """Print the grid's best constants (leave-one-out on the tuning half) and their held-out score;
    return the constants."""
    selector.history = RouteHistory(selector.embedder)  # fused candidates without votes
    name_of = {record.key: record.name for record in pool}
    history = RouteHistory(selector.embedder, neighbours=max(NEIGHBOURS) + 1)
    routes = gold_routes(tune_q, pool)
    lost = [q.id for q, r in zip(tune_q, routes, strict=True) if not r.keys]
    if lost:
        raise RoutingError(
            f"the gold tools of tuning queries {lost[:5]} are not in the pool: fix the data set"
        )
    history.add(routes)
    print("\nroute history: leave-one-out on the tuning half...")
    tuning = gather(selector, tune_q, history, leave_out=True)
    held_out = gather(selector, test_q, history, leave_out=False)
    results = []
    for grid in itertools.product(WEIGHTS, FLOORS, NEIGHBOURS, TEMPERATURES):
        scores = quality(tuning, name_of, *grid)
        results.append((scores["hit@5"] + scores["ndcg@5"], grid, scores))
        print(f"  weight, floor, neighbours, temperature = {grid}: {scores}")
    _, (weight, floor, n, temp), scores = max(results, key=lambda r: r[0])
    print(f"\nHISTORY_WEIGHT = {weight}, HISTORY_FLOOR = {floor}, HISTORY_NEIGHBOURS = {n}, "
          f"HISTORY_TEMPERATURE = {temp}")  # fmt: skip
    print(f"  tuning half (leave-one-out): {scores}")
    chosen = quality(held_out, name_of, weight, floor, n, temp)
    print(f"  held-out half (the tuning half as history): {chosen}")
    return {"HISTORY_WEIGHT": weight, "HISTORY_FLOOR": floor, "HISTORY_NEIGHBOURS": n,
            "HISTORY_TEMPERATURE": temp}  # fmt: skip
