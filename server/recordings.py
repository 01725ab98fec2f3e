"""The total size of a server's recordings (`palaestra serve --trajectories DIR`), held under a cap.

A session that asks to be recorded writes every episode under DIR; without a cap one client could
fill the disk. When the recordings reach `--max-recording-size`, a new recorded session or episode
is refused (`RecordingFull`, 507 ``RECORDING_FULL``) naming the flag and the fix, and an episode
being recorded stops being recorded (it plays on; its trajectory ends there, saying why).

Refused, not pruned: recordings are data someone asked for (demonstrations, training episodes),
and a server deleting the oldest on its own would lose them without anyone deciding to; the
refusal reaches the client at once, and whoever runs the server chooses what to move or delete.

The size is measured once when the first recording starts (everything under DIR, whoever wrote
it), then per episode folder as it grows: the folder being written is listed after each step (one
directory, no recursion), and added to the total for good when its episode ends.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from palaestra.server.session_errors import SessionError

log = logging.getLogger(__name__)

#: The default cap on a server's recordings, as written (set by hand: room for thousands of
#: episodes with screenshots, at 10-150 KB a step, while a full disk stays far off).
DEFAULT_RECORDING_SIZE = "2G"
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class RecordingFull(SessionError):
    """The server's recordings reached their cap: nothing more is recorded until some are removed."""

    status = 507
    code = "RECORDING_FULL"


def parse_size(text: str) -> int:
    """``"2G"``, ``"500M"``, ``"64K"`` or plain bytes as a number of bytes (powers of 1024);
    `ValueError` naming the accepted forms otherwise."""
    cleaned = text.strip().upper().removesuffix("IB").removesuffix("B")
    number, unit = (cleaned[:-1], cleaned[-1]) if cleaned[-1:] in _UNITS else (cleaned, "")
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text!r} is not a size; write bytes or a number with K, M, G or T (2G).") from None
    if value < 0:
        raise ValueError(f"{text!r}: a size cannot be negative.")
    return int(value * _UNITS[unit])


#: The default cap, in bytes.
DEFAULT_MAX_RECORDING_BYTES = parse_size(DEFAULT_RECORDING_SIZE)


def shown(size: int) -> str:
    """A size as people read it (``1.5 GiB``)."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} B"


def tree_size(root: Path) -> int:
    """The bytes of the files under ``root`` (links not followed; what vanishes meanwhile is skipped)."""
    total, folders = 0, [root]
    while folders:
        try:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            folders.append(Path(entry.path))
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
                    except OSError:
                        continue
        except OSError:
            continue
    return total


class RecordingBudget:
    """The recordings' total under ``root`` against ``cap`` bytes (0: no cap), shared by sessions."""

    def __init__(self, root: Path, cap: int) -> None:
        self.root, self.cap = root, cap
        self._settled: int | None = None  # measured when first needed
        self._growing: dict[Path, int] = {}
        self._lock = threading.Lock()

    def used(self) -> int:
        """The bytes recorded: what was there before, episodes ended since, episodes being written."""
        with self._lock:
            if self._settled is None:
                self._settled = tree_size(self.root)
            return self._settled + sum(self._growing.values())

    def check(self, what: str) -> None:
        """`RecordingFull` if the cap is reached (``what``: what would be recorded)."""
        used = self.used()
        if self.cap and used >= self.cap:
            raise RecordingFull(
                f"{what}: the server's recordings under {self.root} hold {shown(used)}, its cap "
                f"(--max-recording-size {shown(self.cap)}), so nothing more is recorded. Fix: move or "
                "delete recordings there, or restart the server with a larger --max-recording-size; "
                "or play without `record`."
            )

    def grew(self, folder: Path) -> bool:
        """Measure an episode folder being written; False once the total is over the cap."""
        size = tree_size(folder)
        with self._lock:
            self._growing[folder] = size
        return not self.cap or self.used() < self.cap

    def ended(self, folder: Path) -> None:
        """An episode's folder is complete: its size joins the total for good."""
        size = tree_size(folder)
        self.used()  # the total before this folder is measured first, without it
        with self._lock:
            self._growing.pop(folder, None)
            assert self._settled is not None
            self._settled += size
