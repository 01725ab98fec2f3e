"""`palaestra eval` in a process of its own, for tests that interrupt, kill or race a run."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_run(
    argv: list[str], database: Path, at_least: int, sigint_ignored: bool = False, progress: bool = False
) -> subprocess.Popen[str]:
    """Start `palaestra eval` in its own process; return once `at_least` episodes are recorded.
    ``progress`` keeps its progress lines in ``proc.stderr`` (read them, with ``communicate``);
    ``sigint_ignored`` starts it as a non-interactive shell starts ``cmd &``: SIGINT ignored."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "palaestra.cli", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE if progress else subprocess.DEVNULL,
        text=True,
        preexec_fn=ignore_sigint if sigint_ignored else None,
    )
    deadline = time.monotonic() + 180
    finished = 0
    while finished < at_least:
        assert time.monotonic() < deadline and proc.poll() is None, "the run did not get going"
        time.sleep(0.2)
        if database.exists():
            with contextlib.suppress(sqlite3.OperationalError), sqlite3.connect(database) as db:
                finished = db.execute("SELECT count(*) FROM episodes").fetchone()[0]  # once the schema exists
    return proc
