"""Saving and opening: round trips without re-embedding, crash safety, version and model checks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palaestra.errors import PalaestraError
from palaestra.memory import (
    CorruptMemoryError,
    EmbedderMismatchError,
    Exemplar,
    ExemplarMemory,
    HashingEmbedder,
    NotAMemoryError,
    UnknownEmbedderError,
    UnsupportedFormatError,
    persist,
)


def snapshot(memory: ExemplarMemory) -> dict[str, dict[str, Any]]:
    return {i: memory.get(i).to_dict() for i in memory.ids()}


def debris(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(f".{path.name}."))


def test_round_trip_never_reembeds(
    filled: ExemplarMemory, memory_dir: Path, minilm: Any, counter: Any
) -> None:
    query = filled.embedder.embed(["Press the button labelled OK"])[0]
    before = [(ex.to_dict(), round(s, 5)) for ex, s in filled.search_by_vector(query, 5, {"success": True})]
    expected = snapshot(filled)
    filled.save()
    assert sorted(p.name for p in memory_dir.iterdir()) == ["exemplars.sqlite", "index.faiss", "meta.json"]
    meta = json.loads((memory_dir / "meta.json").read_text())
    assert meta["format_version"] == persist.FORMAT_VERSION
    assert meta["embedder"] == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}

    fresh = counter(minilm)
    reopened = ExemplarMemory.open(memory_dir, embedder=fresh)
    assert fresh.calls == 0, "opening must read stored vectors, not embed"
    assert snapshot(reopened) == expected and len(reopened) == len(filled)
    after = [(ex.to_dict(), round(s, 5)) for ex, s in reopened.search_by_vector(query, 5, {"success": True})]
    assert after == before
    assert reopened.search("Press the button labelled OK", 1)[0][0].goal == "Click the OK button"
    assert fresh.texts == 1, "a search embeds its query and nothing else"
    # Changes after reopening are saved too, and the default embedder is rebuilt from its name.
    new_id = reopened.add([Exemplar(goal="Scroll down to the bottom of the page", task="scroll")])[0]
    reopened.remove([reopened.ids()[0]])
    reopened.save()
    again = ExemplarMemory.open(memory_dir)
    assert new_id in again and len(again) == len(expected)
    assert again.embedder.name == "sentence-transformers/all-MiniLM-L6-v2"
    assert debris(memory_dir) == []


def test_context_manager_saves_on_clean_exit_only(tmp_path: Path) -> None:
    path = tmp_path / "m"
    with ExemplarMemory.create(path, HashingEmbedder()) as memory:
        memory.add([Exemplar(goal="kept")])
    with pytest.raises(RuntimeError), ExemplarMemory.open(path) as memory:
        memory.add([Exemplar(goal="lost")])
        raise RuntimeError("boom")
    assert [ex["goal"] for ex in snapshot(ExemplarMemory.open(path)).values()] == ["kept"]


@pytest.mark.parametrize("step", ["index", "database", "meta", "swap"])
def test_a_failed_save_leaves_the_previous_memory_intact(
    filled: ExemplarMemory, memory_dir: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    filled.save()
    expected = snapshot(filled)
    filled.add([Exemplar(goal="Drag the slider to 30", task="slider")])
    filled.remove(filled.ids()[:3])

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError(f"simulated crash while writing the {step}")

    if step == "index":
        monkeypatch.setattr(type(filled._index), "write", crash)
    elif step == "database":
        monkeypatch.setattr(type(filled._store), "save_to", crash)
    elif step == "meta":
        monkeypatch.setattr(persist, "write_meta", crash)
    else:  # the second rename, after the old directory was moved aside
        real_rename, calls = persist._rename, []

        def rename(src: Path, dst: Path) -> None:
            calls.append(src)
            if len(calls) == 2:
                crash()
            real_rename(src, dst)

        monkeypatch.setattr(persist, "_rename", rename)
    with pytest.raises(OSError, match="simulated crash"):
        filled.save()
    assert filled.dirty
    assert snapshot(ExemplarMemory.open(memory_dir, embedder=filled.embedder)) == expected
    assert debris(memory_dir) == []
    monkeypatch.undo()
    filled.save()  # the next save succeeds and holds the new content
    reopened = ExemplarMemory.open(memory_dir, embedder=filled.embedder)
    assert snapshot(reopened) == snapshot(filled) != expected


CRASH_SCRIPT = """
import os, sys
from palaestra.memory import Exemplar, ExemplarMemory, persist
memory = ExemplarMemory.open(sys.argv[1])
memory.add([Exemplar(goal="written by the process that dies", task="crash")])
real_rename, calls = persist._rename, []
def rename(src, dst):
    calls.append(src)
    if len(calls) == 2:
        os._exit(9)  # the process dies between the two renames: no except, no finally
    real_rename(src, dst)
