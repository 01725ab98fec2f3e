"""Workbooks saved as .ods or .xls, made readable for ``compare_table``: LibreOffice converts them to
xlsx, which openpyxl reads, and the rules judge the copy.

The conversion runs ``soffice --headless --convert-to xlsx`` with a LibreOffice profile of its own
in a temporary folder, so that it never talks to (or waits on) the Calc the episode is running,
whose profile lives in the episode's HOME. A file that does not convert in `TIMEOUT` seconds, or
that LibreOffice cannot read as a spreadsheet, yields no copy, and the judgement scores 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

__all__ = ["CONVERTED", "TIMEOUT", "as_xlsx"]

#: The workbook types converted before judging (lower case, with the dot); xlsx and xlsm are read
#: as they are.
CONVERTED = frozenset({".ods", ".xls"})
#: Seconds a conversion may take (LibreOffice starting with a fresh profile takes one or two).
TIMEOUT = 60.0
SOFFICE = "soffice"


class ConversionFailed(ValueError):
    """LibreOffice gave no xlsx copy of the file (none there, not a spreadsheet, too slow)."""


def needs_conversion(path: Path) -> bool:
    return path.suffix.lower() in CONVERTED


def as_xlsx(path: Path, workdir: Path) -> Path:
    """An xlsx copy of the workbook at ``path``, made in a new folder under ``workdir`` (which the
    caller removes); `ConversionFailed` when there is none."""
    if not path.is_file():
        raise ConversionFailed(f"{path.name}: no such file")
    workdir.mkdir(parents=True, exist_ok=True)
    # A folder per file: a result and its gold may have the same name.
    outdir = Path(tempfile.mkdtemp(prefix="converted-", dir=workdir))
    argv = [
        SOFFICE,
        "--headless",
        "--norestore",
        f"-env:UserInstallation={(workdir / 'profile').resolve().as_uri()}",
        "--convert-to",
        "xlsx",
        "--outdir",
        str(outdir),
        str(path.resolve()),
    ]
    _run(argv, path.name)
    copy = outdir / f"{path.stem}.xlsx"
    if not copy.is_file():
        raise ConversionFailed(f"{path.name}: LibreOffice made no xlsx of it (not a spreadsheet?)")
    return copy


def _run(argv: list[str], name: str) -> None:
    """Run LibreOffice to its end; past `TIMEOUT` its whole process group (the launcher and the
    office process it starts) is killed, so that nothing is left running."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:  # soffice missing: scripts/setup installs it
        raise ConversionFailed(f"{name}: could not run {SOFFICE}: {exc}") from exc
    try:
        process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise ConversionFailed(f"{name}: LibreOffice took over {TIMEOUT:.0f}s to convert it") from exc
