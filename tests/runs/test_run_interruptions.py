"""How a run ends when something outside it stops it: SIGTERM (a batch scheduler's time limit,
`timeout`, `docker stop`), or a second `palaestra eval` started into the same ``--out``.

Real workers, real Chromium, a real SQLite database; the run is a process of its own.
"""

from __future__ import annotations

import signal
from pathlib import Path

import psutil
import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows
from palaestra.runs.store import RunStore
from tests.runs.run_process import start_run


def argv_for(run: Path) -> list[str]:
    # 40 episodes of ~0.2 s: the run is still going when the test acts on it.
    return ["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0-39", "--workers", "1",
            "--no-screenshots", "--out", str(run)]  # fmt: skip


def statuses(run: Path) -> list[str]:
    with RunStore(run, readonly=True) as store:
        return [i["status"] for i in store.invocations()]


def test_sigterm_stops_a_run_as_ctrl_c_does(tmp_path: Path) -> None:
    run = tmp_path / "run"
    proc = start_run(argv_for(run), run / "results.sqlite", at_least=1, progress=True)
    family = psutil.Process(proc.pid).children(recursive=True)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM  # as a shell reports it
    assert "Interrupted by SIGTERM: finished episodes are saved; run the same command to resume." in err
    assert statuses(run) == ["interrupted"]
    # Its workers and their browsers were stopped with it.
    _, alive = psutil.wait_procs(family, timeout=20)
    assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    stopped = {row["key"] for row in load_rows(run)}
    assert 1 <= len(stopped) < 40

    assert main(argv_for(run)) == 0
    rows = load_rows(run)
    assert len(rows) == 40 and all(r["success"] and r["attempts"] == 1 for r in rows)
    assert statuses(run) == ["interrupted", "complete"]


def test_a_second_eval_into_a_running_run_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    proc = start_run(argv_for(run), run / "results.sqlite", at_least=1, progress=True)
    try:
        assert main(argv_for(run)) == 2
        err = capsys.readouterr().err
        assert f"{run} is in use by another `palaestra eval` (process {proc.pid})" in err
        assert "Wait for it to end" in err and "or give this run another --out." in err
        assert statuses(run) == ["running"]  # the refused invocation recorded nothing
    finally:
        proc.kill()  # SIGKILL: no chance to release anything itself
        proc.wait()
    # The kernel released its lock: the same command resumes, and says how the first one ended.
    assert main(argv_for(run)) == 0
    assert statuses(run) == ["killed", "complete"]
    rows = load_rows(run)
    assert len(rows) == 40 and all(r["success"] for r in rows)
