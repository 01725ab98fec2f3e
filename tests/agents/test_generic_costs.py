"""The generic agent's costs: its prices make each step's cost, and its own `budget_cost` stops a run.

Before, `generic` took no prices, so every step cost 0 whatever the model, and a cost budget (the
agent's or the run's) could never be reached: a run meant to stop at $5 ran on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows
from palaestra.testing import ScriptedLLMServer, reply_text

from .scripted_models import click_named_button


def test_prices_make_the_cost_and_the_agents_cost_budget_stops_the_run(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)
    run = tmp_path / "run"
    argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
            f"base_url={server.base_url}", "--agent-arg", "price_input_per_mtok=1000",
            "--agent-arg", "price_output_per_mtok=5000", "--agent-arg", "budget_cost=2.5",
            "--tasks", "click-button", "--seeds", "0-3", "--workers", "1", "--max-steps", "2",
            "--out", str(run)]  # fmt: skip
    main(argv)
    rows = sorted(load_rows(run), key=lambda r: r["seed"])
    # Each call: 1,000 tokens in at $1,000/M and 100 out at $5,000/M = $1.50. Two calls spend $3.00,
    # past the $2.50 budget, so the third episode's call is never sent.
    assert [r["success"] for r in rows[:2]] == [1, 1]
    assert [r["cost"] for r in rows[:2]] == [pytest.approx(1.5), pytest.approx(1.5)]
    assert {r["error_kind"] for r in rows[2:]} == {"budget_exceeded"}
    assert len(server.chat_requests) == 2


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--agent-arg", "budget_cost=2"], "generic: budget_cost=2.0 with no prices"),
        (["--budget-cost", "5"], "--budget-cost 5: generic price(s) no tokens"),
    ],
)
def test_a_cost_budget_over_unpriced_tokens_is_refused_before_the_run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
    make_llm_server: Callable[..., ScriptedLLMServer],
) -> None:
    server = make_llm_server(reply_text("noop()"))  # reachable (checked before the run), never asked
    run = tmp_path / "run"
    generic = ["--agent", "generic", "--agent-arg", "model=m", "--agent-arg", f"base_url={server.base_url}"]
    argv = ["eval", *generic, *extra, "--agent", "oracle", "--tasks", "click-button", "--seeds", "0",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "price_input_per_mtok" in err
    assert "oracle" not in err.split("Fix:")[0]  # an agent without a model has nothing to price
    assert not (run / "results.sqlite").exists() and server.chat_requests == []


def test_priced_agents_may_have_a_run_cost_budget(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(reply_text("noop()"))  # reachable (checked before the run), never asked
    generic = ["--agent", "generic", "--agent-arg", "model=m", "--agent-arg", f"base_url={server.base_url}"]
    priced = [*generic, "--agent-arg", "price_input_per_mtok=2.5"]
    argv = ["eval", *priced, "--agent", "oracle", "--budget-cost", "5", "--tasks", "click-button",
            "--seeds", "0", "--out", str(tmp_path / "run"), "--dry-run"]  # fmt: skip
    assert main(argv) == 0
