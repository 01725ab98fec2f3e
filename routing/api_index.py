"""The selector's index: the records it knows and both retrievers' views of them, kept in step.

`ApiIndex` is the registry side of `ApiSelector` (`selector.py`, which subclasses it): adding,
replacing and removing records embeds each text once (`dense.py`) and marks the BM25 index
(`lexical.py`) for a lazy rebuild, under one lock that the query side holds too. Kept apart so that
the bookkeeping of rows, ids and entries is read apart from the ranking that uses them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from palaestra.memory.embedders import Embedder

from .composition import CompositionGraph
from .dense import DenseIndex, IndexChoice
from .examples import with_examples
from .index_file import read_index, write_index
from .learned import RecordTerms
from .lexical import LexicalIndex
from .records import ApiRecord
from .text import dense_text, lexical_tokens

if TYPE_CHECKING:
    from .registry import ApiRegistry, RegistryEvent


@dataclass(frozen=True)
class _Entry:
    record: ApiRecord
    id: int
    text: str
    terms: RecordTerms = field(repr=False)


class ApiIndex:
    """`ApiRecord`s indexed for BM25 and dense retrieval, with incremental adds and removes.

    `embedder` embeds queries and `records` embeds the records' texts; `generate_examples` indexes
    example requests beside a record whose source gave none (`examples.py`).
    """

    def __init__(
        self,
        embedder: Embedder,
        records: Embedder,
        index: IndexChoice,
        bm25_k1: float,
        bm25_b: float,
        generate_examples: bool,
    ) -> None:
        self.generate_examples = generate_examples
        self._dense = DenseIndex(embedder, index, records)
        self._lexical = LexicalIndex(bm25_k1, bm25_b)
        self._entries: dict[str, _Entry] = {}
        self._next_id = 0
        self._lock = threading.RLock()
        self._dirty = True
        self._rows: list[_Entry] = []
        self._row_of_id: dict[int, int] = {}
        self._composition: CompositionGraph | None = None
        #: Registry changes not yet indexed (key -> record, None for a removal), see `follow`.
        self._pending: dict[str, ApiRecord | None] = {}
        self._pending_lock = threading.Lock()
        #: The registries `follow`ed: their APIs marked unavailable are left out of every query.
        self._followed: list[ApiRegistry] = []

    # --- the registry side -------------------------------------------------------------------

    def __len__(self) -> int:
        self._apply_pending()
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        self._apply_pending()
        return key in self._entries

    def records(self) -> list[ApiRecord]:
        self._apply_pending()
        return [entry.record for entry in self._entries.values()]

    def follow(self, registry: ApiRegistry) -> Callable[[], None]:
        """Index `registry`'s records and keep following its changes; returns the unsubscribe.

        Changes are queued as they happen and indexed together before the next query (or `build`),
        so registering a thousand tools one by one costs one batch of embeddings, a replacement
        whose text did not change keeps its vector, and an MCP server's tool list change reaches
        the next search without a rebuild.
        """

        def on_change(event: RegistryEvent, record: ApiRecord) -> None:
            with self._pending_lock:
                self._pending[record.key] = record if event == "added" else None

        stop_following = registry.subscribe(on_change, replay=True)
        self._followed.append(registry)

        def unsubscribe() -> None:
            stop_following()
            if registry in self._followed:
                self._followed.remove(registry)

        with self._lock, self._pending_lock:  # what a loaded index holds that the registry does not
            for key in self._entries:
                if key not in registry and key not in self._pending:
                    self._pending[key] = None
        return unsubscribe

    def save(self, path: str | Path) -> None:
        """Save the indexed records with their vectors to one file (see `index_file.py`)."""
        self._apply_pending()
        with self._lock:
            entries = list(self._entries.values())
            vectors = self._dense.vectors([e.id for e in entries])
        records = self._dense.records
        write_index(Path(path), records.name, records.dim, [(e.record, e.text) for e in entries], vectors)

    def load(self, path: str | Path) -> int:
        """Index the records a `save` wrote, with their saved vectors; returns how many were loaded.

        Nothing is embedded unless this version would embed a record's text differently. Loaded
        records replace indexed ones with the same key. `follow` a registry afterwards and only
        what changed since the save is embedded; what the registry no longer holds is dropped.
        """
        records = self._dense.records
        items, vectors = read_index(Path(path), records.name, records.dim)
        with self._lock:
            self.remove(record.key for record, _ in items)
            kept: list[_Entry] = []
            stale: list[ApiRecord] = []
            for record, text in items:
                if text != dense_text(record):
                    stale.append(record)
                    continue
                kept.append(_entry(record, self._next_id, text))
                self._next_id += 1
            rows = [i for i, (record, text) in enumerate(items) if text == dense_text(record)]
            self._dense.add_vectors([e.id for e in kept], vectors[rows])
            for entry in kept:
                self._entries[entry.record.key] = entry
                self._lexical.set(entry.record.key, lexical_tokens(entry.record))
            self._dirty, self._composition = True, None
            self.add(stale)
        return len(items)

    def _apply_pending(self) -> None:
        """Index the queued registry changes (kept queued if embedding them fails)."""
        with self._lock:
            with self._pending_lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return
            try:
                self.add(record for record in pending.values() if record is not None)
            except BaseException:
                with self._pending_lock:
                    self._pending = {**pending, **self._pending}
                raise
            self.remove(key for key, record in pending.items() if record is None)

    def prime(self, queries: Sequence[str]) -> None:
        """Embed queries about to be asked in one batch (see `DenseIndex.prime`)."""
        self._dense.prime(queries)

    def composition(self) -> CompositionGraph:
        """Which indexed APIs feed which (`composition.py`), rebuilt after the records change."""
        self._apply_pending()
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
        """Apply pending changes (a followed registry's, and the BM25 index) now; otherwise the
        next query does it."""
        self._apply_pending()
        with self._lock:
            if not self._dirty:
                return
            self._rows = list(self._entries.values())
            self._row_of_id = {entry.id: row for row, entry in enumerate(self._rows)}
            self._lexical.build([entry.record.key for entry in self._rows])
            self._dirty = False

    def _allowed_rows(
        self, namespaces: Collection[str] | None, categories: Collection[str] | None
    ) -> np.ndarray | None:
        """The rows a query may return (None: all): those passing the filters, less the APIs a
        followed registry marks unavailable (a lost MCP server's, until it is restarted)."""
        gone = {key for registry in list(self._followed) for key in registry.unavailable()}
        if namespaces is None and categories is None and not gone:
            return None
        spaces = None if namespaces is None else set(namespaces)
        kinds = None if categories is None else set(categories)
        return np.fromiter(
            (
                row
                for row, e in enumerate(self._rows)
                if (spaces is None or e.record.namespace in spaces)
                and (kinds is None or e.record.category in kinds)
                and e.record.key not in gone
            ),
            dtype=np.int64,
        )

    def _ids_of(self, rows: np.ndarray) -> np.ndarray:
        return np.array([self._rows[r].id for r in rows], dtype=np.int64)


def _entry(record: ApiRecord, entry_id: int, text: str) -> _Entry:
    """A record with what the ranker and the abstain signals read from it, computed once when added."""
    return _Entry(record, entry_id, text, RecordTerms.of(record))
