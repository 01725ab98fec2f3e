"""Loading the embedding model draws no progress bar: every run worker loads it, and a bar per
worker ("Loading weights: 100%|...") garbled the run's own progress lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from palaestra.agents.demos import record_oracles
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.runs.memory_cli import add_to_memory


def palaestra(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HF_HUB_DISABLE_PROGRESS_BARS"}
    command = [sys.executable, "-m", "palaestra.cli", *argv]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, env=env)


def test_a_memory_agent_run_prints_no_model_loading_bars(
    tmp_path: Path, minilm: SentenceTransformerEmbedder
) -> None:
    # The memory is built here, with the session's model: only the run's workers load it afresh.
    add_to_memory(tmp_path / "m", record_oracles(["enter-text"], [0]), embedder=minilm)[0].close()
    # One worker suffices: each worker loads the model, and one bar is as much a failure as two.
    argv = ["eval", "--agent", "memory", "--agent-arg", "memory=m", "--tasks", "enter-text", "--seeds", "1",
            "--workers", "1", "--out", "run"]  # fmt: skip
    ran = palaestra(tmp_path, *argv)
    assert ran.returncode == 0, ran.stderr
    assert "mean over tasks" in ran.stdout
    assert "Loading weights" not in ran.stdout + ran.stderr, ran.stderr
