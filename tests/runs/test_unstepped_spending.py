"""A step that paid for model calls and then raised keeps its spending in the episode's record.

Before, the calls of such a step (the budget running out at a re-ask, an endpoint error after a paid
answer) were in the run's ledger and budget but in no step, so the episode's tokens and
`palaestra show`'s "Model spending" counted less than the endpoint was paid.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.testing import HTTPFault, ScriptedLLMServer, ScriptedSequence, reply_text

#: An answer with no action block: the generic agent asks again (`parse_retries`), paying each time.
UNPARSEABLE = reply_text("I am not sure what to do here.", prompt_tokens=1000, completion_tokens=100)


def _evaluate(out: Path, server: ScriptedLLMServer, *args: str) -> None:
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
            "--agent-arg", f"base_url={server.base_url}", "--agent-arg", "parse_retries=2",
            *args, "--tasks", "click-button", "--seeds", "0", "--workers", "1", "--retries", "0",
            "--max-steps", "2", "--out", str(out)]  # fmt: skip
    main(argv)  # an errored run's exit status is not what is tested here


def _episode(out: Path) -> sqlite3.Row:
    db = sqlite3.connect(out / "results.sqlite")
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM episodes").fetchone()
    db.close()
    return row


def _ledger_tokens(out: Path) -> tuple[int, int]:
    db = sqlite3.connect(out / "llm_spend.sqlite")
    spent = db.execute("SELECT total(input_tokens), total(output_tokens) FROM spend").fetchone()
    db.close()
    return int(spent[0]), int(spent[1])


def _spending_lines(out: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    capsys.readouterr()
    assert main(["show", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("  generic: "))
    return lines[at : at + 2]


def test_a_budget_stop_mid_reask_keeps_the_paid_calls_in_the_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(lambda request: UNPARSEABLE)
    out = tmp_path / "budget"
    # The first answer (1,100 tokens) and its first re-ask (2,200 in all) are paid; the second
    # re-ask finds the 2,000-token budget spent and raises before anything is sent.
    _evaluate(out, server, "--agent-arg", "budget_tokens=2000")
    assert len(server.chat_requests) == 2
    row = _episode(out)
    assert (row["error_kind"], row["steps"]) == ("budget_exceeded", 0)
    assert (row["tokens_in"], row["tokens_out"]) == (2000, 200) == _ledger_tokens(out)
    kept = json.loads(row["extra"])["spent_outside_steps"]
    assert kept == {"tokens_in": 2000, "tokens_out": 200, "cost": 0.0}
    line, note = _spending_lines(out, capsys)
    assert line.startswith("  generic: 2,200 tokens (2,000 in, 200 out), cost 0.0000 over 1 episodes;")
    assert note.strip() == "2,200 tokens of steps that raised after paying (1 episode; counted)"


def test_an_endpoint_error_after_a_paid_answer_keeps_its_tokens_and_cost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    refused = HTTPFault(400, "This request is refused.", error_type="invalid_request_error")
    server = make_llm_server(ScriptedSequence([UNPARSEABLE], then=refused))
    out = tmp_path / "refused"
    prices = ["--agent-arg", "price_input_per_mtok=1000", "--agent-arg", "price_output_per_mtok=5000"]
    _evaluate(out, server, *prices)
    row = _episode(out)
    assert (row["error_kind"], row["steps"]) == ("model_request", 0)
    assert (row["tokens_in"], row["tokens_out"]) == (1000, 100) == _ledger_tokens(out)
    assert row["cost"] == pytest.approx(1.5)  # 1,000 in at 1,000/M and 100 out at 5,000/M
    line, _ = _spending_lines(out, capsys)
    assert line.startswith("  generic: 1,100 tokens (1,000 in, 100 out), cost 1.5000 over 1 episodes;")
