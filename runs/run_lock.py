"""One `palaestra eval` at a time per run directory.

Two invocations into one ``--out`` (the same command started twice, in two terminals or by a batch
scheduler re-queueing a job that is still running) would each play the episodes neither has
finished, write over each other's episode folders, and record whichever ended last. The runner
holds an exclusive lock on ``RUN/eval.lock`` for as long as it runs; a second invocation is refused
before it runs anything, naming the process that holds it. The kernel releases the lock when its
holder exits, however it exits (SIGKILL included), so a killed run never leaves a stale lock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from palaestra.config import ConfigError

LOCK_NAME = "eval.lock"


class RunInUse(ConfigError):
    """Another `palaestra eval` is writing into this run directory now."""


@contextlib.contextmanager
def hold_run(run_dir: str | os.PathLike[str]) -> Iterator[None]:
    """Hold the run directory's lock for the duration of the block, or raise `RunInUse`."""
    folder = Path(run_dir)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            raise RunInUse(
                f"{folder} is in use by another `palaestra eval` ({_holder(fd)}): two runs into one "
                "directory would play the same episodes twice and write over each other's episode "
                "files. Wait for it to end (its finished episodes are kept; the same command then "
                "resumes what is left), stop it, or give this run another --out."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> str:
    """Who holds the lock, as its holder wrote it down."""
    try:
        pid = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        pid = ""
    return f"process {pid}" if pid.isdigit() else "a process that has not said which"
