"""What a selection returns: the scored APIs for a query and the abstain decision with its reasons.

Plain frozen records, apart from the selector that makes them (`selector.py`), so that what reads
a selection (agents, the meta tool, the benchmarks) need not know how it was ranked.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fusion import AbstainSignals
from .records import ApiRecord
from .text import lexical_tokens, tokenize


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
class StepHits:
    """One step of a multi-step request (`needs.select_needs`) and the APIs its own search ranked
    best, so that a planner can tell which hit serves which step."""

    need: str
    keys: tuple[str, ...]


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
    #: For a request split into several steps (`select_needs`): each step's own best keys.
    steps: tuple[StepHits, ...] = ()

    @property
    def keys(self) -> list[str]:
        """The hits' record keys, in rank order."""
        return [hit.key for hit in self.hits]

    def explain(self) -> str:
        """Why these APIs, in words: the decision and its reason, then per hit its score, the parts
        it was made of (BM25 against the query's best match, cosine, past routes' vote) and the
        query's words (stemmed) its name, description, parameters or examples contain."""
        decision = "abstained (none fits)" if self.abstained else "an API fits"
        lines = [f"Query {self.query!r}: {decision}, because {self.reason}."]
        if self.reranked:
            lines.append("Order: the LLM re-ranker's (scores are the fused ones and need not decrease).")
        elif self.rerank_error:
            lines.append(f"Order: fused; the re-rank failed ({self.rerank_error}).")
        if self.judge_score is not None:
            lines.append(f"Fit judge's score: {self.judge_score:.3f}.")
        words = dict.fromkeys(tokenize(self.query))
        for rank, hit in enumerate(self.hits, 1):
            matched = [w for w in words if w in set(lexical_tokens(hit.record))]
            lines.append(
                f"{rank}. {hit.key}: score {hit.score:.3f} (BM25 {hit.lexical:.2f} of the best, cosine "
                f"{hit.dense:.2f}, past routes {hit.history:.2f}); query words it holds: "
                + (", ".join(matched) if matched else "none (found by meaning)")
            )
        lines.extend(f"Step {step.need!r}: {', '.join(step.keys) or 'nothing'}" for step in self.steps)
        return "\n".join(lines)
