"""Workbooks saved as .ods or .xls, made readable for ``compare_table``: LibreOffice converts them to
xlsx, which openpyxl reads, and the rules judge the copy.

The conversion runs ``soffice --headless --convert-to xlsx`` with a LibreOffice profile of its own
in a temporary folder, so that it never talks to (or waits on) the Calc the episode is running,
whose profile lives in the episode's HOME. A file that does not convert in `TIMEOUT` seconds, or
that LibreOffice cannot read as a spreadsheet, yields no copy, and the judgement scores 0.

Conversions are remembered by the bytes of the file (`CACHED` of them, in this process): an
episode's expected workbook is the same file every episode, and each LibreOffice start costs about
a second of CPU. Only copies LibreOffice made are remembered, never a failure.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import threading
from collections import OrderedDict
from pathlib import Path

__all__ = ["CACHED", "CONVERTED", "TIMEOUT", "as_xlsx", "forget_conversions"]

#: The workbook types converted before judging (lower case, with the dot); xlsx and xlsm are read
#: as they are.
CONVERTED = frozenset({".ods", ".xls"})
#: Seconds a conversion may take (LibreOffice starting with a fresh profile takes one or two).
TIMEOUT = 60.0
SOFFICE = "soffice"
#: How many conversions (their xlsx bytes, a few kB each) are remembered.
CACHED = 32
_converted: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_converted_lock = threading.Lock()


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
    copy = outdir / f"{path.stem}.xlsx"
    try:
        key = (path.suffix.lower(), hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError as exc:
        raise ConversionFailed(f"{path.name}: could not read it: {exc}") from exc
    with _converted_lock:
        known = _converted.get(key)
        if known is not None:
            _converted.move_to_end(key)
    if known is not None:
        copy.write_bytes(known)
        return copy
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
    if not copy.is_file():
        raise ConversionFailed(f"{path.name}: LibreOffice made no xlsx of it (not a spreadsheet?)")
    made = copy.read_bytes()
    with _converted_lock:
        _converted[key] = made
        while len(_converted) > CACHED:
            _converted.popitem(last=False)
    return copy


def forget_conversions() -> None:
    """Drop the remembered conversions (the next `as_xlsx` of any file runs LibreOffice)."""
    with _converted_lock:
        _converted.clear()


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
