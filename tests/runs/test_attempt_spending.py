"""An episode played again keeps what every attempt spent: the run's tokens and cost match the ledger.

Before, the run database kept the last attempt's tokens and cost only: an episode the LLM budget
stopped after paying for calls, resumed with a larger budget and then solved, counted the second
attempt alone, while the endpoint (and the run's ledger) had been paid for both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.testing import Answer, ScriptedLLMServer, ScriptRequest, reply_text

from ..agents.scripted_models import click_named_button

#: An answer with no action block: the generic agent asks again (`parse_retries`), paying each time.
UNPARSEABLE = reply_text("I am not sure what to do here.", prompt_tokens=1000, completion_tokens=100)


def _unsure_twice_then_click(request: ScriptRequest) -> Answer:
    return UNPARSEABLE if request.index < 2 else click_named_button(request)


def _evaluate(out: Path, server: ScriptedLLMServer, budget: int) -> None:
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
            "--agent-arg", f"base_url={server.base_url}", "--agent-arg", "parse_retries=2",
            "--agent-arg", "price_input_per_mtok=1000", "--agent-arg", "price_output_per_mtok=5000",
            "--budget-tokens", str(budget), "--tasks", "click-button", "--seeds", "0", "--workers", "1",
            "--max-steps", "2", "--out", str(out)]  # fmt: skip
    main(argv)  # the first invocation ends stopped by the budget: its exit status is not what is tested


def _query(out: Path, sql: str) -> sqlite3.Row:
    db = sqlite3.connect(out / "results.sqlite" if "episodes" in sql else out / "llm_spend.sqlite")
    db.row_factory = sqlite3.Row
    row = db.execute(sql).fetchone()
    db.close()
    return row


def test_a_resumed_episode_counts_every_attempts_spending_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(_unsure_twice_then_click)
    out = tmp_path / "run"
    # Attempt 1: the answer and its first re-ask are paid (2,200 tokens, cost 3.0); the second re-ask
    # finds the 2,000-token budget spent. Attempt 2, resumed with a larger budget, clicks at once.
    _evaluate(out, server, budget=2000)
    first = _query(out, "SELECT * FROM episodes")
    assert (first["error_kind"], first["tokens_in"], first["tokens_out"]) == ("budget_exceeded", 2000, 200)
    _evaluate(out, server, budget=100_000)
    assert len(server.chat_requests) == 3
    for _ in range(2):  # and a resume with nothing left to play changes nothing
        row = _query(out, "SELECT * FROM episodes")
        assert (row["success"], row["attempts"], row["tokens_in"], row["tokens_out"]) == (1, 2, 3000, 300)
        assert row["cost"] == pytest.approx(4.5)
        ledger = _query(
            out, "SELECT total(input_tokens) AS i, total(output_tokens) AS o, total(cost) AS c FROM spend"
        )
        assert (ledger["i"], ledger["o"]) == (3000, 300) and ledger["c"] == pytest.approx(4.5)
        attempts = json.loads(row["extra"])["spent_by_attempt"]
        assert attempts == [
            {
                "attempt": 1,
                "error_kind": "budget_exceeded",
                "tokens_in": 2000,
                "tokens_out": 200,
                "cost": 3.0,
            },
            {"attempt": 2, "error_kind": "", "tokens_in": 1000, "tokens_out": 100, "cost": 1.5},
        ]
        _evaluate(out, server, budget=100_000)
    assert len(server.chat_requests) == 3

    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("  generic: "))
    line, note, per_attempt = lines[at : at + 3]
    assert line == (
        "  generic: 3,300 tokens (3,000 in, 300 out), cost 4.5000 over 1 episodes; "
        "per success (1): 3,300 tokens, cost 4.5000"
    )
    assert note.strip() == "2,200 tokens, cost 3.0000 of earlier attempts at 1 episode played again (counted)"
    assert per_attempt == (
        "    miniwob.click-button seed 0: attempt 1 2,200 tokens, cost 3.0000 (budget_exceeded); "
        "attempt 2 1,100 tokens, cost 1.5000 (finished)"
    )
