"""An ended episode's evidence as it travels from ``palaestra serve`` to a run (``--env-server``).

The server writes the evidence exactly as an in-process run writes it (`palaestra.runs.evidence`:
``evidence.json``, ``state.tar.xz``, ``network.har``), where the episode's state lives, and sends
those files as one uncompressed tar (the state is compressed already). The client unpacks it into
a folder of its own and hands it to the run as `Evidence.saved`, which the run copies into the
episode's folder as it is: the same files, and ``palaestra judge`` reads them alike.

A server is not trusted with the client's files: every member must be a plain file directly in the
archive's top level, named as the evidence's files are; absolute paths, ``..``, links, folders and
devices are refused before anything is written (`EvidenceArchiveError`), and so is an archive
larger than `MAX_BYTES` once unpacked.
"""

from __future__ import annotations

import io
import re
import tarfile
import tempfile
from pathlib import Path

from palaestra.runs import evidence
from palaestra.runs.evidence import EvidenceError
from palaestra.tasks.base import Evidence

MEDIA_TYPE = "application/x-tar"
#: Unpacked, an episode's evidence is a few MB (a shop's 0.8 MB, a HAR at most about 2 MB).
MAX_BYTES = 512 * 1024 * 1024
#: What an evidence folder holds: plain names, no folders (`runs.evidence`, `runs.har`).
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class EvidenceArchiveError(EvidenceError):
    """The evidence a server sent is not a safe archive of an evidence folder: nothing was kept."""


def pack(kept: Evidence, task: str) -> bytes:
    """``kept`` written as a run writes it (SQLite snapshots, xz state, redacted HAR), as a tar."""
    with tempfile.TemporaryDirectory(prefix="palaestra-served-evidence-") as tmp:
        evidence.save(Path(tmp), kept, task)
        folder = Path(tmp) / evidence.EVIDENCE_DIR
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    tar.add(path, arcname=path.name, recursive=False)
        return buffer.getvalue()


def unpack(data: bytes, target: Path) -> Path:
    """The archive ``data`` unpacked into ``target`` (made empty first), after checking every
    member (see the module's docstring); returns ``target``."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            members = tar.getmembers()
            _check(members)
            target.mkdir(parents=True, exist_ok=True)
            for stale in target.iterdir():
                stale.unlink()
            for member in members:
                source = tar.extractfile(member)
                assert source is not None  # a regular file (`_check`)
                with source, (target / member.name).open("wb") as out:
                    out.write(source.read())
    except (tarfile.TarError, OSError) as exc:
        raise EvidenceArchiveError(f"the server's evidence is not a readable tar archive: {exc}") from exc
    if not (target / evidence.RECORD).is_file():
        raise EvidenceArchiveError(f"the server's evidence has no {evidence.RECORD}: nothing to judge")
    return target


def _check(members: list[tarfile.TarInfo]) -> None:
    total = 0
    for member in members:
        name = member.name
        if not member.isreg():
            link = member.issym() or member.islnk()
            kind = "link" if link else "folder" if member.isdir() else "special file"
            raise EvidenceArchiveError(
                f"the server's evidence holds a {kind} ({name!r}): an evidence archive holds plain files only"
            )
        if not _NAME.fullmatch(name):
            raise EvidenceArchiveError(
                f"the server's evidence holds {name!r}, a path outside its folder or not an evidence "
                "file's name: refused, nothing written"
            )
        total += member.size
        if total > MAX_BYTES:
            raise EvidenceArchiveError(
                f"the server's evidence is larger than {MAX_BYTES // 2**20} MiB unpacked: refused"
            )
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise EvidenceArchiveError("the server's evidence names a file twice: refused")
