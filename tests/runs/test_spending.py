"""`palaestra show` sums what a run's model calls cost: per agent, tokens and cost over the run and
per success, and the answers that cost nothing (the response cache).

Before, the table gave tokens and cost per task only, with no total, nothing per success, and no
sign that a rerun's answers came from the cache.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.report import write_report
from palaestra.testing import ScriptedLLMServer

from ..agents.scripted_models import click_named_button


def test_show_gives_each_agents_spending_per_success_and_its_cache_hits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    server = make_llm_server(click_named_button)

    def evaluate(out: Path) -> str:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={server.base_url}", "--agent-arg", f"cache_dir={tmp_path / 'cache'}",
                "--agent-arg", "price_input_per_mtok=1000", "--agent-arg", "price_output_per_mtok=5000",
                "--agent", "oracle", "--tasks", "click-button", "--seeds", "0-1", "--workers", "1",
                "--max-steps", "2", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        capsys.readouterr()
        assert main(["show", str(out)]) == 0
        return capsys.readouterr().out

    paid = evaluate(tmp_path / "paid")
    # Two episodes of one call each: 1,000 tokens in at 1,000/M and 100 out at 5,000/M = 1.5 a call.
    assert "Model spending" in paid
    line = next(x for x in paid.splitlines() if x.startswith("  generic: "))
    assert line == (
        "  generic: 2,200 tokens (2,000 in, 200 out), cost 3.0000 over 2 episodes; "
        "per success (2): 1,100 tokens, cost 1.5000"
    )
    assert "  oracle:" not in paid  # it spent nothing
    report = write_report(tmp_path / "paid").read_text(encoding="utf-8")  # the HTML's per-agent table
    assert '<th class="num">cost / success</th>' in report
    assert '<td class="num">3.0000</td><td class="num">1.5000</td>' in report
    again = evaluate(tmp_path / "again")
    assert len(server.chat_requests) == 2  # the rerun asked nothing
    lines = again.splitlines()
    at = next(i for i, x in enumerate(lines) if x.startswith("  generic: "))
    line, note = lines[at : at + 2]
    assert line.startswith("  generic: 0 tokens (0 in, 0 out), cost 0.0000 over 2 episodes; per success (2)")
    assert note.strip() == "2 answers from the response cache (not counted)"
