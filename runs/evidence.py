"""Evidence of finished episodes, kept to judge them again without their agents (`palaestra judge`).

When an episode of a site suite ends, its worker writes into the episode's folder
`evidence/state.tar.xz` (a copy of the episode's state folder: each SQLite database, the sites' and
Fossil's, snapshot with SQLite's backup API so that a write-ahead log a site process still holds is
in it; other files as they are), `evidence/network.har` for a task whose verdict reads the
episode's network events (WebArena's official tasks: `runs.har`, redacted and bounded), and then
`evidence/evidence.json` (the task's record: the agent's answer, the tabs' URLs and which was
active, the sites' origins or URLs, a site task's cookies). The JSON comes last and by rename, so its
presence means the evidence is whole; all exist before the episode's result row does, so a killed
run never has a row whose evidence is missing.

Version 2 added the active tab's place, the network file and official tasks' evidence; version 1
evidence (a site task's, without them) is still read, its active tab taken from its final URL.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.files import write_whole, written_whole
from palaestra.runs import har
from palaestra.runs.artifacts import confined
from palaestra.tasks.base import Evidence

EVIDENCE_DIR = "evidence"
RECORD = "evidence.json"
STATE = "state.tar.xz"
VERSION = 2
#: The versions this Palaestra judges (each later one only adds to the record).
READABLE = (1, 2)
#: A saved state larger than this unpacked is refused: a site's state is megabytes (the shop's
#: database 6.6 MB), and an archive of a shared run could otherwise fill the disk when judged.
MAX_STATE_BYTES = 2 * 1024**3
_SQLITE_MAGIC = b"SQLite format 3\x00"
#: SQLite's side files: their content is in the snapshot the backup API makes.
_SIDE_FILES = ("-wal", "-shm", "-journal")


class EvidenceError(PalaestraError, ValueError):
    """An episode's evidence is missing or unreadable: it cannot be judged again."""


def save(episode_folder: Path, evidence: Evidence, task: str) -> dict[str, Any]:
    """Write `evidence` into `episode_folder/evidence/`; returns what the episode's record keeps
    of it (where it is and its size in bytes)."""
    folder = confined(episode_folder, EVIDENCE_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    if evidence.saved is not None:
        return _keep_saved(evidence.saved, folder)
    record: dict[str, Any] = {"version": VERSION, "task": task, **evidence.record, "state": None}
    if evidence.state is not None and evidence.state.is_dir():
        _archive(evidence.state, folder / STATE)
        record["state"] = STATE
    if evidence.network is not None:
        record["network"] = har.write(folder / har.NETWORK, evidence.network)
    write_whole(folder / RECORD, json.dumps(record, ensure_ascii=False, indent=1))
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"path": EVIDENCE_DIR, "bytes": size}


def _keep_saved(saved: Path, folder: Path) -> dict[str, Any]:
    """Evidence written elsewhere already (a served episode's, `Evidence.saved`) copied as it is,
    its record last and by rename as `save` writes it."""
    for path in sorted(saved.iterdir()):
        if path.is_file() and path.name != RECORD:
            shutil.copyfile(path, folder / path.name)
    write_whole(folder / RECORD, (saved / RECORD).read_bytes())
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {"path": EVIDENCE_DIR, "bytes": size}


def _archive(state: Path, target: Path) -> None:
    """`state`'s files into a compressed tar, SQLite databases as consistent snapshots."""
    # xz at its fastest: the shop's 6.6 MB database keeps 0.78 MB in 0.16 s (gzip: 1.3 MB, 0.13 s).
    with (
        tempfile.TemporaryDirectory(prefix="palaestra-evidence-") as tmp,
        written_whole(target, binary=True) as partial,
        tarfile.open(fileobj=partial, mode="w:xz", preset=1) as tar,
    ):
        for path in sorted(state.rglob("*")):
            if not path.is_file() or path.name.endswith(_SIDE_FILES) or path.name.startswith(".repos-"):
                continue  # `.repos-*`: a copy the code host was making, not the episode's state
            name = str(path.relative_to(state))
            if _is_sqlite(path):
                copy = Path(tmp) / "snapshot"
                _snapshot(path, copy)
                tar.add(copy, arcname=name)
                copy.unlink()
            else:
                tar.add(path, arcname=name)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC


def _snapshot(source: Path, target: Path) -> None:
    src = sqlite3.connect(source)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def load(episode_folder: Path) -> dict[str, Any]:
    """The evidence record of an episode, or `EvidenceError` saying why there is none."""
    path = episode_folder / EVIDENCE_DIR / RECORD
    if not path.is_file():
        raise EvidenceError(
            "no evidence saved (a run from before `palaestra judge`, or made with --no-evidence)"
        )
    try:
        record: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise EvidenceError(f"its evidence {path} is unreadable: {exc}") from exc
    if record.get("version") not in READABLE:
        found = record.get("version")
        raise EvidenceError(
            f"its evidence has version {found!r}; this Palaestra reads versions "
            f"{', '.join(map(str, READABLE))}: judge it with the Palaestra that made it"
        )
    return record


def network(episode_folder: Path, record: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The episode's saved network events (HAR entries), or None when its evidence has none (a
    site task's, or an official task's from before they were kept)."""
    kept = record.get("network")
    if not kept:
        return None
    path = confined(episode_folder / EVIDENCE_DIR, str(kept.get("file", har.NETWORK)))
    try:
        return har.read(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EvidenceError(f"its network trace {path} is unreadable: {exc}") from exc


@contextmanager
def restored_state(episode_folder: Path, record: dict[str, Any]) -> Iterator[Path | None]:
    """The saved state folder unpacked into a temporary folder (None when none was saved);
    members that would land outside it are refused (tarfile's `data` filter), and so is an archive
    larger than `MAX_STATE_BYTES` unpacked."""
    if not record.get("state"):
        yield None
        return
    archive = confined(episode_folder / EVIDENCE_DIR, str(record["state"]))
    if not archive.is_file():
        raise EvidenceError(f"its saved state {archive} is missing")
    with tempfile.TemporaryDirectory(prefix="palaestra-judge-") as tmp:
        target = Path(tmp) / "state"
        try:
            with tarfile.open(archive, "r:*") as tar:
                unpacked = sum(m.size for m in tar.getmembers())
                if unpacked > MAX_STATE_BYTES:
                    raise EvidenceError(
                        f"its saved state {archive} would unpack to {unpacked:,} bytes, more than a "
                        f"site's state ({MAX_STATE_BYTES:,}): refused, nothing unpacked"
                    )
                tar.extractall(target, filter="data")
        except (OSError, tarfile.TarError) as exc:
            raise EvidenceError(f"its saved state {archive} is unreadable: {exc}") from exc
        yield target