persist._rename = rename
memory.save()
"""


def test_a_process_killed_mid_save_is_recovered_on_open(tmp_path: Path) -> None:
    path = tmp_path / "m"
    memory = ExemplarMemory.create(path, HashingEmbedder())
    memory.add([Exemplar(goal=f"goal {i}", task="t") for i in range(5)])
    memory.save()
    expected = snapshot(memory)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(CRASH_SCRIPT), str(path)], timeout=120)
    assert proc.returncode == 9
    assert not path.exists(), "the crash left the memory moved aside"
    assert any(name.startswith(".m.old-") for name in debris(path))
    assert snapshot(ExemplarMemory.open(path)) == expected
    ExemplarMemory.open(path).save()
    assert debris(path) == []


def test_opening_with_another_embedder_is_refused_with_a_fix(
    filled: ExemplarMemory, memory_dir: Path, counter: Any
) -> None:
    filled.save()
    with pytest.raises(EmbedderMismatchError) as err:
        ExemplarMemory.open(memory_dir, embedder=HashingEmbedder(384))
    message = str(err.value)
    assert "all-MiniLM-L6-v2" in message and "hashing-384" in message and "reembed=True" in message
    assert isinstance(err.value, PalaestraError)
    # The fix the message names: migrate by re-embedding every exemplar once.
    hashing = counter(HashingEmbedder(128))
    migrated = ExemplarMemory.open(memory_dir, embedder=hashing, reembed=True)
    assert hashing.texts == len(filled) and snapshot(migrated) == snapshot(filled)
    assert migrated.search("Click the OK button", 1)[0][0].goal == "Click the OK button"
    new_id = migrated.add([Exemplar(goal="a new one after migration")])[0]
    assert migrated.search("a new one after migration", 1)[0][0].id == new_id
    migrated.save()
    assert len(ExemplarMemory.open(memory_dir)) == len(filled) + 1  # hashing-128 rebuilt from its name


def test_unknown_format_version_and_missing_memories_are_typed_errors(tmp_path: Path) -> None:
    path = tmp_path / "m"
    ExemplarMemory.create(path, HashingEmbedder())
    meta = json.loads((path / "meta.json").read_text())
    (path / "meta.json").write_text(json.dumps({**meta, "format_version": 99}))
    with pytest.raises(UnsupportedFormatError, match="99"):
        ExemplarMemory.open(path)
    with pytest.raises(NotAMemoryError, match="create"):
        ExemplarMemory.open(tmp_path / "nothing-here")
    with pytest.raises(NotAMemoryError, match="overwrite=True"):
        ExemplarMemory.create(path, HashingEmbedder())
    assert len(ExemplarMemory.create(path, HashingEmbedder(), overwrite=True)) == 0
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a memory")
    for overwrite in (False, True):  # a file is never replaced by a memory folder
        with pytest.raises(NotAMemoryError, match="is a file; a memory is a folder"):
            ExemplarMemory.create(a_file, HashingEmbedder(), overwrite=overwrite)
    assert a_file.read_text() == "not a memory"


def test_an_embedder_that_needs_settings_must_be_passed(tmp_path: Path) -> None:
    class Remote(HashingEmbedder):
        @property
        def name(self) -> str:
            return "openai:text-embedding-3-small"

    ExemplarMemory.create(tmp_path / "m", Remote(64))
    with pytest.raises(UnknownEmbedderError, match="text-embedding-3-small"):
        ExemplarMemory.open(tmp_path / "m")
    assert len(ExemplarMemory.open(tmp_path / "m", embedder=Remote(64))) == 0


def test_hnsw_memory_round_trips_with_its_tombstones(tmp_path: Path) -> None:
    embedder = HashingEmbedder(64)
    memory = ExemplarMemory.create(tmp_path / "m", embedder, index="hnsw")
    ids = memory.add([Exemplar(goal=f"open the file number {i}", task=f"t{i % 3}") for i in range(40)])
    memory.remove(ids[:5])  # below the compaction fraction: kept as tombstones
    assert memory._index.tombstones
    memory.save()
    reopened = ExemplarMemory.open(tmp_path / "m")
    assert reopened.index_kind == "hnsw" and len(reopened) == 35
    query = embedder.embed(["open the file number 3"])[0]
    hits = reopened.search_by_vector(query, 50)
    assert len(hits) == 35 and not {ex.id for ex, _ in hits} & set(ids[:5])
    assert hits == memory.search_by_vector(query, 50)
    reopened.remove(ids[5:20])  # past the fraction: the graph is rebuilt without them
    assert not reopened._index.tombstones and reopened._index.ntotal == len(reopened) == 20
    assert np.isin([reopened._store.fid_of(i) for i in ids[20:]], reopened._index.all_ids()).all()


def test_an_index_file_that_disagrees_with_the_rows_is_reported(tmp_path: Path) -> None:
    small = ExemplarMemory.create(tmp_path / "small", HashingEmbedder())
    small.add([Exemplar(goal="only one")])
    small.save()
    big = ExemplarMemory.create(tmp_path / "big", HashingEmbedder())
    big.add([Exemplar(goal=f"goal {i}") for i in range(3)])
    big.save()
    (tmp_path / "small" / "index.faiss").replace(tmp_path / "big" / "index.faiss")
    with pytest.raises(CorruptMemoryError, match="does not match"):
        ExemplarMemory.open(tmp_path / "big")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: (p / "meta.json").write_text("{broken"), "meta.json is not JSON"),
        (lambda p: (p / "meta.json").write_text("[1]"), "meta.json is a JSON list"),
        (lambda p: (p / "meta.json").write_text('{"format_version": 1}'), "meta.json is missing embedder"),
        (lambda p: (p / "exemplars.sqlite").write_text("garbage"), "exemplars.sqlite is not a readable"),
        (lambda p: (p / "exemplars.sqlite").unlink(), "exemplars.sqlite is missing"),
        (lambda p: (p / "index.faiss").write_text("garbage"), "index.faiss is not a readable FAISS index"),
        (lambda p: (p / "index.faiss").unlink(), "index.faiss is missing"),
    ],
)
def test_a_damaged_file_is_a_typed_error_naming_it_and_the_fix(
    tmp_path: Path, damage: Any, message: str
) -> None:
    """A memory damaged outside Palaestra (a truncated copy, a file edited by hand) says which file
    and how to get a working memory back, instead of a bare JSON, SQLite or FAISS exception."""
    path = tmp_path / "m"
    memory = ExemplarMemory.create(path, HashingEmbedder())
    memory.add([Exemplar(goal="Click the OK button")])
    memory.save()
    damage(path)
    with pytest.raises(CorruptMemoryError) as caught:
        ExemplarMemory.open(path)
    assert message in str(caught.value) and str(path) in str(caught.value)
    assert "palaestra memory build" in str(caught.value) and "backup" in str(caught.value)
