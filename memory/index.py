"""The vector side of the memory: a FAISS inner-product index keyed by int64 ids.

Exact search (``IndexFlatIP``) is the default because it is exact and, below some tens of thousands
of vectors, already fast. Past that, HNSW (``IndexHNSWFlat`` with the inner-product metric) keeps
queries well under a millisecond. Both sit in an ``IndexIDMap2``, so results come back as our own
ids and any vector can be read back (``reconstruct``): stored vectors are never re-embedded.

HNSW cannot delete. Removed ids become tombstones, excluded from every search by an id selector,
and the graph is rebuilt from its own stored vectors once they pass ``COMPACT_FRACTION``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import faiss as _faiss
import numpy as np

# FAISS's bundled type stubs describe the SWIG C++ signatures, not the numpy-taking Python wrappers.
faiss: Any = _faiss

IndexKind = Literal["flat", "hnsw"]
COMPACT_FRACTION = 0.25
# Below this many allowed ids, a filtered search scores them directly: exact, and HNSW's graph walk
# with a very selective id filter can miss matches.
BRUTE_FORCE_LIMIT = 4096


@contextmanager
def omp_threads(n: int | None) -> Iterator[None]:
    """Run FAISS with ``n`` OpenMP threads, then restore the previous setting.

    A single query gains nothing from threads, and on busy cores OpenMP's spin-waiting makes it
    many times slower (measured here: HNSW p50 0.3 ms with one thread, 5 ms with two).
    """
    if not n:
        yield
        return
    previous = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(n)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(previous)


class VectorIndex:
    """A FAISS index plus its tombstones. Scores are inner products of unit vectors (cosines)."""

    def __init__(
        self,
        dim: int,
        kind: IndexKind = "flat",
        *,
        hnsw_m: int = 16,
        ef_construction: int = 40,
        ef_search: int = 64,
        _index: Any = None,
    ) -> None:
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"index kind must be 'flat' or 'hnsw', got {kind!r}")
        self.dim, self.kind = dim, kind
        self.hnsw_m, self.ef_construction, self.ef_search = hnsw_m, ef_construction, ef_search
        self.index = _index if _index is not None else faiss.IndexIDMap2(self._base())
        self.tombstones: set[int] = set()

    def _base(self) -> Any:
        if self.kind == "flat":
            return faiss.IndexFlatIP(self.dim)
        base = faiss.IndexHNSWFlat(self.dim, self.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        base.hnsw.efConstruction = self.ef_construction
        base.hnsw.efSearch = self.ef_search
        return base

    @property
    def ntotal(self) -> int:
        """Vectors held, tombstones included."""
        return int(self.index.ntotal)

    def __len__(self) -> int:
        return self.ntotal - len(self.tombstones)

    def all_ids(self) -> np.ndarray:
        """Every id held, tombstones included (the next free id is one past their maximum)."""
        return faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def add(self, vectors: np.ndarray, ids: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dim:
            raise ValueError(f"vectors must have shape (n, {self.dim}), got {vectors.shape}")
        if len(vectors):
            self.index.add_with_ids(vectors, np.ascontiguousarray(ids, dtype=np.int64))

    def remove(self, ids: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return
        if self.kind == "flat":
            self.index.remove_ids(ids)
            return
        self.tombstones.update(int(i) for i in ids)
        if len(self.tombstones) > COMPACT_FRACTION * max(self.ntotal, 1):
            self.rebuild(self.kind)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of ``ids`` (live ones; asking for a removed id is a bug upstream)."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.index.reconstruct_batch(ids), dtype=np.float32).reshape(len(ids), self.dim)

    def live(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of every live entry, read from the index itself."""
        ids = self.all_ids()
        base = faiss.downcast_index(self.index.index)
        vectors = np.asarray(base.reconstruct_n(0, self.ntotal), dtype=np.float32).reshape(-1, self.dim)
        if self.tombstones:
            keep = ~np.isin(ids, np.fromiter(self.tombstones, dtype=np.int64))
            ids, vectors = ids[keep], vectors[keep]
        return ids, vectors

    def rebuild(self, kind: IndexKind) -> None:
        """Rebuild as ``kind`` from the stored vectors, dropping tombstones."""
        ids, vectors = self.live()
        self.kind = kind
        self.index = faiss.IndexIDMap2(self._base())
        self.tombstones = set()
        self.add(vectors, ids)

    def _params(self, selector: Any, k: int) -> Any:
        if self.kind == "hnsw":
            return faiss.SearchParametersHNSW(sel=selector, efSearch=max(self.ef_search, k))
        return faiss.SearchParameters(sel=selector) if selector is not None else None

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, ids) per query row, best first; missing slots have id -1.

        ``allowed`` restricts results to those ids (metadata filters); ``None`` means all live ids.
        """
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.dim)
        k = max(0, min(k, len(self) if allowed is None else len(allowed)))
        if k == 0:
            empty = np.zeros((len(queries), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        if allowed is not None and len(allowed) <= BRUTE_FORCE_LIMIT:
            return self._brute_force(queries, k, np.asarray(allowed, dtype=np.int64))
        # The selector objects must outlive the search call: FAISS keeps raw pointers to them.
        selector: Any = None
        keep_alive: list[Any] = []
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
        elif self.tombstones:
            dead = faiss.IDSelectorBatch(np.fromiter(self.tombstones, dtype=np.int64))
            keep_alive.append(dead)
            selector = faiss.IDSelectorNot(dead)
        params = self._params(selector, k)
        with omp_threads(1 if len(queries) == 1 else None):
            scores, ids = self.index.search(queries, k, params=params)
        return scores, ids

    def _brute_force(self, queries: np.ndarray, k: int, allowed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = queries @ self.reconstruct(allowed).T
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return np.take_along_axis(scores, order, axis=1), allowed[order]

    def write(self, path: Path) -> None:
        faiss.write_index(self.index, str(path))

    @classmethod
    def read(
        cls,
        path: Path,
        dim: int,
        *,
        live_ids: np.ndarray,
        hnsw_m: int = 16,
        ef_construction: int = 40,
        ef_search: int = 64,
        **_: Any,
    ) -> VectorIndex:
        """Load an index file; ids held but not in ``live_ids`` are tombstones of a past removal."""
        index = faiss.read_index(str(path))
        base = faiss.downcast_index(index.index)
        kind: IndexKind = "hnsw" if isinstance(base, faiss.IndexHNSWFlat) else "flat"
        out = cls(
            dim, kind, hnsw_m=hnsw_m, ef_construction=ef_construction, ef_search=ef_search, _index=index
        )
        if kind == "hnsw":
            base.hnsw.efSearch = ef_search
        extra = np.setdiff1d(out.all_ids(), live_ids)
        if kind == "flat":
            out.index.remove_ids(extra)
        else:
            out.tombstones = set(extra.tolist())
        return out
