"""The lexical half of the selector: BM25 (from `bm25s`) over each record's field-weighted tokens.

bm25s builds a static sparse index, so a change to the records means building it again. That is
cheap (10,000 tool documents take well under a second) and happens lazily, at the first query
after a change, so a burst of `add` calls costs one rebuild. Token lists are kept per key, so a
rebuild never re-tokenizes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import bm25s
import numpy as np

#: BM25 saturation and length normalisation. Tool documents are short and their lengths vary
#: mostly with how many parameters they have, so length is normalised less than Lucene's 0.75.
#: Chosen on the tuning half of BFCL v4 (bfcl-eval 2026.3.23) by `palaestra routing tune` (then
#: `python -m bench.routing --tune`; commit b9c54a2, 2026-11-28; its "chosen: bm25 k1,b=" line);
#: results are flat within k1 in [0.9, 1.5], b in [0.4, 0.75]. Regenerate with `palaestra routing
#: tune --download` (see `fusion.py` for what the data is). Refitted on every registered set at once
#: (`palaestra routing tune --data all`, 2026-12-04): the same choice.
K1 = 0.9
B = 0.4

# bm25s logs an info line for every empty query; the selector handles empty queries itself.
logging.getLogger("bm25s").setLevel(logging.WARNING)


class LexicalIndex:
    """BM25 scores of a query against every indexed key, in the row order of the last `build`."""

    def __init__(self, k1: float = K1, b: float = B) -> None:
        self.k1, self.b = k1, b
        self._tokens: dict[str, list[str]] = {}
        self._model: bm25s.BM25 | None = None
        self._rows = 0

    def __len__(self) -> int:
        return len(self._tokens)

    def set(self, key: str, tokens: list[str]) -> None:
        """Index (or replace) `key`'s tokens; takes effect at the next `build`."""
        self._tokens[key] = tokens

    def discard(self, key: str) -> None:
        self._tokens.pop(key, None)

    def build(self, keys: Sequence[str]) -> None:
        """Rebuild the BM25 index with one document per key, in this order (the selector's rows)."""
        self._rows = len(keys)
        if not keys:
            self._model = None
            return
        # A record with no usable words still needs a row; a token no query produces keeps bm25s happy.
        corpus = [self._tokens[k] or ["\x00empty"] for k in keys]
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.index(corpus, show_progress=False)
        self._model = model

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for the query (zeros when no query word is in the vocabulary)."""
        if self._model is None:
            return np.zeros(self._rows, dtype=np.float32)
        ids = self._model.get_tokens_ids(list(query_tokens))
        if not ids:
            return np.zeros(self._rows, dtype=np.float32)
        return np.asarray(self._model.get_scores_from_ids(ids), dtype=np.float32)
