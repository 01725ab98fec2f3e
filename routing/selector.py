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

Indexing is incremental: each record is embedded once when added; re-adding an unchanged record
costs nothing, and the BM25 index is rebuilt lazily (it is fast) at the next query after a change.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from palaestra.memory.embedders import Embedder, SentenceTransformerEmbedder

from .composition import CompositionGraph
from .dense import DenseIndex, IndexChoice
from .dense import record_embedder as _records_embedder
from .examples import with_examples
from .feedback import FeedbackStore
from .fusion import (
    AbstainPolicy,
    AbstainSignals,
    FusionWeights,
    abstain_signals,
    fuse,
    normalise_lexical,
    prior_bonus,
)
from .history import Route, RouteHistory
from .judge import FitJudge
from .learned import LearnedRanker, RecordTerms
from .lexical import K1, B, LexicalIndex
from .records import ApiRecord
from .rerank import ApiReranker, merge_order, named_positions
from .text import QueryValues, dense_text, lexical_tokens, slots_fillable, tokenize

log = logging.getLogger(__name__)

#: Candidates each retriever contributes before fusion. On BFCL's 1,437 tools the fused top-50
#: holds the gold API for 98% of queries; more only costs time. Set by hand from that measurement
#: (commit b9c54a2, 2026-11-28), not fitted.
CANDIDATES = 50
#: How many of the best candidates an LLM re-ranker is shown.
RERANK_TOP_N = 10
RERANK_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ScoredApi:
    """One selected API. `score` is the ranking score (the learned ranker's, or the fused score when
    it is off; history and prior included); `lexical` is the BM25 score divided by the query's best
    BM25 score (0-1); `dense` is the cosine similarity; `history` is the route history's vote
    (0 when no similar past query chose this API)."""

    record: ApiRecord
    score: float
    lexical: float
    dense: float
    history: float = 0.0

    @property
    def key(self) -> str:
        return self.record.key


@dataclass(frozen=True)
class Selection:
    """The best APIs for a query, best first, and whether the selector thinks none of them fits.

    Hits are returned even when `abstained` is true, for inspection and logging; a caller that
    honours the decision should not call them. After an LLM re-rank, hits are in the re-ranker's
    order and scores are no longer monotonic.
    """

    query: str
    hits: list[ScoredApi]
    abstained: bool
    reason: str
    signals: AbstainSignals | None = None
    judge_score: float | None = None
    reranked: bool = False
    rerank_error: str | None = None

    @property
    def keys(self) -> list[str]:
        """The hits' record keys, in rank order."""
        return [hit.key for hit in self.hits]


@dataclass(frozen=True)
class _Entry:
    record: ApiRecord
    id: int
    text: str
    terms: RecordTerms = field(repr=False)


