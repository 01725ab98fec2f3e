"""``ExemplarMemory``: store episodes, find the ones whose goal is closest to a new task.

Rows live in SQLite, vectors in FAISS, and both in RAM while the memory is open; ``save()`` writes
them to the memory's directory atomically (see ``persist``). Opening reads the stored vectors back,
so it never calls the embedder. Single-threaded: guard a shared memory with a lock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import numpy as np

from palaestra.memory import persist
from palaestra.memory.embedders import Embedder, SentenceTransformerEmbedder, l2_normalise
from palaestra.memory.errors import (
    ExemplarMemoryError,
    ExemplarNotFoundError,
    InvalidExemplarError,
    NotAMemoryError,
    UnknownFilterError,
)
from palaestra.memory.exemplar import (
    DEFAULT_KEY_FIELDS,
    FILTER_FIELDS,
    Exemplar,
    Hit,
    check_key_fields,
    content_hash,
    key_text,
    majority_family,
    validate,
)
from palaestra.memory.index import IndexKind, VectorIndex
from palaestra.memory.store import ExemplarStore

IndexMode = Literal["auto", "flat", "hnsw"]


class ExemplarMemory:
    """A searchable, persistent set of exemplars. Build with ``create``/``open`` (or directly, unsaved).

    ``index="auto"`` searches exactly until the memory holds more than ``hnsw_threshold`` exemplars,
    then switches once to HNSW (and stays there); ``"flat"`` and ``"hnsw"`` fix the choice. The
    switch builds the graph inside the ``add`` that crosses the threshold: seconds at 10k vectors,
    minutes at 100k on two busy cores (``bench/speed/memory_speed.py``); exact search at 50k costs a
    few milliseconds a query.
    """

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        path: str | Path | None = None,
        key_fields: Iterable[str] = DEFAULT_KEY_FIELDS,
        index: IndexMode = "auto",
        hnsw_threshold: int = 50_000,
        hnsw_m: int = 16,
        ef_construction: int = 40,
        ef_search: int = 64,
        _store: ExemplarStore | None = None,
        _index: VectorIndex | None = None,
    ) -> None:
        if index not in ("auto", "flat", "hnsw"):
            raise ExemplarMemoryError(f"index must be 'auto', 'flat' or 'hnsw', got {index!r}.")
        self.embedder = embedder if embedder is not None else SentenceTransformerEmbedder()
        self.path = Path(path) if path is not None else None
        self.key_fields = check_key_fields(list(key_fields))
        self.index_mode, self.hnsw_threshold = index, hnsw_threshold
        self._hnsw = {"hnsw_m": hnsw_m, "ef_construction": ef_construction, "ef_search": ef_search}
        self._store = _store if _store is not None else ExemplarStore()
        kind: IndexKind = "hnsw" if index == "hnsw" else "flat"
        self._index = _index if _index is not None else VectorIndex(self.embedder.dim, kind, **self._hnsw)
        all_ids = self._index.all_ids()
        self._next_fid = int(all_ids.max()) + 1 if len(all_ids) else 0
        self.dirty = False

    # -- lifecycle -----------------------------------------------------------------------------

    @classmethod
    def create(
        cls, path: str | Path, embedder: Embedder | None = None, *, overwrite: bool = False, **options: Any
    ) -> ExemplarMemory:
        """A new, empty memory saved at ``path`` (options as in ``__init__``)."""
        path = Path(path)
        if path.exists() and not path.is_dir():
            raise NotAMemoryError(
                f"{path} is a file; a memory is a folder. Choose a path that is a folder or new."
            )
        if path.exists() and any(path.iterdir()) and not overwrite:
            raise NotAMemoryError(
                f"{path} already exists and is not empty. Open it with ExemplarMemory.open(path), "
                f"or pass overwrite=True to replace it."
            )
        memory = cls(embedder, path=path, **options)
        memory.save()
        return memory

    @classmethod
    def open_or_create(cls, path: str | Path, embedder: Embedder | None = None) -> ExemplarMemory:
        """The memory at ``path``, made empty there first if none exists yet."""
        if persist.is_memory(Path(path)):
            return cls.open(path, embedder=embedder)
        return cls.create(path, embedder=embedder)

    @classmethod
    def open(
        cls, path: str | Path, embedder: Embedder | None = None, *, reembed: bool = False
    ) -> ExemplarMemory:
        """Load a saved memory without re-embedding anything.

        ``embedder=None`` rebuilds the recorded one when its name suffices (the default MiniLM).
        ``reembed=True`` accepts a different embedder and re-embeds every exemplar with it.
        """
        path = Path(path)
        meta = persist.read_meta(path)
        embedder, mismatch = persist.resolve_embedder(path, meta, embedder, reembed=reembed)
        store, index = persist.load_contents(path, meta, with_index=not mismatch)
        options = {k: v for k, v in meta["index"].items() if k != "kind"}
        memory = cls(
            embedder, path=path, key_fields=meta["key_fields"], _store=store, _index=index, **options
        )
        if mismatch:
            memory._reembed_all()
        return memory

    def save(self, path: str | Path | None = None) -> None:
        """Write the memory to ``path`` (default: where it was created or opened), atomically."""
        if path is not None:
            self.path = Path(path)
        if self.path is None:
            raise ExemplarMemoryError("This memory has no directory yet: call save(path).")

        def write_files(tmp: Path) -> None:
            self._index.write(tmp / persist.INDEX_FILE)
            self._store.save_to(tmp / persist.DB_FILE)
            persist.write_meta(tmp, self._meta())

        persist.write_atomically(self.path, write_files)
        self.dirty = False

    def _meta(self) -> dict[str, Any]:
        return {
            "embedder": {"name": self.embedder.name, "dim": self.embedder.dim},
            "key_fields": list(self.key_fields),
            "index": {"kind": self._index.kind, "index": self.index_mode,
                      "hnsw_threshold": self.hnsw_threshold, **self._hnsw},
            "count": len(self),
        }  # fmt: skip

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> ExemplarMemory:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Save unsaved changes on a clean exit (not after an error: keep the last good state)."""
        if exc_type is None and self.dirty and self.path is not None:
            self.save()
        self.close()

    # -- contents ------------------------------------------------------------------------------

    @property
    def index_kind(self) -> IndexKind:
        return self._index.kind

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, exemplar_id: object) -> bool:
        return isinstance(exemplar_id, str) and self._store.fid_of(exemplar_id) is not None

    def ids(self) -> list[str]:
        """Every id, oldest first."""
        return self._store.ids()

    def get(self, exemplar_id: str) -> Exemplar:
        found = self._store.get(exemplar_id)
        if found is None:
            raise ExemplarNotFoundError(exemplar_id)
        return found[1]

    def add(self, exemplars: Iterable[Exemplar]) -> list[str]:
        """Store ``exemplars`` (embedded in batches); returns their ids in order.

        An exemplar with the same goal, task and trajectory as a stored one (or an earlier one in the
        batch) is not added again: its slot in the result holds the existing id.
        """
        exemplars = list(exemplars)
        ids: list[str] = []
        new: list[tuple[Exemplar, str]] = []
        batch_hashes: dict[str, str] = {}
        batch_ids: set[str] = set()
        for ex in exemplars:
            validate(ex)
            chash = content_hash(ex)
            existing = self._store.id_for_hash(chash) or batch_hashes.get(chash)
            if existing is not None:
                ids.append(existing)
                continue
            eid = ex.id or uuid.uuid4().hex[:16]
            if eid in batch_ids or eid in self:
                raise InvalidExemplarError(f"Id `{eid}` is already taken by an exemplar with other content.")
            new.append((ex.with_id(eid), chash))
            batch_hashes[chash] = eid
            batch_ids.add(eid)
            ids.append(eid)
        if new:
            vectors = self.embedder.embed([key_text(ex, self.key_fields) for ex, _ in new])
            fids = np.arange(self._next_fid, self._next_fid + len(new), dtype=np.int64)
            with self._store.db:  # the rows roll back if the index refuses the vectors
                for fid, (ex, chash) in zip(fids, new, strict=True):
                    self._store.insert(int(fid), ex, chash)
                self._index.add(vectors, fids)
            self._next_fid += len(new)
            self.dirty = True
            if self.index_mode == "auto" and self._index.kind == "flat" and len(self) > self.hnsw_threshold:
                self._index.rebuild("hnsw")
        return ids

    def remove(self, ids: Iterable[str]) -> None:
        """Delete exemplars by id; raises (and removes nothing) if any id is unknown."""
        ids = list(dict.fromkeys(ids))
        fids = [self._store.fid_of(i) for i in ids]
        for eid, fid in zip(ids, fids, strict=True):
            if fid is None:
                raise ExemplarNotFoundError(eid)
        with self._store.db:
            self._store.delete(ids)
        self._index.remove(np.asarray(fids, dtype=np.int64))
        self.dirty = bool(ids) or self.dirty

    def update(self, exemplar: Exemplar) -> None:
        """Replace the stored exemplar with ``exemplar.id``; re-embeds only if its key text changed."""
        found = self._store.get(exemplar.id)
        if found is None:
            raise ExemplarNotFoundError(exemplar.id)
        validate(exemplar)
        old_fid, old = found
        chash = content_hash(exemplar)
        clash = self._store.id_for_hash(chash)
        if clash is not None and clash != exemplar.id:
            raise InvalidExemplarError(
                f"The update would duplicate exemplar `{clash}` (same goal, task, trajectory)."
            )
        fid = old_fid
        if key_text(exemplar, self.key_fields) != key_text(old, self.key_fields):
            vector = self.embedder.embed([key_text(exemplar, self.key_fields)])
            fid, self._next_fid = self._next_fid, self._next_fid + 1
            self._index.add(vector, np.asarray([fid], dtype=np.int64))
            self._index.remove(np.asarray([old_fid], dtype=np.int64))
        with self._store.db:
            self._store.replace(fid, exemplar, chash)
        self.dirty = True

    def reindex(self, kind: IndexKind) -> None:
        """Rebuild the vector index as ``"flat"`` or ``"hnsw"`` from the stored vectors (no embedding).

        Also fixes the choice: an ``"auto"`` memory stops switching by itself.
        """
        if kind not in ("flat", "hnsw"):
            raise ExemplarMemoryError(f"kind must be 'flat' or 'hnsw', got {kind!r}.")
        self._index.rebuild(kind)
        self.index_mode = kind
        self.dirty = True

    def _reembed_all(self) -> None:
        """Re-embed every exemplar with ``self.embedder`` (migration to another model)."""
        fids = self._store.fids()
        rows = self._store.by_fids(fids.tolist())
        vectors = self.embedder.embed([key_text(rows[int(f)], self.key_fields) for f in fids])
        kind: IndexKind = "hnsw" if self.index_mode == "hnsw" or len(fids) > self.hnsw_threshold else "flat"
        self._index = VectorIndex(self.embedder.dim, kind, **self._hnsw)
        self._index.add(vectors, fids)
        self._next_fid = int(fids.max()) + 1 if len(fids) else 0
        self.dirty = True

    # -- search --------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, filters: Mapping[str, Any] | None = None) -> list[Hit]:
        """The ``k`` exemplars whose key text is closest to ``query``, best first, with cosine scores.

        ``filters`` keep only exemplars whose fields equal the given values (a list means any of
        them), on ``suite``, ``task``, ``site``, ``success`` and ``source``.
        """
        return self.search_by_vector(self.embedder.embed([query])[0], k, filters)

    def search_by_vector(
        self, vector: np.ndarray, k: int = 5, filters: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """As ``search``, for a query already embedded with this memory's embedder."""
        query = l2_normalise(np.asarray(vector, dtype=np.float32).reshape(1, -1))
        if query.shape[1] != self._index.dim:
            raise ExemplarMemoryError(f"Query vector has dim {query.shape[1]}, the memory {self._index.dim}.")
        allowed = self._store.fids(filters) if filters else None
        scores, fids = self._index.search(query, k, allowed)
        found = [(int(f), float(s)) for f, s in zip(fids[0], scores[0], strict=True) if f >= 0]
        rows = self._store.by_fids([f for f, _ in found])
        return [(rows[f], s) for f, s in found if f in rows]

    def vote_search(
        self, query: str, k: int = 5, family_key: str = "task", filters: Mapping[str, Any] | None = None
    ) -> list[Hit]:
        """Synapse-style retrieval: among the top ``k``, keep only the majority family's exemplars.

        A family is the value of ``family_key`` (the task by default). The family with the most hits
        wins, ties going to the larger total score; its hits come back in score order.
        """
        if family_key not in FILTER_FIELDS:
            raise UnknownFilterError(family_key, FILTER_FIELDS)
        return majority_family(self.search(query, k, filters), family_key)

    def __repr__(self) -> str:
        kind, name = self._index.kind, self.embedder.name
        return f"ExemplarMemory({len(self)} exemplars, {kind}, {name}, path={self.path})"
