"""OSWorld's ``compare_archive`` (a multi_apps task: download every week's lecture PDFs into a
folder, which the postconfig zips), written afresh with its name, arguments and semantics: both
archives are unpacked, the files directly in their ``file_path`` folder must have the same names,
and each pair is compared by the metric for their ``file_type`` (``pdf``: `compare_pdfs`...); the
score is the mean.

The archives are unpacked into a private temporary folder, zip members and tar members alike kept
inside it (no absolute paths, no ``..``, no links out), and an archive that would unpack to more than
`MAX_UNPACKED` bytes scores 0 rather than filling the disk. A missing or unreadable archive scores 0.
"""

from __future__ import annotations

import posixpath
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

#: The most an archive may unpack to (the lecture slides of a course are a few tens of MB).
MAX_UNPACKED = 500_000_000


def _comparisons() -> dict[str, Callable[[Any, Any], float]]:
    """OSWorld's ``file_type`` names and the metric each pair of files is compared by."""
    from palaestra.tasks.desktop.osworld import (
        calc_csv,
        general_metrics,
        media_metrics,
        pdf_metrics,
        slides_metrics,
        vlc_metrics,
        writer_metrics,
    )

    return {
        "text": general_metrics.compare_text_file,
        "pdf": pdf_metrics.compare_pdfs,
        "docx": writer_metrics.compare_docx_files,
        "ppt": slides_metrics.compare_pptx_files,
        "image": vlc_metrics.compare_images,
        "csv": calc_csv.compare_csv,
        "audio": media_metrics.compare_audios,
        "video": media_metrics.compare_videos,
    }


#: The ``file_type`` values accepted (OSWorld's ``table`` needs compare_table's rules, which this
#: metric has no place for: refused when the task is loaded).
FILE_TYPES = ("text", "pdf", "docx", "ppt", "image", "csv", "audio", "video")


def _unpack(archive: Path, into: Path) -> bool:
    """Unpack a zip or tar archive inside ``into``; False when it is neither, or too large."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as zipped:
            if sum(info.file_size for info in zipped.infolist()) > MAX_UNPACKED:
                return False
            zipped.extractall(into)  # member names with "/" roots or ".." are made safe
        return True
    if tarfile.is_tarfile(archive):
        with tarfile.open(archive) as tarred:
            if sum(member.size for member in tarred.getmembers()) > MAX_UNPACKED:
                return False
            tarred.extractall(into, filter="data")  # refuses members and links leaving ``into``
        return True
    return False


def _listed(folder: Path) -> list[str] | None:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else None


def compare_archive(pred_path: Any, gold_path: Any, file_path: str = "", file_type: str = "text") -> float:
    """The mean score of the archives' files in ``file_path``, pair by pair in name order, once
    both hold the same file names there (different names score 0)."""
    if not pred_path or not gold_path or not Path(str(pred_path)).is_file():
        return 0.0
    compare = _comparisons()[file_type]
    with tempfile.TemporaryDirectory(prefix="palaestra-archive-") as work:
        pred, gold = Path(work, "pred"), Path(work, "gold")
        try:
            if not (_unpack(Path(str(pred_path)), pred) and _unpack(Path(str(gold_path)), gold)):
                return 0.0
        except (OSError, zipfile.BadZipFile, tarfile.TarError):
            return 0.0
        got, want = _listed(pred / file_path), _listed(gold / file_path)
        if not got or got != want:
            return 0.0
        scores = [compare(str(pred / file_path / name), str(gold / file_path / name)) for name in got]
    return sum(scores) / len(scores)


def check_archive_options(options: dict[str, Any], source: str, where: str) -> None:
    """``file_type`` is one of `FILE_TYPES`; ``file_path`` a folder inside the archive."""
    file_type = options.get("file_type", "text")
    if file_type not in FILE_TYPES:
        reason = (
            "its files are compared by compare_table, whose rules have no place here"
            if file_type == "table"
            else ""
        )
        raise UnsupportedEvaluatorError(source, where, "file_type", str(file_type), FILE_TYPES, reason)
    folder = options.get("file_path", "")
    normal = posixpath.normpath(folder) if isinstance(folder, str) and folder else "."
    if not isinstance(folder, str) or folder.startswith("/") or normal.split("/")[0] == "..":
        raise OSWorldTaskError(
            source, where, f"`file_path` must be a folder inside the archive, got {folder!r}"
        )
