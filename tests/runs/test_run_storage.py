"""A run directory that refuses writes (disk full, quota, read-only, a file-size limit) stops the run
with the fix, its finished episodes kept, and the same command resumes it once the disk can be
written; an episode whose files could not be written is a `storage_error`, never the agent's error
or a dead worker.

The refusal is real: the process's file-size limit (`ulimit -f`, RLIMIT_FSIZE) makes the kernel
refuse writes past it with EFBIG, as a full disk refuses them with ENOSPC, without root or a mount.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from palaestra.cli import main
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import RESUMED_ERRORS
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.store import RunStore

#: Runs `palaestra eval` with its own writes limited to `sys.argv[1]` bytes a file.
LIMITED_EVAL = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # as a shell does: the write fails, the process lives
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]), resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
from palaestra.cli import main
sys.exit(main(sys.argv[2:]))
"""
#: Its workers (and their browsers) are new interpreters: they lift the limit as they start, so that
#: only the run's own process (its database) meets it.
LIFT_LIMIT = """
import resource
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.getrlimit(resource.RLIMIT_FSIZE)[1],) * 2)
"""


@contextmanager
def file_size_limit(size: int) -> Iterator[None]:
    """The same limit in this process, for the length of the block."""
    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, before)
        signal.signal(signal.SIGXFSZ, handler)


def test_a_run_whose_database_cannot_grow_stops_with_the_fix_and_resumes(tmp_path: Path) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0-5", "--workers", "1",
            "--out", str(run)]  # fmt: skip
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(LIFT_LIMIT)
    path = os.pathsep.join(p for p in (str(site), os.environ.get("PYTHONPATH", "")) if p)
    proc = subprocess.run(
        [sys.executable, "-c", LIMITED_EVAL, "150000", *argv],  # the database outgrows it at once
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert f"palaestra eval: Could not write into the run directory {run} (its database:" in proc.stderr
    assert "MiB free on its filesystem). The run stopped; its finished episodes are saved." in proc.stderr
    assert "then run the same command to resume." in proc.stderr
    assert "Traceback" not in proc.stderr
    with RunStore(run, readonly=True) as store:
        assert [i["status"] for i in store.invocations()] == ["stopped"]
        kept = {row["key"]: row["finished"] for row in store.episodes()}
    assert len(kept) < 6

    assert main(argv) == 0  # the limit lifted: the same command resumes
    rows = load_rows(run)
    assert len(rows) == 6 and all(r["success"] and r["attempts"] == 1 for r in rows)
    assert all(r["finished"] == kept[r["key"]] for r in rows if r["key"] in kept)


def test_an_episode_whose_files_cannot_be_written_is_a_storage_error(tmp_path: Path) -> None:
    worker = EpisodeWorker(RunSettings(max_steps=2, step_timeout=10.0), str(tmp_path))
    try:
        first = worker.run(EpisodeSpec(AgentEntry("oracle"), "miniwob.click-test", 0))
        assert first.outcome == "success"  # the browser is up before the limit is set
        with file_size_limit(2_000):  # its text fits, its screenshot does not
            out = worker.run(EpisodeSpec(AgentEntry("oracle"), "miniwob.click-test", 1))
    finally:
        worker.close()
    assert out.error_kind == "storage_error" and "File too large" in out.error_message
    assert out.error_kind in RESUMED_ERRORS  # not the agent's: run again when the run resumes
