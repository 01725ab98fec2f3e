"""Route history: past queries and the APIs that served them, as evidence for the next query.

A registry often holds several tools that read alike ("weather_forecast", "get_weather",
"Weather_1_GetWeather"), and a description alone cannot say which one a deployment's users end up
calling. Outcomes can: when a query was answered by calling an API that then worked, a similar
query later most likely wants the same API. This is TaskMatrix's "learn from the outcome" applied
to selection, next to the feedback store's success-rate prior (which says how often an API works,
not what it is for).

`RouteHistory` keeps each route (a query and the keys of the APIs that served it) as the query's
embedding in a FAISS index. For a new query it looks at the most similar past queries and gives
each API they chose a vote (`route_votes`): the share of the neighbourhood's weight that chose it,
times how close its closest such neighbour is. Weights fall off quickly with distance (a softmax
over cosines), so one near-identical past query outweighs several loosely related ones, and an API
that only a far neighbour chose gets little. Votes lie in [0, 1 - floor]; the selector adds
`weight * vote` to an API's fused score (`fusion.HISTORY_WEIGHT`).

What it costs: a past query votes for *its* API, so when every query wants a tool of its own (no
route ever recurs) the votes go to similar-sounding neighbours' tools. On BFCL's held-out half,
the live_ categories (requests from deployments, where requests recur) gain 0.09 hit@5 and 0.13
nDCG@5, while the categories with one tool per query keep their hit@5 and lose 0.02 nDCG@5.
Gating votes by the candidate's own fused score protected those and lost more elsewhere.
Set `FusionWeights(history=0)` to turn votes off.

Routes come from `FeedbackStore.routes()` (what `TaskTools` records when an API found by a search
was called successfully), or from the caller (`ApiSelector.learn`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from palaestra.memory.embedders import Embedder

from .dense import DenseIndex

#: How many of the most similar past queries vote. Chosen with the constants below (and
#: `fusion.HISTORY_WEIGHT`) on the tuning half of BFCL v4 (bfcl-eval 2026.3.23), each query voting
#: with the other tuning queries, by `palaestra routing tune` (then `python -m bench.routing
#: --tune`; commit eb930f7, 2026-11-28; its "HISTORY_WEIGHT = ..." line, which `palaestra routing
#: tune --download` prints again); 10-20 neighbours were within 0.005 of each other.
HISTORY_NEIGHBOURS = 20
#: Past queries less similar than this (cosine) do not vote. Tuned with HISTORY_NEIGHBOURS.
HISTORY_FLOOR = 0.3
#: The softmax temperature over neighbours' cosines: a neighbour 0.2 less similar weighs e^-1 as much.
#: Tuned with HISTORY_NEIGHBOURS.
HISTORY_TEMPERATURE = 0.2
#: Routes kept before the oldest are forgotten (each costs a 384-float vector: 100,000 take 150 MB).
#: A memory bound set by hand, not fitted.
MAX_ROUTES = 100_000


@dataclass(frozen=True)
class Route:
    """A query and the keys of the APIs that served it."""

    query: str
    keys: tuple[str, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not isinstance(self.keys, tuple):
            raise TypeError(
                f"a route is a query string and a tuple of API keys, got {self.query!r} and {self.keys!r}"
            )
        bad = [key for key in self.keys if not isinstance(key, str) or not key]
        if bad:
            raise TypeError(
                f"route keys must be non-empty API key strings such as 'weather/forecast', got {bad!r}"
            )


def route_votes(
    cosines: Sequence[float],
    keys: Sequence[Sequence[str]],
    *,
    floor: float = HISTORY_FLOOR,
    temperature: float = HISTORY_TEMPERATURE,
) -> dict[str, float]:
    """Each API's vote from the neighbours (their cosines to the query and the keys each chose).

    vote(api) = share(api) * (closest cosine among the neighbours that chose it - floor), where
    share(api) is the softmax weight of the neighbours that chose it over that of all neighbours'
    choices. Neighbours below `floor` are ignored; no neighbour, no votes."""
    weight: dict[str, float] = {}
    closest: dict[str, float] = {}
    for cosine, chosen in zip(cosines, keys, strict=True):
        if cosine < floor:
            continue
        w = math.exp((float(cosine) - 1.0) / temperature)
        for key in chosen:
            weight[key] = weight.get(key, 0.0) + w
            closest[key] = max(closest.get(key, 0.0), float(cosine) - floor)
    total = sum(weight.values())
    return {key: weight[key] / total * closest[key] for key in weight} if total > 0 else {}


class RouteHistory:
    """Past routes in a FAISS index of their queries' embeddings (thread-safe).

    `embedder` must be the one the selector embeds queries with: votes compare a new query's vector
    with the stored ones. Past `max_routes`, the oldest routes are forgotten. Routes are known by
    a position that counts up from 0 in the order they were added."""

    def __init__(
        self,
        embedder: Embedder,
        *,
        neighbours: int = HISTORY_NEIGHBOURS,
        floor: float = HISTORY_FLOOR,
        temperature: float = HISTORY_TEMPERATURE,
        max_routes: int = MAX_ROUTES,
    ) -> None:
        if max_routes < 1:
            raise ValueError(f"max_routes must be at least 1, got {max_routes}")
        if neighbours < 1:
            raise ValueError(f"neighbours must be at least 1, got {neighbours}")
        if temperature <= 0:
            raise ValueError(f"temperature must be positive, got {temperature}")
        self.neighbours, self.floor, self.temperature = neighbours, floor, temperature
        self.max_routes = max_routes
        self._index = DenseIndex(embedder, "flat")
        self._routes: dict[int, Route] = {}  # by position; insertion order is age
        self._next = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._routes)

    def routes(self) -> list[Route]:
        with self._lock:
            return list(self._routes.values())

    def add(self, routes: Iterable[Route]) -> int:
        """Remember these routes (embedding their queries in one batch); returns how many.
        A route with no keys says nothing and is skipped."""
        fresh = [r for r in routes if r.keys][-self.max_routes :]
        if not fresh:
            return 0
        with self._lock:
            ids = list(range(self._next, self._next + len(fresh)))
            self._index.add(ids, [r.query for r in fresh])
            self._routes.update(zip(ids, fresh, strict=True))
            self._next += len(fresh)
            overflow = len(self._routes) - self.max_routes
            if overflow > 0:
                oldest = list(self._routes)[:overflow]
                self._index.remove(oldest)
                for position in oldest:
                    del self._routes[position]
        return len(fresh)

    def neighbours_of(
        self, vector: np.ndarray, exclude: Collection[int] = ()
    ) -> tuple[list[float], list[tuple[str, ...]]]:
        """The cosines and chosen keys of the most similar past queries, best first. `exclude`
        holds route positions to leave out (leave-one-out evaluation)."""
        with self._lock:
            ids, cosines = self._index.search(vector, self.neighbours + len(exclude))
            found = zip(ids.tolist(), cosines.tolist(), strict=True)
            kept = [(c, self._routes[i].keys) for i, c in found if i not in exclude]
        kept = kept[: self.neighbours]
        return [c for c, _ in kept], [k for _, k in kept]

    def votes(self, vector: np.ndarray, exclude: Collection[int] = ()) -> dict[str, float]:
        """Each API's vote for the query whose unit vector is `vector` (see `route_votes`)."""
        if not self._routes:
            return {}
        cosines, keys = self.neighbours_of(vector, exclude)
        return route_votes(cosines, keys, floor=self.floor, temperature=self.temperature)
