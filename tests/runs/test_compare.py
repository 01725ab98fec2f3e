"""`compare_runs`: the tests against known values, the keying of rows, missing cells, the text, and
WebArena's evaluator columns side by side."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.compare import (
    CompareError,
    Comparison,
    Row,
    cmh_test,
    compare_runs,
    fisher_exact,
    format_comparison,
)
from palaestra.runs.store import RunStore

from .conftest import COLUMN_EXTRAS, COLUMN_RESULTS, columns_extra, default_record

MakeRun = Callable[..., Path]


def row(c: Comparison, task: str, agent: str = "") -> Row:
    return next(r for r in c.rows if r.task == task and r.agent == agent)


def test_fisher_exact_known_values() -> None:
    assert fisher_exact(10, 10, 0, 10) == pytest.approx(2 / math.comb(20, 10))
    assert fisher_exact(5, 10, 6, 10) == pytest.approx(1.0)
    assert fisher_exact(3, 3, 0, 3) == pytest.approx(0.1)  # 3/3 against 0/3 is still within noise
    assert fisher_exact(0, 0, 3, 3) == 1.0  # nothing finished: nothing to test


def test_fisher_exact_matches_scipy() -> None:
    stats = pytest.importorskip("scipy.stats")
    for k1, n1, k2, n2 in [(7, 10, 2, 10), (1, 3, 3, 3), (18, 50, 30, 50), (0, 5, 0, 7), (9, 9, 4, 12)]:
        expected = stats.fisher_exact([[k1, n1 - k1], [k2, n2 - k2]]).pvalue
        assert fisher_exact(k1, n1, k2, n2) == pytest.approx(expected, rel=1e-9)


def test_cmh_pools_strata() -> None:
    # Hand-computed: deviation 5 - 0.5 = 4.5, variance 100/76 + 99/76, statistic (4.5 - 0.5)² / variance.
    statistic = 16 / (199 / 76)
    assert cmh_test([(10, 10, 0, 10), (5, 10, 6, 10)]) == pytest.approx(math.erfc(math.sqrt(statistic / 2)))
    assert cmh_test([(5, 10, 5, 10), (3, 10, 3, 10)]) == pytest.approx(1.0)
    assert cmh_test([(10, 10, 10, 10)]) == 1.0  # no variance: no evidence


def test_one_agent_per_run_is_compared_by_task(make_run: MakeRun) -> None:
    a = make_run({"t1": "10/10", "t2": "5/10"}, name="a", agent="memory", steps=1)
    b = make_run({"t1": "0/10", "t2": "6/10", "t3": "2/3"}, name="b", agent="synapse", steps=1)
    c = compare_runs([a, b])
    assert c.by_task and c.agents == (("memory",), ("synapse",))
    t1, t2, t3, overall = row(c, "t1"), row(c, "t2"), row(c, "t3"), row(c, "overall")
    assert t1.deltas[1] is not None and t1.deltas[1].diff == pytest.approx(-1.0)
    assert t1.deltas[1].beyond_noise and t1.deltas[1].verdict == "▼"
    assert t2.deltas[1] is not None and t2.deltas[1].verdict == "≈"
    assert t3.cells[0] is None and t3.deltas == (None, None)
    # The overall row covers the tasks both runs finished, not t3.
    assert overall.tasks == 2
    assert [cell.success for cell in overall.cells if cell] == [pytest.approx(0.75), pytest.approx(0.3)]
    assert overall.deltas[1] is not None and overall.deltas[1].verdict == "▼"

    text = format_comparison(c)
    assert "1.00 ± 0.00 (10/10)" in text and "0.00 ± 0.00 (0/10)" in text
    assert "-1.00 ▼ p<0.001" in text and "+0.10 ≈ p=1.000" in text
    t3_line = next(line for line in text.splitlines() if line.startswith("t3"))
    assert t3_line.split()[1] == "-" and t3_line.split()[-1] == "-"
    assert "overall (2 tasks)" in text and "agent" not in text.splitlines()[7]


def test_improvement_is_marked_up_and_ordering_follows_the_first_run(make_run: MakeRun) -> None:
    a = make_run({"t": "1/12"}, name="a", agent="old", steps=1)
    b = make_run({"t": "11/12"}, name="b", agent="new", steps=1)
    delta = row(compare_runs([a, b]), "t").deltas[1]
    assert delta is not None and delta.diff > 0 and delta.verdict == "▲"
    reverse = row(compare_runs([b, a]), "t").deltas[1]
    assert reverse is not None and reverse.verdict == "▼"


def test_several_agents_are_compared_by_agent_and_task(make_run: MakeRun) -> None:
    a = make_run({("x", "t1"): "4/4", ("y", "t1"): "2/4", ("y", "t2"): "1/4"}, name="a", steps=1)
    b = make_run({("x", "t1"): "0/4", ("x", "t2"): "3/4"}, name="b", steps=1)
    c = compare_runs([a, b])
    assert not c.by_task
    assert [(r.agent, r.task) for r in c.rows] == [
        ("x", "t1"), ("x", "t2"), ("x", "overall"), ("y", "t1"), ("y", "t2"), ("y", "overall"),
    ]  # fmt: skip
    assert row(c, "t2", "x").cells[0] is None and row(c, "t2", "x").deltas[1] is None
    x_t1 = row(c, "t1", "x").deltas[1]
    assert x_t1 is not None and x_t1.verdict == "▼" and x_t1.p_value == pytest.approx(2 / 70)
    # y is missing from run b altogether: its cells there are "-", its overall row compares nothing.
    y_overall = row(c, "overall", "y")
    assert y_overall.cells[1] is None and y_overall.deltas == (None, None) and y_overall.tasks == 2
    text = format_comparison(c)
    header = next(line for line in text.splitlines() if line.startswith("agent"))
    assert header.split()[:4] == ["agent", "task", "[1]", "[2]"]


def test_single_agent_with_the_same_label_is_matched_by_label(make_run: MakeRun) -> None:
    a = make_run({"t": "3/3"}, name="a", agent="same", steps=1)
    b = make_run({"t": "3/3"}, name="b", agent="same", steps=1)
    c = compare_runs([a, b, a])
    assert not c.by_task and len(c.rows[0].cells) == 3
    assert [d.verdict if d else None for d in row(c, "t", "same").deltas] == [None, "≈", "≈"]


def test_errored_episodes_are_counted_apart(make_run: MakeRun) -> None:
    a = make_run({"t": [True, True, "browser_crashed"], "u": ["step_timeout"]}, name="a", agent="p", steps=1)
    b = make_run({"t": [True, False], "u": [True]}, name="b", agent="q", steps=1)
    c = compare_runs([a, b])
    cell = row(c, "t").cells[0]
    assert cell is not None and (cell.successes, cell.episodes, cell.errors) == (2, 2, 1)
    assert row(c, "u").deltas[1] is None  # run a finished no episode of u
    assert row(c, "overall").tasks == 1
    text = format_comparison(c)
    assert "1.00 ± 0.00 (2/2) +1 err" in text and "- +1 err" in text


def test_needs_two_runs(make_run: MakeRun) -> None:
    with pytest.raises(CompareError, match="two or more"):
        compare_runs([make_run({"t": "1/1"}, steps=1)])


def test_cli_prints_the_comparison(
    make_run: MakeRun, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = make_run({"t": "10/10"}, name="a", agent="p", steps=1)
    b = make_run({"t": "0/10"}, name="b", agent="q", steps=1)
    assert main(["compare", str(a), str(b)]) == 0
    assert "-1.00 ▼" in capsys.readouterr().out
    assert main(["compare", str(a), str(tmp_path / "nowhere")]) == 2
    assert "not a run directory" in capsys.readouterr().err


def test_runs_that_ended_episodes_differently_are_compared_with_a_note(make_run: MakeRun) -> None:
    """A step limit of 5 against one of 30 (or early stops against none) is a difference of the
    settings as much as of the agents: the comparison says so, naming each run's value."""
    settings = {"max_steps": 30, "repeat_stop": 3}
    a = make_run({"t": "2/4"}, name="a", agent="p", steps=1)
    b = make_run({"t": "4/4"}, name="b", agent="q", steps=1,
                 record={**default_record([0, 1, 2, 3]), "config": {"settings": settings}})  # fmt: skip
    c = make_run({"t": "3/4"}, name="c", agent="r", steps=1)
    notes = compare_runs([a, b, c]).notes
    assert notes == (
        "Note: the runs did not end episodes alike ([1] no --repeat-stop, [2] --repeat-stop 3, "
        "[3] no --repeat-stop): their differences mix the agents' with this setting's.",
    )
    text = format_comparison(compare_runs([a, b]))
    assert "([1] no --repeat-stop, [2] --repeat-stop 3)" in text
    assert compare_runs([a, c]).notes == ()  # alike: nothing said


