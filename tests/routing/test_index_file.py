"""A selector's index saved and loaded back: the same answers without embedding anything again,
only what changed since embedded once a registry is followed, and typed errors for a file that
cannot be used."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from palaestra.memory import HashingEmbedder
from palaestra.routing import Annotations, ApiRecord, ApiRegistry
from palaestra.routing.index_file import IndexFileError
from palaestra.routing.selector import ApiSelector

SAFE = Annotations(read_only=True, destructive=False, idempotent=True)
RECORDS = [
    ApiRecord(
        "weather", "forecast", "Forecast the weather for a city.", annotations=SAFE, examples=("rain?",)
    ),
    ApiRecord("sea", "tides", "High and low tide times at a harbour."),
    ApiRecord("mail", "send", "Send an email to someone.", category="comms"),
]
QUERIES = ["will it rain in Oslo", "when is high tide", "email my landlord"]


class CountingEmbedder(HashingEmbedder):
    """Counts the record texts it embeds."""

    def __init__(self, dim: int = 256) -> None:
        super().__init__(dim)
        self.texts = 0

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return super()._embed_batch(texts)


def _selector(records: CountingEmbedder) -> ApiSelector:
    return ApiSelector(HashingEmbedder(), record_embedder=records)


def test_a_loaded_index_answers_alike_and_embeds_only_what_changed(tmp_path: Path) -> None:
    first = _selector(CountingEmbedder())
    first.add(RECORDS)
    path = tmp_path / "tools.index.npz"
    first.save(path)

    records = CountingEmbedder()
    loaded = _selector(records)
    assert loaded.load(path) == 3 and records.texts == 0
    assert loaded.records() == first.records()
    for query in QUERIES:
        before, after = first.select(query, k=3), loaded.select(query, k=3)
        assert after.keys == before.keys
        assert [h.score for h in after.hits] == pytest.approx([h.score for h in before.hits])
    assert records.texts == 0

    registry = ApiRegistry()
    registry.add(RECORDS[0])
    registry.add(replace(RECORDS[1], description="Tide tables: high and low water at a harbour."))
    loaded.follow(registry)
    assert sorted(r.key for r in loaded.records()) == ["sea/tides", "weather/forecast"]
    assert records.texts == 1, "only the changed description is embedded; the mail API is gone"


def test_files_that_cannot_be_used_are_typed_errors(tmp_path: Path) -> None:
    saved = _selector(CountingEmbedder())
    saved.add(RECORDS)
    path = tmp_path / "tools.index.npz"
    saved.save(path)
    with pytest.raises(IndexFileError, match=r"was embedded by .* not by this selector's"):
        _selector(CountingEmbedder(dim=128)).load(path)
    with pytest.raises(IndexFileError, match="no saved selector index"):
        _selector(CountingEmbedder()).load(tmp_path / "missing.npz")
    damaged = tmp_path / "damaged.npz"
    damaged.write_bytes(path.read_bytes()[:200])
    with pytest.raises(IndexFileError, match="delete it and index the registry again"):
        _selector(CountingEmbedder()).load(damaged)
