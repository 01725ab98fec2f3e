"""A run directory that cannot be written (disk full, quota, read-only, a file-size limit) stops the
run with what to do, instead of a traceback or a run of errors blamed on the agent.

Recognised by the error's number (``errno``, SQLite's result code), never by its text. An episode
whose files could not be written ends as ``storage_error`` (kept for a resume, never the agent's
failure); the runner then stops the whole run, since every later episode would fail the same way.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
from pathlib import Path

from palaestra.errors import PalaestraError

#: The errors of a filesystem that refuses writes: no space, over quota, read-only, file too large.
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})
#: SQLite's primary result codes for the same: SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL.
SQLITE_STORAGE_CODES = frozenset({8, 10, 13})
#: The error kind of an episode whose files could not be written (`runs.records.RESUMED_ERRORS`).
STORAGE_ERROR = "storage_error"


class RunStorageError(PalaestraError, OSError):
    """The run directory cannot be written: the run stopped, its finished episodes saved."""


def is_storage_failure(exc: BaseException | None) -> bool:
    """Whether `exc`, or an error it was raised from, is a filesystem refusing a write."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
            return True
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(exc, sqlite3.Error) and isinstance(code, int) and code & 0xFF in SQLITE_STORAGE_CODES:
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def storage_stop(run_dir: str | Path, cause: str) -> RunStorageError:
    """The error that stops a run whose directory refused a write, naming the space left and the fix."""
    try:
        free = f"{shutil.disk_usage(run_dir).free / 2**20:,.0f} MiB free on its filesystem"
    except OSError:
        free = "its filesystem unreadable"
    return RunStorageError(
        f"Could not write into the run directory {run_dir} ({cause}; {free}). The run stopped; its "
        "finished episodes are saved. Free some space or lift the limit (a quota, a read-only mount, "
        "`ulimit -f`), or move the run directory to a larger disk, then run the same command to resume."
    )
