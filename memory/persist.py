"""Crash-safe saving of a memory directory.

A memory is three files (``meta.json``, ``index.faiss``, ``exemplars.sqlite``) that must agree. A
save writes all three into a hidden sibling directory, fsyncs them, and swaps the directory in with
two renames (old -> ``.NAME.old-*``, new -> NAME). A crash before the first rename leaves the old
directory untouched; a crash between the renames leaves the old one under its ``.old-*`` name,
which ``recover`` (run by every open and save) moves back. Either way a reader sees the previous
memory whole or the new one whole, never a mix.

One writer per directory: two processes saving the same memory at once is not supported.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from palaestra.memory.embedders import Embedder, embedder_from_name
from palaestra.memory.errors import (
    CorruptMemoryError,
    EmbedderMismatchError,
    NotAMemoryError,
    UnknownEmbedderError,
    UnsupportedFormatError,
)
from palaestra.memory.index import VectorIndex
from palaestra.memory.store import ExemplarStore

FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
META_FILE, INDEX_FILE, DB_FILE = "meta.json", "index.faiss", "exemplars.sqlite"


def fsync_path(path: Path) -> None:
    """Flush a file's or a directory's entry to disk (directories: so renames inside survive)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _siblings(path: Path, kind: str) -> list[Path]:
    """Leftover ``.NAME.tmp-*`` / ``.NAME.old-*`` directories of earlier saves, oldest first."""
    if not path.parent.is_dir():
        return []
    found = path.parent.glob(f".{path.name}.{kind}-*")
    return sorted(found, key=lambda p: p.stat().st_mtime)


def recover(path: Path, *, clean: bool = False) -> None:
    """Undo a save that died between its two renames; with ``clean``, clear debris of dead saves.

    Only a writer cleans: a reader deleting ``.tmp-*`` could pull the rug from a save in progress.
    """
    path = Path(path)
    olds = _siblings(path, "old")
    if not path.exists() and olds:
        os.rename(olds[-1], path)  # the most recent committed state
        fsync_path(path.parent)
        olds = olds[:-1]
    if clean and path.exists():
        for stale in [*olds, *_siblings(path, "tmp")]:
            shutil.rmtree(stale, ignore_errors=True)


def write_meta(directory: Path, meta: dict[str, Any]) -> None:
    target = directory / META_FILE
    with open(target, "w", encoding="utf-8") as f:
        json.dump({"format_version": FORMAT_VERSION, **meta}, f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())


def is_memory(path: Path) -> bool:
    """Whether ``path`` holds a saved memory (after recovering an interrupted save)."""
    recover(path)
    return (Path(path) / META_FILE).is_file()


def read_meta(path: Path) -> dict[str, Any]:
    """Read and version-check ``meta.json``, recovering an interrupted save first."""
    recover(path)
    meta_path = Path(path) / META_FILE
    if not meta_path.is_file():
        raise NotAMemoryError(
            f"No exemplar memory at {path} (no {META_FILE}). Create one with ExemplarMemory.create(path)."
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise damaged(path, META_FILE, f"not JSON: {err}") from err
    if not isinstance(meta, dict):
        raise damaged(path, META_FILE, f"a JSON {type(meta).__name__}, not an object")
    version = meta.get("format_version")
    if version not in SUPPORTED_VERSIONS:
        raise UnsupportedFormatError(Path(path), version, SUPPORTED_VERSIONS)
    missing = [key for key in ("embedder", "index", "key_fields") if key not in meta]
    if missing:
        raise damaged(path, META_FILE, f"missing {', '.join(missing)}")
    return dict(meta)


def damaged(path: Path, name: str, what: str) -> CorruptMemoryError:
    """The error for a memory file that cannot be read: which file, what is wrong, and the way out
    (the memory's files are written together, so none can be mended alone)."""
    return CorruptMemoryError(
        f"The exemplar memory at {path} is damaged: {name} is {what}. Its files are written together "
        f"and cannot be mended one by one: restore the folder from a backup, or build it again "
        f"(`palaestra memory build NEW_DIR --oracles ... | --run RUN | --trajectories DIR`)."
    )


def _rename(src: Path, dst: Path) -> None:
    """One rename of the swap (a separate function so tests can make it fail)."""
    os.rename(src, dst)


def write_atomically(path: Path, write_files: Callable[[Path], None]) -> None:
    """Have ``write_files(tmp_dir)`` fill a fresh directory, then make it ``path`` atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover(path, clean=True)
    tmp = path.parent / f".{path.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        write_files(tmp)
        for child in tmp.iterdir():
            fsync_path(child)
        fsync_path(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not path.exists():
        _rename(tmp, path)
        fsync_path(path.parent)
        return
    old = path.parent / f".{path.name}.old-{uuid.uuid4().hex[:8]}"
    _rename(path, old)
    try:
        _rename(tmp, path)
    except BaseException:
        # An error (not a crash) between the renames: put the previous memory back right away.
        # After a real crash, recover() does the same on the next open.
        if not path.exists():
            os.rename(old, path)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    fsync_path(path.parent)
    shutil.rmtree(old, ignore_errors=True)


def resolve_embedder(
    path: Path, meta: dict[str, Any], embedder: Embedder | None, *, reembed: bool
) -> tuple[Embedder, bool]:
    """The embedder to open with, and whether it differs from the recorded one (allowed if ``reembed``)."""
    name, dim = meta["embedder"]["name"], int(meta["embedder"]["dim"])
    if embedder is None:
        embedder = embedder_from_name(name, dim)
        if embedder is None:
            raise UnknownEmbedderError(path, name, dim)
    mismatch = (embedder.name, embedder.dim) != (name, dim)
    if mismatch and not reembed:
        raise EmbedderMismatchError(path, (name, dim), (embedder.name, embedder.dim))
    return embedder, mismatch


def load_contents(
    path: Path, meta: dict[str, Any], *, with_index: bool = True
) -> tuple[ExemplarStore, VectorIndex | None]:
    """Read the rows and (unless they are to be re-embedded) the vectors, checking they agree."""
    for name in (DB_FILE, INDEX_FILE) if with_index else (DB_FILE,):
        if not (path / name).is_file():
            raise damaged(path, name, "missing")
    try:
        store = ExemplarStore(path / DB_FILE)
    except sqlite3.DatabaseError as err:
        raise damaged(path, DB_FILE, f"not a readable SQLite database ({err})") from err
    if not with_index:
        return store, None
    dim, live = int(meta["embedder"]["dim"]), store.fids()
    try:
        index = VectorIndex.read(path / INDEX_FILE, dim, live_ids=live, **meta["index"])
    except RuntimeError as err:  # faiss reports an unreadable file as a RuntimeError
        store.close()
        raise damaged(path, INDEX_FILE, f"not a readable FAISS index ({str(err).splitlines()[-1]})") from err
    if index.index.d != dim or not np.isin(live, index.all_ids()).all():
        store.close()
        raise CorruptMemoryError(
            f"{path}: {INDEX_FILE} does not match {DB_FILE} (missing vectors or wrong dim). "
            f"The directory was changed outside Palaestra; restore it from a backup."
        )
    return store, index