def test_one_label_for_two_configurations_is_refused_unless_paired_by_task(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    record = default_record(range(4))
    record["config"] = {"agents": [{"name": "random", "label": "random", "args": [["seed", "7"]]}]}
    plain = make_run({"t": "2/4"}, name="plain", agent="random", steps=1, config_hash="aaa111")
    seeded = make_run({"t": "3/4"}, name="seeded", agent="random", steps=1, config_hash="bbb222")
    with RunStore(seeded) as store:
        store.set_meta("config", record["config"])
    with pytest.raises(CompareError, match=r"`random` is not the same agent in both runs") as refused:
        compare_runs([plain, seeded])
    assert "`random seed=7` [bbb222]" in str(refused.value) and "--by-task" in str(refused.value)
    assert main(["compare", str(plain), str(seeded)]) == 2
    assert "not the same agent" in capsys.readouterr().err
    # Asked for, the runs are compared as the agents they are.
    comparison = compare_runs([plain, seeded], by_task=True)
    assert comparison.by_task and [r.task for r in comparison.rows] == ["t", "overall"]
    assert main(["compare", "--by-task", str(plain), str(seeded)]) == 0
    # The same configuration under one label (another code version, say) is compared by label.
    again = make_run({"t": "1/4"}, name="again", agent="random", steps=1, config_hash="aaa111")
    assert not compare_runs([plain, again]).by_task


def test_evaluator_columns_are_shown_side_by_side_per_run(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    """WebArena's three columns of each run beside each other, per agent and task; the overall row
    covers the tasks every run judged (a's webarena.2 is in the first run only)."""
    first = make_run(COLUMN_RESULTS, name="first", extras=COLUMN_EXTRAS)
    second_extras = {
        "a|webarena.1|0": columns_extra(1.0, 1.0, 1.0),
        "a|webarena.1|1": columns_extra(0.0, 1.0, 0.0),
        "b|webarena.1|0": columns_extra(0.0, 0.0, None),
    }
    second = make_run(
        {("a", "webarena.1"): [True, True], ("b", "webarena.1"): [False]}, name="second", extras=second_extras
    )
    c = compare_runs([first, second])
    assert c.columns is not None and c.columns.names == ("paper", "corrected", "verified")
    means = {
        (r.agent, r.task): [None if cell is None else cell.means for cell in r.cells] for r in c.columns.rows
    }
    assert list(means) == [
        ("a", "webarena.1"),
        ("a", "webarena.2"),
        ("a", "overall"),
        ("b", "webarena.1"),
        ("b", "overall"),
    ]  # fmt: skip  (b's MiniWoB task has no columns: no row)
    assert means[("a", "webarena.1")] == [
        {"paper": (pytest.approx(1 / 3), 3), "corrected": (pytest.approx(2 / 3), 3), "verified": (1.0, 2)},
        {"paper": (0.5, 2), "corrected": (1.0, 2), "verified": (0.5, 2)},
    ]
    assert means[("a", "webarena.2")] == [
        {"paper": (1.0, 1), "corrected": (1.0, 1), "verified": (0.0, 1)},
        None,
    ]
    assert means[("a", "overall")] == means[("a", "webarena.1")]  # webarena.2: not in the second run
    assert means[("b", "webarena.1")][1] == {"paper": (0.0, 1), "corrected": (0.0, 1), "verified": (None, 0)}
    overall = next(r for r in c.columns.rows if r.overall and r.agent == "a")
    assert overall.tasks == 1

    assert main(["compare", str(first), str(second)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(format_comparison(replace(c, columns=None)))  # the success table as before
    table = out.split("Evaluator columns (WebArena)", 1)[1].splitlines()
    header = next(line for line in table if line.startswith("agent"))
    assert [h for h in header.split() if h.startswith("[")] == ["[1]"] * 4 + ["[2]"] * 4
    assert header.split()[2:6] == ["[1]", "paper", "[1]", "corrected"]
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in table if line.startswith(("a ", "b "))}
    assert rows[("a", "webarena.1")] == ["0.33", "0.67", "1.00", "(n=2)", "3", "0.50", "1.00", "0.50", "2"]
    assert rows[("a", "webarena.2")] == ["1.00", "1.00", "0.00", "1", "-", "-", "-", "-"]
    assert rows[("b", "webarena.1")] == ["0.50", "0.00", "0.50", "2", "0.00", "0.00", "-", "1"]
    assert rows[("a", "overall")][:2] == ["(1", "task)"]


def test_evaluator_columns_follow_the_by_task_keying(make_run: MakeRun) -> None:
    first = make_run({"webarena.1": "1/2"}, name="first", agent="memory", extras={
        "memory|webarena.1|0": columns_extra(1.0, 1.0, 1.0),
        "memory|webarena.1|1": columns_extra(0.0, 1.0, 0.0),
    })  # fmt: skip
    second = make_run({"webarena.1": "0/1"}, name="second", agent="synapse", extras={
        "synapse|webarena.1|0": columns_extra(0.0, 1.0, 0.0),
    })  # fmt: skip
    c = compare_runs([first, second])
    assert c.by_task and c.columns is not None
    assert [(r.agent, r.task) for r in c.columns.rows] == [("", "webarena.1"), ("", "overall")]
    text = format_comparison(c)
    line = next(x for x in text.split("Evaluator columns", 1)[1].splitlines() if x.startswith("webarena.1"))
    assert line.split() == ["webarena.1", "0.50", "1.00", "0.50", "2", "0.00", "1.00", "0.00", "1"]


def test_runs_without_evaluator_columns_compare_as_before(make_run: MakeRun) -> None:
    a = make_run({"t": "3/4"}, name="a", agent="p", steps=1)
    b = make_run({"t": "1/4"}, name="b", agent="q", steps=1)
    c = compare_runs([a, b])
    assert c.columns is None
    assert "Evaluator columns" not in format_comparison(c)
    # One run with columns and one without: the one without shows "-".
    judged = make_run(COLUMN_RESULTS, name="judged", extras=COLUMN_EXTRAS)
    plain = make_run({("a", "webarena.1"): "1/3"}, name="plain")
    mixed = compare_runs([plain, judged])
    assert mixed.columns is not None
    first = next(r for r in mixed.columns.rows if (r.agent, r.task) == ("a", "webarena.1"))
    assert first.cells[0] is None and first.cells[1] is not None
    overall = next(r for r in mixed.columns.rows if r.overall and r.agent == "a")
    assert overall.cells[0] is None and overall.tasks == 2  # over the runs that judged a's tasks


def test_runs_made_with_other_code_packages_or_machines_are_compared_with_notes(make_run: MakeRun) -> None:
    """A reviewer reproducing a paper's run on another machine, from another commit or MiniWoB++
    release, is told each difference with every run's value, before reading any delta."""
    packages = {"palaestra": "0.1.0", "miniwob": "1.0", "playwright": "1.0"}
    paper = {**default_record([0, 1]), "packages": packages,
             "machine": {"cpus": 32, "cpus_usable": 32, "memory_gib": 128.0}}  # fmt: skip
    again = {**paper, "packages": {**paper["packages"], "miniwob": "1.1.0"},
             "git": {"commit": "fedcba9876" * 4, "dirty": False},
             "machine": {"cpus": 2, "cpus_usable": 2, "memory_gib": 24.0}}  # fmt: skip
    a = make_run({"t": "1/2"}, name="a", record=paper)
    b = make_run({"t": "1/2"}, name="b", record=again)
    notes = compare_runs([a, b]).notes
    assert (
        "Note: the runs differ in Palaestra commit ([1] 0123456789 + uncommitted changes, [2] fedcba9876)"
        in (notes[0])
    )
    assert "miniwob version ([1] 1.0, [2] 1.1.0)" in notes[1]
    assert "machine ([1] 32 cores usable of 32, 128.0 GiB, [2] 2 cores usable of 2, 24.0 GiB)" in notes[2]
    assert len(notes) == 4 and notes[3].startswith("Episodes: [2] ended every episode")
    assert "miniwob version" in format_comparison(compare_runs([a, b]))
    same = make_run({"t": "1/2"}, name="c", record=paper)
    assert compare_runs([a, same]).notes == (
        "Episodes: [2] ended every episode it shares with [1] as [1] did (2).",
    )


def test_episodes_that_ended_otherwise_are_named_and_nondeterministic_tasks_marked(make_run: MakeRun) -> None:
    """The same success rate can hide episodes that changed: a repeat of a deterministic agent is
    checked episode by episode, and a task on a real-time clock (click-pie) is said to be one."""
    a = make_run({"miniwob.click-pie": [True, False], "t": [True, False, True]}, name="a", agent="random")
    b = make_run({"miniwob.click-pie": [False, True], "t": [True, False, False]}, name="b", agent="random")
    (note,) = compare_runs([a, b]).notes
    assert note.startswith("Episodes: [2] ended 3 of the 5 episodes it shares with [1] otherwise: ")
    assert "random miniwob.click-pie (nondeterministic) seed 0: success in 2 steps, then failure in 2" in note
    assert "random t seed 2: success in 2 steps, then failure in 2" in note
    assert note.endswith("2 of them on tasks registered nondeterministic (real-time pages, live sites), "
                         "whose episodes can end otherwise from one run to the next.")  # fmt: skip
    other = make_run({"t": [True, False, False]}, name="c", agent="random", config_hash="other1")
    assert compare_runs([a, other], by_task=True).notes == ()  # another configuration: not a repeat
