"""`palaestra compare RUN`: the agents of one run (an AgentLab-style study) side by side."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.compare import CompareError, compare_runs, format_comparison
from palaestra.runs.store import RunStore

MakeRun = Callable[..., Path]


def study(make_run: MakeRun) -> Path:
    run = make_run(
        {
            ("generic", "t1"): "10/10",
            ("generic", "t2"): "5/10",
            ("agentlab", "t1"): "0/10",
            ("agentlab", "t2"): "6/10",
            ("random", "t1"): "9/10",
        },
        steps=1,
        config_hash={"generic": "g1", "agentlab": "a1", "random": "r1"},
    )
    with RunStore(run) as store:  # `eval --agent agentlab --agent generic --agent random`
        agents = [{"name": n, "args": [], "label": n} for n in ("agentlab", "generic", "random")]
        store.set_meta("config", {"settings": {}, "agents": agents})
    return run


def test_one_run_compares_its_agents_against_the_first_given(make_run: MakeRun) -> None:
    run = study(make_run)
    c = compare_runs([run])
    assert c.within == str(run) and c.runs == ("agentlab", "generic", "random") and c.by_task
    t1 = next(r for r in c.rows if r.task == "t1")
    assert [cell.successes if cell else None for cell in t1.cells] == [0, 10, 9]
    assert t1.deltas[1] is not None and t1.deltas[1].beyond_noise and t1.deltas[1].diff == 1.0
    t2 = next(r for r in c.rows if r.task == "t2")
    assert t2.cells[2] is None and t2.deltas[1] is not None and not t2.deltas[1].beyond_noise
    overall = next(r for r in c.rows if r.overall)
    assert overall.tasks == 1  # random finished t1 only: the overall row covers t1
    text = format_comparison(c)
    assert f"Comparing the 3 agents of {run} by task:" in text
    assert "[1] agentlab" in text and "[3] random" in text


def test_cli_compares_one_run_of_several_agents(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run = study(make_run)
    assert main(["compare", str(run)]) == 0
    out = capsys.readouterr().out
    assert "Δ [2]-[1]" in out and "+1.00 ▲" in out


def test_one_run_of_one_agent_names_the_fix(make_run: MakeRun) -> None:
    run = make_run({"t": "1/1"}, agent="memory", steps=1)
    with pytest.raises(CompareError, match=r"holds only `memory`.*palaestra compare .* OTHER_RUN"):
        compare_runs([run])
