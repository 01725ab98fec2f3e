"""`ApiSelector`: which APIs fit a query (a plan step or a task), with scores and an abstain decision.

Two retrievers look at every query. BM25 (`lexical.py`) catches the exact words a tool's name and
parameters use; a sentence embedding (`dense.py`, the exemplar memory's all-MiniLM-L6-v2 and FAISS)
catches paraphrases. Their candidates are pooled and fused into one score (`fusion.py`), optionally
re-scored by a small learned linear ranker over which of the query's words each candidate's name,
parameters and description contain (`learned.py`), lifted by the votes of similar past queries
for the APIs that served them (`history.py`, once the selector has learned some routes), optionally
weighted by a feedback prior (an API that keeps failing sinks), and optionally re-ordered by an LLM
(`rerank.py`). The same signals decide whether anything fits at all: an agent told "no API for
this" can fall back to the browser instead of forcing a wrong call.

Indexing is incremental (`api_index.py`, which `ApiSelector` extends): each record is embedded once
when added; re-adding an unchanged record costs nothing, and the BM25 index is rebuilt lazily (it is
fast) at the next query after a change. What a query returns is in `selection.py`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace

import numpy as np

from palaestra.memory.embedders import Embedder, SentenceTransformerEmbedder

from .api_index import ApiIndex
from .dense import IndexChoice
from .dense import record_embedder as _records_embedder
from .feedback import FeedbackStore
from .fusion import (
    AbstainPolicy,
    FusionWeights,
    abstain_signals,
    fuse,
    normalise_lexical,
    prior_bonus,
)
from .history import Route, RouteHistory
from .judge import FitJudge
from .learned import LearnedRanker
from .lexical import K1, B
from .rerank import ApiReranker, merge_order, named_positions
from .selection import ScoredApi, Selection
from .text import QueryValues, slots_fillable, tokenize

#: The result types live in `selection.py`; they are named here too, where they always were.
__all__ = ["CANDIDATES", "RERANK_TIMEOUT_S", "RERANK_TOP_N", "ApiSelector", "ScoredApi", "Selection"]

log = logging.getLogger(__name__)

#: Candidates each retriever contributes before fusion. On BFCL's 1,437 tools the fused top-50
#: holds the gold API for 98% of queries; more only costs time. Set by hand from that measurement
#: (commit b9c54a2, 2026-11-28), not fitted.
CANDIDATES = 50
#: How many of the best candidates an LLM re-ranker is shown.
RERANK_TOP_N = 10
RERANK_TIMEOUT_S = 60.0

_shared: SentenceTransformerEmbedder | None = None
_sharing = threading.Lock()


def shared_minilm() -> SentenceTransformerEmbedder:
    """The embedder of every selector built without one, one per process. Each environment whose
    task has tools builds a selector: with an embedder of its own, each loaded MiniLM again and
    made its own int8 copy for the records (about 1 CPU-s an environment). Inference changes
    neither the model nor the copy (`dense.quantized_model`), so sharing them gives the same vectors."""
    global _shared
    with _sharing:
        if _shared is None:
            _shared = SentenceTransformerEmbedder(num_threads=1)
        return _shared


class ApiSelector(ApiIndex):
    """Hybrid BM25 + dense retrieval over `ApiRecord`s, with pre-filters, priors, re-rank and abstain.

    `embedder` defaults to all-MiniLM-L6-v2 (the exemplar memory's), loaded on first use and shared
    by every selector of the process built without one (`shared_minilm`). `prior`
    maps a record key to a success rate in [0, 1] (e.g. from a feedback store). `abstain` defaults
    to the BFCL-tuned `AbstainPolicy()`; pass `AbstainPolicy(cut=float("-inf"))` to never abstain.
    `ranker` re-scores the fused candidates (e.g. `learned.BFCL_RANKER`, opt-in); None keeps the
    fused order. `history` holds past routes (`learn`, `learn_from`); by default an empty one over
    `embedder`, which costs nothing until it learns something. `judge` (opt-in, see `judge.py`)
    reads the query with the best few candidates and its score is blended into the abstain decision.
    `generate_examples` indexes example requests written from each record's schema and description
    beside it when its source gave none (`examples.py`). Records are embedded by `record_embedder`
    when given, else by an int8 copy of a
    sentence-transformers `embedder` (`quantize_records`, see `dense.py`), else by `embedder`.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        weights: FusionWeights | None = None,
        abstain: AbstainPolicy | None = None,
        reranker: ApiReranker | None = None,
        ranker: LearnedRanker | None = None,
        prior: Callable[[str], float] | None = None,
        history: RouteHistory | None = None,
        judge: FitJudge | None = None,
        candidates: int = CANDIDATES,
        rerank_top_n: int = RERANK_TOP_N,
        rerank_timeout: float = RERANK_TIMEOUT_S,
        index: IndexChoice = "auto",
        bm25_k1: float = K1,
        bm25_b: float = B,
        record_embedder: Embedder | None = None,
        quantize_records: bool = True,
        generate_examples: bool = False,
    ) -> None:
        self.embedder = embedder if embedder is not None else shared_minilm()
        self.weights = weights or FusionWeights()
        self.abstain = abstain or AbstainPolicy()
        self.reranker, self.ranker, self.prior, self.judge = reranker, ranker, prior, judge
        self.history = history if history is not None else RouteHistory(self.embedder)
        self.candidates, self.rerank_top_n, self.rerank_timeout = candidates, rerank_top_n, rerank_timeout
        records = record_embedder or _records_embedder(self.embedder, quantize_records)
        super().__init__(self.embedder, records, index, bm25_k1, bm25_b, generate_examples)

    # --- learning routes ---------------------------------------------------------------------

    def learn(self, routes: Iterable[Route | tuple[str, str | Sequence[str]]]) -> int:
        """Remember which APIs served which queries: `Route`s, or (query, key or keys) pairs.
        Similar queries later rank those APIs higher. Returns how many routes were learned."""
        return self.history.add(_route(r) for r in routes)

    def learn_from(self, feedback: FeedbackStore) -> int:
        """`learn` the routes a feedback store recorded (those of failed episodes are left out)."""
        return self.learn(feedback.routes())

    # --- the query side ----------------------------------------------------------------------

    def select(
        self,
        query: str,
        k: int = 5,
        namespaces: Collection[str] | None = None,
        categories: Collection[str] | None = None,
    ) -> Selection:
        """The top-`k` APIs for `query`, optionally only from these namespaces and/or categories."""
        return self._select(query, k, namespaces, categories)

    async def aselect(
        self,
        query: str,
        k: int = 5,
        namespaces: Collection[str] | None = None,
        categories: Collection[str] | None = None,
        *,
        rerank: bool = True,
    ) -> Selection:
        """`select` off the event loop, then the LLM re-rank when a re-ranker is set and `rerank`.

        The re-ranker's answer also decides abstention, since it read the candidates and the rule
        only saw overlap statistics: an answer naming no candidate ("none fits") abstains, and one
        naming some does not, whatever the rule said. A failed re-rank keeps the rule's decision."""
        pool = max(k, self.rerank_top_n)
        selection = await asyncio.to_thread(self._select, query, pool, namespaces, categories)
        reranker = self.reranker if rerank else None
        if reranker is None or not selection.hits:
            return replace(selection, hits=selection.hits[:k])
        top = selection.hits[: self.rerank_top_n]
        try:
            proposed = await asyncio.wait_for(
                reranker.rerank(query, [hit.record for hit in top]), self.rerank_timeout
            )
            named = named_positions(list(proposed), len(top))  # what the answer validly names
        except Exception as exc:  # any failure of an advisory step keeps the fused order
            log.warning("API re-rank failed, keeping the fused order: %s: %s", type(exc).__name__, exc)
            return replace(selection, hits=selection.hits[:k], rerank_error=f"{type(exc).__name__}: {exc}")
        hits = [top[i] for i in merge_order(named, len(top))] + selection.hits[len(top) :]
        if named:
            abstained, reason = False, "the re-ranker named fitting APIs"
        else:
            abstained, reason = True, f"the re-ranker found that none of the best {len(top)} APIs fits"
        return replace(selection, hits=hits[:k], reranked=True, abstained=abstained, reason=reason)

    def _select(
        self,
        query: str,
        k: int,
        namespaces: Collection[str] | None,
        categories: Collection[str] | None,
    ) -> Selection:
        """Rank, then decide whether to abstain, in one hold of the lock (records may change between)."""
        with self._lock:
            ranked = self._rank(query, max(k, self.abstain.pool), namespaces, categories)
            if not ranked:
                return Selection(
                    query, [], True, "no API is indexed (or none passes the filters and is available)"
                )
            pool = ranked[: self.abstain.pool]
            entries = [self._entries[hit.key] for hit in pool]
        values = QueryValues.of(query)
        signals = abstain_signals(
            values.words,
            [hit.dense for hit in pool],
            [e.terms.name for e in entries],
            [e.terms.first_sentence for e in entries],
            [slots_fillable(e.terms.slots, values) for e in entries],
        )
        abstained, reason = self.abstain.decide(signals)
        if self.judge is None:
            return Selection(query, ranked[:k], abstained, reason, signals)
        selection = Selection(query, ranked, abstained, reason, signals)
        return self._judged(selection, signals.fit(self.abstain), self.judge, k)

    def _judged(self, selection: Selection, fit: float, judge: FitJudge, k: int) -> Selection:
        """The selection with the judge's say in abstaining (asked only when it can change the
        rule's `fit`'s decision); a judge that fails leaves the rule's decision, as a failed
        re-rank does."""
        policy = judge.policy
        top = [hit.record for hit in selection.hits[: policy.candidates]]
        score = None
        if policy.needs_judge(fit):
            try:
                score = max(judge.scores(selection.query, top))
            except Exception as exc:  # advisory, like the re-ranker
                log.warning(
                    "API fit judge failed, keeping the rule's decision: %s: %s", type(exc).__name__, exc
                )
                return replace(selection, hits=selection.hits[:k])
        abstained, reason = policy.decide(fit, score)
        return replace(
            selection, hits=selection.hits[:k], abstained=abstained, reason=reason, judge_score=score
        )

    def _rank(
        self,
        query: str,
        n: int,
        namespaces: Collection[str] | None,
        categories: Collection[str] | None,
    ) -> list[ScoredApi]:
        """The best `n` candidates by fused score (caller holds the lock)."""
        self.build()
        allowed = self._allowed_rows(namespaces, categories)
        if not self._rows or (allowed is not None and not len(allowed)):
            return []
        lexical = self._lexical.scores(tokenize(query))
        if allowed is not None:
            masked = np.full(len(lexical), -1.0, dtype=np.float32)
            masked[allowed] = lexical[allowed]
            lexical = masked
        top_lexical = np.argsort(-lexical, kind="stable")[: self.candidates]
        rows = {int(r): None for r in top_lexical if lexical[r] > 0}
        vector = self._dense.embed_query(query)
        allowed_ids = None if allowed is None else self._ids_of(allowed)
        ids, _ = self._dense.search(vector, self.candidates, allowed_ids)
        rows.update((self._row_of_id[int(i)], None) for i in ids)
        votes = self._votes(vector, allowed)
        rows.update((row, None) for row in votes)
        cand = np.fromiter(rows, dtype=np.int64, count=len(rows))
        cosines = self._dense.cosines(vector, self._ids_of(cand))
        lex_norm = normalise_lexical(np.clip(lexical[cand], 0, None), float(lexical.max()))
        scores = fuse(cosines, lex_norm, self.weights)
        if self.ranker is not None:
            terms = [self._rows[r].terms for r in cand]
            words = frozenset(tokenize(query))
            scores = self.ranker.scores(self.ranker.matrix(words, cosines, lex_norm, terms))
        history = np.array([votes.get(int(r), 0.0) for r in cand])
        scores = scores + self.weights.history * history
        if self.prior is not None:
            scores = scores + np.array([self._prior_bonus(self._rows[r].record.key) for r in cand])
        order = np.argsort(-scores, kind="stable")[:n]
        return [
            ScoredApi(
                self._rows[cand[i]].record,
                float(scores[i]),
                float(lex_norm[i]),
                float(cosines[i]),
                float(history[i]),
            )
            for i in order
        ]

    def _votes(self, vector: np.ndarray, allowed: np.ndarray | None) -> dict[int, float]:
        """The route history's votes by row, for indexed APIs that pass the filters."""
        votes = self.history.votes(vector)
        if not votes:
            return {}
        permitted = None if allowed is None else set(allowed.tolist())
        out = {}
        for key, vote in votes.items():
            entry = self._entries.get(key)
            row = None if entry is None else self._row_of_id.get(entry.id)
            if row is not None and (permitted is None or row in permitted):
                out[row] = vote
        return out

    def _prior_bonus(self, key: str) -> float:
        assert self.prior is not None
        try:
            return prior_bonus(float(self.prior(key)), self.weights.prior)
        except Exception as exc:  # a broken feedback store must not break selection
            log.warning("API prior for %s failed, ignoring it: %s: %s", key, type(exc).__name__, exc)
            return 0.0


def _route(route: Route | tuple[str, str | Sequence[str]]) -> Route:
    """A `Route` from a route or a (query, key or keys) pair; `Route` checks the types."""
    if isinstance(route, Route):
        return route
    if not isinstance(route, tuple | list) or len(route) != 2:
        raise TypeError(f"learn() takes Routes or (query, key or keys) pairs, got {route!r}")
    query, keys = route
    if isinstance(keys, str):
        return Route(query, (keys,))
    if not isinstance(keys, list | tuple | set | frozenset):
        raise TypeError(f"a route's keys are an API key or a list of them, got {keys!r}")
    return Route(query, tuple(keys))
