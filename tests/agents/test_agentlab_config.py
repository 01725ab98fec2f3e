"""`--agent agentlab` is checked before the run, as every agent's configuration is: an unknown
preset or no model endpoint stops `palaestra eval` with the fix and status 2, before any episode.

Before, both were found by the side process at the first episode (after AgentLab's seconds of
imports), each episode was recorded as a `config_error`, and the run exited 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.agents.llm.config import ENV_API_KEY, ENV_BASE_URL
from palaestra.cli import main


def eval_args(tmp_path: Path, *agent_args: str) -> list[str]:
    args = [a for pair in agent_args for a in ("--agent-arg", pair)]
    run = tmp_path / "run"
    return ["eval", "--agent", "agentlab", *args, "--tasks", "enter-text", "--seeds", "0", "--out", str(run)]


@pytest.mark.parametrize("dry_run", [False, True])
def test_an_unknown_preset_stops_the_run_with_the_close_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], dry_run: bool
) -> None:
    argv = eval_args(tmp_path, "flags=4o_mni", "base_url=http://127.0.0.1:9/v1") + ["--dry-run"] * dry_run
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "flags='4o_mni'" in err and "Did you mean: `4o_mini`" in err
    assert not (tmp_path / "run" / "results.sqlite").exists()


def test_a_preset_agentlab_sends_elsewhere_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(eval_args(tmp_path, "flags=37_sonnet", "base_url=http://127.0.0.1:9/v1")) == 2
    assert "OpenRouter, Azure or local weights ignore base_url" in capsys.readouterr().err


def test_no_endpoint_stops_the_run_naming_the_variables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (*ENV_BASE_URL, *ENV_API_KEY):
        monkeypatch.delenv(name, raising=False)
    assert main(eval_args(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "No model endpoint" in err and "PALAESTRA_LLM_BASE_URL" in err
    assert not (tmp_path / "run" / "results.sqlite").exists()
