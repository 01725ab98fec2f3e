"""How a selector's ranking is scored, and on which half of a data set.

Every constant is fitted on the tuning half of a set and checked on the held-out half; which half a
query belongs to is a hash of its id (`half`), so the split is the same in every run, in the
tuning commands and in `bench/routing/`.
"""

from __future__ import annotations

import math
import statistics
import zlib
from collections.abc import Sequence

import numpy as np

from palaestra.memory.embedders import DelegatingEmbedder, Embedder
from palaestra.routing.selector import ApiSelector

from .datasets import Query

METRICS = ("hit@1", "hit@5", "recall@5", "recall@10", "ndcg@5")


def half(query_id: str) -> str:
    """'tune' or 'test': a stable split by a hash of the query id."""
    return "tune" if zlib.crc32(query_id.encode("utf-8")) % 2 == 0 else "test"


def scores_for(ranked: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """hit@1/5, recall@5/10 and nDCG@5 (binary gain) of one ranked list of tool names."""
    names = list(dict.fromkeys(ranked))  # one tool name may sit in several namespaces
    wanted = set(gold)
    gains = [1.0 if n in wanted else 0.0 for n in names[:5]]
    ideal = sum(1 / math.log2(i + 2) for i in range(min(5, len(wanted))))
    return {
        "hit@1": float(bool(names[:1]) and names[0] in wanted),
        "hit@5": float(any(gains)),
        "recall@5": len(wanted & set(names[:5])) / len(wanted),
        "recall@10": len(wanted & set(names[:10])) / len(wanted),
        "ndcg@5": sum(g / math.log2(i + 2) for i, g in enumerate(gains)) / ideal,
    }


def quality(selector: ApiSelector, queries: Sequence[Query], k: int = 10) -> dict[str, float]:
    """The mean of each metric over `queries`, asked of the whole registry."""
    rows = [scores_for([h.record.name for h in selector.select(q.text, k).hits], q.gold) for q in queries]
    return {m: round(statistics.fmean(r[m] for r in rows), 4) for m in METRICS}


class CachingEmbedder(DelegatingEmbedder):
    """Remembers every text it embedded, so untimed passes over the same queries embed them once."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner, batch_size=4096)
        self.cache: dict[str, np.ndarray] = {}

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.cache))
        if missing:
            self.cache.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.cache[t] for t in texts])
