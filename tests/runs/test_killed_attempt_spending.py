"""An attempt killed mid-episode (SIGKILL) paid for its model calls: its row counts them.

Before, only the run's spending ledger had them: a worker killed after a paid call came back as
`worker_died` with no tokens, and an episode in flight when the whole run was killed left no row,
so after the retry or the resume the run's tokens and cost (and `palaestra show`) counted less than
the endpoint had been paid, and the ledger.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import psutil
import pytest

from palaestra.cli import main
from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, reply_text

from ..agents.scripted_models import click_named_button

#: An answer with no action block: the generic agent asks again (`parse_retries`), paying each time.
UNPARSEABLE = reply_text("I am not sure what to do here.", prompt_tokens=1000, completion_tokens=100)


def _argv(out: Path, server: ScriptedLLMServer) -> list[str]:
    return ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
            "--agent-arg", f"base_url={server.base_url}", "--agent-arg", "parse_retries=2",
            "--agent-arg", "price_input_per_mtok=1000", "--agent-arg", "price_output_per_mtok=5000",
            "--tasks", "click-button", "--seeds", "0", "--workers", "1", "--max-steps", "2",
            "--out", str(out)]  # fmt: skip


def _kill_at_the_reask(marker: str) -> Callable[[ScriptRequest], Answer]:
    """Answer the first request unparseably (paid: 1,000 in, 100 out); at the re-ask, SIGKILL the
    process of ours whose command line holds ``marker``; after that, click the button."""

    def script(request: ScriptRequest) -> Answer:
        if request.index == 1:
            for proc in psutil.Process().children(recursive=True):
                if marker in " ".join(proc.cmdline()):
                    os.kill(proc.pid, signal.SIGKILL)
            return UNPARSEABLE  # never charged: its asker is dead
        return UNPARSEABLE if request.index == 0 else click_named_button(request)

    return script


def _row(out: Path) -> sqlite3.Row:
    with sqlite3.connect(out / "results.sqlite") as db:
        db.row_factory = sqlite3.Row
        row: sqlite3.Row = db.execute("SELECT * FROM episodes").fetchone()
    return row


def _ledger(out: Path) -> tuple[int, int, float]:
    with sqlite3.connect(out / "llm_spend.sqlite") as db:
        i, o, c = db.execute(
            "SELECT total(input_tokens), total(output_tokens), total(cost) FROM spend"
        ).fetchone()
    return int(i), int(o), float(c)


def test_a_sigkilled_workers_attempt_is_counted_with_its_retry(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(_kill_at_the_reask("multiprocessing.spawn"))
    out = tmp_path / "run"
    assert main(_argv(out, server)) == 0  # the worker dies, the episode is retried and solved
    row = _row(out)
    assert (row["success"], row["attempts"], row["tokens_in"], row["tokens_out"]) == (1, 2, 2000, 200)
    assert row["cost"] == pytest.approx(3.0) and _ledger(out) == (2000, 200, pytest.approx(3.0))
    spent = json.loads(row["extra"])["spent_by_attempt"]
    assert [(a["attempt"], a["error_kind"], a["tokens_in"], a["tokens_out"]) for a in spent] == [
        (1, "worker_died", 1000, 100),
        (2, "", 1000, 100),
    ]
    assert main(_argv(out, server)) == 0  # a resume with nothing left to play counts nothing again
    assert (_row(out)["tokens_in"], len(server.chat_requests)) == (2000, 3)


def test_an_attempt_killed_with_its_run_is_counted_after_the_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(_kill_at_the_reask("palaestra.cli"))
    out = tmp_path / "run"
    run = subprocess.run(
        [sys.executable, "-m", "palaestra.cli", *_argv(out, server)], timeout=300, check=False
    )
    assert run.returncode == -signal.SIGKILL  # the run died mid-episode, its worker with it
    assert main(_argv(out, server)) == 0
    row = _row(out)
    assert (row["success"], row["attempts"], row["tokens_in"], row["tokens_out"]) == (1, 1, 2000, 200)
    assert _ledger(out) == (2000, 200, pytest.approx(3.0))
    spent = json.loads(row["extra"])["spent_by_attempt"]
    assert [(a.get("unrecorded"), a["error_kind"], a["tokens_in"]) for a in spent] == [
        (True, "killed", 1000),
        (None, "", 1000),
    ]
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "2,200 tokens (2,000 in, 200 out), cost 3.0000 over 1 episodes" in shown
    assert "an attempt killed with the run before attempt 1: 1,100 tokens, cost 1.5000" in shown
