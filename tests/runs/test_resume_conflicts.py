"""Resuming a run into its ``--out`` with another action set is refused before anything runs, naming
both and the fix; a different ``--trace`` is fine (it only records what happened)."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows
from palaestra.runs.resume import ResumeConflict, check_compatible
from palaestra.runs.spec import AgentEntry, build_run_config
from palaestra.runs.store import RunStore

BASE = ["eval", "--agent", "oracle", "--tasks", "click-test", "--workers", "1", "--max-steps", "2"]


def test_resuming_with_another_action_set_is_refused_and_another_trace_is_not(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    assert main([*BASE, "--seeds", "0", "--out", str(run)]) == 0
    for argv in ([*BASE, "--seeds", "0-1", "--action-set", "web"], [*BASE, "--seeds", "0-1", "--dry-run",
                 "--action-set", "web"]):  # fmt: skip
        assert main([*argv, "--out", str(run)]) == 2
        err = capsys.readouterr().err
        assert "holds episodes run with the tasks' own action sets (no --action-set)" in err
        assert "this invocation asks for --action-set web" in err
        assert "Use a new --out, or resume with no --action-set." in err
    assert [r["seed"] for r in load_rows(run)] == [0]  # nothing ran
    assert main([*BASE, "--seeds", "0-1", "--trace", "on", "--out", str(run)]) == 0
    assert sorted(r["seed"] for r in load_rows(run)) == [0, 1]

    chosen = tmp_path / "chosen"
    assert main([*BASE, "--seeds", "0", "--action-set", "miniwob", "--out", str(chosen)]) == 0
    config = build_run_config(
        None, None, {"out": str(chosen), "tasks": ("click-test",)}, [AgentEntry("oracle")]
    )
    with RunStore(chosen) as store, pytest.raises(ResumeConflict) as caught:
        check_compatible(store, config)
    message = str(caught.value)
    assert "run with --action-set miniwob; this invocation asks for the tasks' own action sets" in message
    assert "or resume with --action-set miniwob." in message


def test_another_configuration_under_one_label_names_both_argument_sets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = tmp_path / "run"
    random = ["eval", "--agent", "random", "--tasks", "click-test", "--workers", "1", "--max-steps", "1"]
    assert main([*random, "--agent-arg", "seed=1", "--seeds", "0", "--out", str(run)]) == 0
    assert main([*random, "--agent-arg", "seed=7", "--seeds", "0", "--out", str(run)]) == 2
    err = capsys.readouterr().err
    assert "agent `random` with other arguments (seed=1, configuration " in err
    assert "now seed=7, configuration " in err and "(--label NAME, or label=... in a run file)" in err


def test_resuming_with_another_step_limit_or_early_stop_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Where an episode ends decides its outcome: a run of --max-steps 2 resumed with --max-steps 30
    would pool step_limit endings with episodes given fifteen times the steps."""
    run = tmp_path / "run"
    random = ["eval", "--agent", "random", "--tasks", "click-test", "--workers", "1", "--out", str(run)]
    assert main([*random, "--seeds", "0", "--max-steps", "2"]) == 0
    refused = {
        ("--max-steps", "30"): ("run with --max-steps 2; this invocation asks for --max-steps 30",
                                "or resume with --max-steps 2."),
        ("--max-steps", "2", "--repeat-stop", "3"): (
            "run with no --repeat-stop; this invocation asks for --repeat-stop 3",
            "or resume with no --repeat-stop."),
        ("--max-steps", "2", "--parse-stop", "3"): (
            "run with no --parse-stop; this invocation asks for --parse-stop 3",
            "or resume with no --parse-stop."),
    }  # fmt: skip
    for flags, (names, fix) in refused.items():
        assert main([*random, "--seeds", "0-1", *flags]) == 2
        err = capsys.readouterr().err
        assert names in err and fix in err and "Use a new --out" in err
    assert [r["seed"] for r in load_rows(run)] == [0]  # nothing ran
    # What paces the run may differ.
    assert main([*random, "--seeds", "0-1", "--max-steps", "2", "--workers", "2", "--retries", "0"]) == 0
    assert sorted(r["seed"] for r in load_rows(run)) == [0, 1]
