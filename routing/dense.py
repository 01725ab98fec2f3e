"""The dense half of the selector: the exemplar memory's embedder and FAISS index, keyed by int ids.

It reuses `palaestra.memory`'s `VectorIndex` (exact inner product, or HNSW for large registries),
so a record's vector is computed once, when it is added, and stays in the index until it is
removed: adding more records never re-embeds the ones already there. Each record gets a fresh id
from the selector, so replacing a record is "remove the old id, add a new one".

Embedding is the slow part of indexing (a CPU forward pass per text), so texts are embedded
sorted by length: batches of similar length waste less on padding (about twice as fast here), and
records are embedded by an int8 copy of the model (`Int8Embedder`: torch's dynamic quantization of
its linear layers), 1.4-2.7 times faster on 2 cores. Queries keep the float model: with int8
records and float queries BFCL's held-out hit@5 moved 0.920 -> 0.919 and nDCG@5 0.820 -> 0.819,
while int8 on both sides lost 0.006 hit@5. The int8 vectors' cosines with the float ones average
0.95, so the abstain rule was tuned on this very mix.
"""

from __future__ import annotations

import copy
import threading
import warnings
import weakref
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from palaestra.errors import check_choice
from palaestra.memory.embedders import DelegatingEmbedder, Embedder, SentenceTransformerEmbedder
from palaestra.memory.index import VectorIndex

IndexChoice = Literal["flat", "hnsw", "auto"]
#: With index="auto", a registry at least this large is searched with HNSW (exact flat search of
#: 10,000 vectors of 384 floats takes about a millisecond, so small registries stay exact).
HNSW_THRESHOLD = 50_000


class Int8Embedder(DelegatingEmbedder):
    """A `SentenceTransformerEmbedder` whose linear layers run in int8 (a quantized copy, made on
    first use; the wrapped embedder keeps its float model for queries). Same name and size, since
    its vectors are meant to be compared with the float model's."""

    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        super().__init__(inner)
        self.float_embedder = inner

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        return self.float_embedder.encode_with(quantized_model(self.float_embedder), texts)


#: Each float embedder's int8 copy, made once: every selector built over the same embedder (a
#: benchmark builds one per set and split, a server one per registry) embeds its records with it.
#: Copying and quantizing MiniLM costs about a second of CPU, which each selector paid before.
#: Inference does not change the copy, so sharing it is safe; it goes when its embedder does.
_QUANTIZED: weakref.WeakKeyDictionary[SentenceTransformerEmbedder, Any] = weakref.WeakKeyDictionary()
_QUANTIZING = threading.Lock()


def quantized_model(embedder: SentenceTransformerEmbedder) -> Any:
    """The int8 copy of `embedder`'s model (torch's dynamic quantization of its linear layers)."""
    with _QUANTIZING:
        model = _QUANTIZED.get(embedder)
        if model is None:
            import torch

            with warnings.catch_warnings():  # torch points eager-mode quantization users at torchao
                warnings.simplefilter("ignore")
                model = torch.ao.quantization.quantize_dynamic(
                    copy.deepcopy(embedder.model), {torch.nn.Linear}, dtype=torch.qint8
                )
            _QUANTIZED[embedder] = model
        return model


def record_embedder(embedder: Embedder, quantize: bool) -> Embedder:
    """What embeds records: an int8 copy of a sentence-transformers model when `quantize`, else itself."""
    if quantize and isinstance(embedder, SentenceTransformerEmbedder):
        return Int8Embedder(embedder)
    return embedder


#: Primed query vectors kept at most (a caller that primes and never asks leaks nothing past this).
PRIMED_LIMIT = 256


class DenseIndex:
    """Unit vectors of record texts in a FAISS inner-product index; scores are cosines.

    `embedder` embeds queries; `records` (default: the same) embeds records. They must agree on
    what a vector means (the same model, or an int8 copy of it)."""

    def __init__(
        self, embedder: Embedder, index: IndexChoice = "auto", records: Embedder | None = None
    ) -> None:
        check_choice("index", index, ("flat", "hnsw", "auto"))
        self.embedder, self.choice = embedder, index
        self.records = records if records is not None else embedder
        self._vectors: VectorIndex | None = None  # created at the first add: `dim` may load the model
        self._primed: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return 0 if self._vectors is None else len(self._vectors)

    def _index(self) -> VectorIndex:
        if self._vectors is None:
            self._vectors = VectorIndex(self.embedder.dim, "hnsw" if self.choice == "hnsw" else "flat")
        return self._vectors

    def embed_texts(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors for `texts` (in their order), embedded shortest first."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors = self.records.embed([texts[i] for i in order])
        out = np.empty_like(vectors)
        out[order] = vectors
        return out

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        """Embed and index `texts` under `ids` (fresh ids: the selector never reuses one)."""
        if not ids:
            return
        index = self._index()
        index.add(self.embed_texts(texts), np.asarray(ids, dtype=np.int64))
        if self.choice == "auto" and index.kind == "flat" and len(index) >= HNSW_THRESHOLD:
            index.rebuild("hnsw")

    def add_vectors(self, ids: Sequence[int], vectors: np.ndarray) -> None:
        """Index vectors embedded earlier (a saved index) under fresh `ids`, without embedding."""
        if not ids:
            return
        index = self._index()
        index.add(vectors, np.asarray(ids, dtype=np.int64))
        if self.choice == "auto" and index.kind == "flat" and len(index) >= HNSW_THRESHOLD:
            index.rebuild("hnsw")

    def vectors(self, ids: Sequence[int]) -> np.ndarray:
        """The stored vectors of live `ids`, in their order."""
        if self._vectors is None or not ids:
            return np.zeros((0, self.records.dim), dtype=np.float32)
        return self._vectors.reconstruct(np.asarray(ids, dtype=np.int64))

    def remove(self, ids: Sequence[int]) -> None:
        if ids and self._vectors is not None:
            self._vectors.remove(np.asarray(ids, dtype=np.int64))

    def embed_query(self, text: str) -> np.ndarray:
        primed = self._primed.pop(text, None)
        return primed if primed is not None else self.embedder.embed([text])[0]

    def prime(self, texts: Sequence[str]) -> None:
        """Embed queries about to be asked in one batch (a multi-step request's needs): one forward
        pass for all of them costs little more than one for a single text. Each is used once."""
        if len(self._primed) > PRIMED_LIMIT:
            self._primed.clear()
        wanted = list(dict.fromkeys(texts))
        self._primed.update(zip(wanted, self.embedder.embed(wanted), strict=True))

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-`k` (ids, cosines), best first, among `allowed` ids (None: all)."""
        if self._vectors is None or k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = self._vectors.search(query[None, :], k, allowed)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def cosines(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosines of the query with the stored vectors of `ids` (all live)."""
        if self._vectors is None or not len(ids):
            return np.zeros(len(ids), dtype=np.float32)
        return self._vectors.reconstruct(ids) @ query