class ApiSelector:
    """Hybrid BM25 + dense retrieval over `ApiRecord`s, with pre-filters, priors, re-rank and abstain.

    `embedder` defaults to all-MiniLM-L6-v2 (the exemplar memory's), loaded on first use. `prior`
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
        self.embedder = embedder if embedder is not None else SentenceTransformerEmbedder(num_threads=1)
        self.weights = weights or FusionWeights()
        self.abstain = abstain or AbstainPolicy()
        self.reranker, self.ranker, self.prior, self.judge = reranker, ranker, prior, judge
        self.history = history if history is not None else RouteHistory(self.embedder)
        self.candidates, self.rerank_top_n, self.rerank_timeout = candidates, rerank_top_n, rerank_timeout
        self.generate_examples = generate_examples
        records = record_embedder or _records_embedder(self.embedder, quantize_records)
        self._dense = DenseIndex(self.embedder, index, records)
        self._lexical = LexicalIndex(bm25_k1, bm25_b)
        self._entries: dict[str, _Entry] = {}
        self._next_id = 0
        self._lock = threading.RLock()
        self._dirty = True
        self._rows: list[_Entry] = []
        self._row_of_id: dict[int, int] = {}
        self._composition: CompositionGraph | None = None

    # --- the registry side -------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def records(self) -> list[ApiRecord]:
        return [entry.record for entry in self._entries.values()]

    def prime(self, queries: Sequence[str]) -> None:
        """Embed queries about to be asked in one batch (see `DenseIndex.prime`)."""
        self._dense.prime(queries)

    def composition(self) -> CompositionGraph:
        """Which indexed APIs feed which (`composition.py`), rebuilt after the records change."""
        with self._lock:
            if self._composition is None:
                self._composition = CompositionGraph(self.records())
            return self._composition

    def add(self, records: Iterable[ApiRecord]) -> int:
        """Index `records` (a record with a known key replaces it); returns how many were embedded.

        Unchanged records are skipped, and a record whose embedded text did not change keeps its
        vector, so re-adding a whole registry after a small change embeds only what changed.
        """
        augment = with_examples if self.generate_examples else None
        batch = {record.key: augment(record) if augment else record for record in records}  # last key wins
        with self._lock:
            changed: list[_Entry] = []
            to_embed: list[_Entry] = []
            replaced: list[int] = []
            for key, record in batch.items():
                old = self._entries.get(key)
                if old is not None and old.record == record:
                    continue
                text = dense_text(record)
                if old is not None and old.text == text:
                    changed.append(_entry(record, old.id, text))
                    continue
                entry = _entry(record, self._next_id, text)
                self._next_id += 1
                changed.append(entry)
                to_embed.append(entry)
                if old is not None:
                    replaced.append(old.id)
            # Embed first: if the model fails, the selector is left as it was.
            self._dense.add([e.id for e in to_embed], [e.text for e in to_embed])
            self._dense.remove(replaced)
            for entry in changed:
                self._entries[entry.record.key] = entry
                self._lexical.set(entry.record.key, lexical_tokens(entry.record))
            self._dirty = self._dirty or bool(changed)
            self._composition = None if changed else self._composition
            return len(to_embed)

    def remove(self, keys: Iterable[str]) -> int:
        """Drop the records with these keys; unknown keys are ignored. Returns how many were dropped."""
        with self._lock:
            gone = [self._entries.pop(key) for key in dict.fromkeys(keys) if key in self._entries]
            self._dense.remove([entry.id for entry in gone])
            for entry in gone:
                self._lexical.discard(entry.record.key)
            self._dirty = self._dirty or bool(gone)
            self._composition = None if gone else self._composition
            return len(gone)

    def build(self) -> None:
        """Apply pending changes to the BM25 index now (otherwise the next query does it)."""
        with self._lock:
            if not self._dirty:
                return
            self._rows = list(self._entries.values())
            self._row_of_id = {entry.id: row for row, entry in enumerate(self._rows)}
            self._lexical.build([entry.record.key for entry in self._rows])
            self._dirty = False

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
                return Selection(query, [], True, "no API is indexed (or none passes the filters)")
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

    def _allowed_rows(
        self, namespaces: Collection[str] | None, categories: Collection[str] | None
    ) -> np.ndarray | None:
        if namespaces is None and categories is None:
            return None
        spaces = None if namespaces is None else set(namespaces)
        kinds = None if categories is None else set(categories)
        return np.fromiter(
            (
                row
                for row, e in enumerate(self._rows)
                if (spaces is None or e.record.namespace in spaces)
                and (kinds is None or e.record.category in kinds)
            ),
            dtype=np.int64,
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

    def _ids_of(self, rows: np.ndarray) -> np.ndarray:
        return np.array([self._rows[r].id for r in rows], dtype=np.int64)

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


def _entry(record: ApiRecord, entry_id: int, text: str) -> _Entry:
    """A record with what the ranker and the abstain signals read from it, computed once when added."""
    return _Entry(record, entry_id, text, RecordTerms.of(record))
