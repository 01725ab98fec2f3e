"""`palaestra show RUN --table`: the numbers a paper prints, with n, 95% intervals and the run and
commit that produced them, in Markdown, LaTeX and CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from scipy.stats import binomtest

from palaestra.cli import main
from palaestra.runs.paper_table import format_table, table_rows, wilson_interval
from palaestra.runs.results import load_rows

from .conftest import default_record

MakeRun = Callable[..., Path]


@pytest.mark.parametrize(("k", "n"), [(0, 3), (3, 3), (2, 3), (7, 10), (1, 50)])
def test_intervals_are_wilsons(k: int, n: int) -> None:
    expected = binomtest(k, n).proportion_ci(method="wilson")
    assert wilson_interval(k / n, n) == pytest.approx((expected.low, expected.high))


def test_every_task_and_each_agents_mean_have_n_and_an_interval(make_run: MakeRun) -> None:
    run = make_run({("my_agent", "t1"): "3/3", ("my_agent", "t2"): [True, False, "browser_crash"],
                    ("my_agent", "miniwob.click-pie"): "1/3"})  # fmt: skip
    rows = {r["task"]: r for r in table_rows(load_rows(run))}
    assert (rows["t2"]["n"], rows["t2"]["successes"], rows["t2"]["errored"]) == (2, 1, 1)
    assert (rows["t1"]["ci_low"], rows["t1"]["ci_high"]) == pytest.approx(wilson_interval(1.0, 3))
    mean = rows["mean over tasks"]
    assert mean["success"] == pytest.approx((1 + 0.5 + 1 / 3) / 3) and mean["n"] == 8
    # The effective number of episodes of a mean over tasks of 3, 2 and 3 episodes: 9 / (1/3 + 1/2 + 1/3).
    assert (mean["ci_low"], mean["ci_high"]) == pytest.approx(wilson_interval(mean["success"], 9 / (7 / 6)))
    assert rows["miniwob.click-pie"]["nondeterministic"] and not rows["t1"]["nondeterministic"]


def test_the_table_says_which_run_and_commit_produced_it(make_run: MakeRun) -> None:
    record = default_record([0, 1])
    record["git"] = {**record["git"], "diff_sha256": "feedface" * 8}
    run = make_run(
        {("my_agent", "t1"): "2/2", ("my_agent", "miniwob.click-pie"): "1/2"}, name="paper", record=record
    )
    markdown = format_table(run, "markdown")
    assert "| my_agent | t1 | 2 | 100.0 | [34.2, 100.0] | 0 |" in markdown
    assert "| my_agent | **mean over tasks (2)** | 4 | 75.0 |" in markdown
    assert (
        "run `paper`" in markdown
        and "0123456789abcdef0123456789abcdef01234567 (dirty, diff feedfacefeed)" in markdown
    )
    assert "miniwob.click-pie†" in markdown and "† Registered nondeterministic" in markdown
    latex = format_table(run, "latex")
    assert r"my\_agent & t1 & 2 & 100.0 & [34.2, 100.0] & 0 \\" in latex
    assert r"\begin{tabular}" in latex and "% Produced by run `paper`" in latex
    parsed = list(csv.DictReader(io.StringIO(format_table(run, "csv"))))
    assert [r["task"] for r in parsed] == ["miniwob.click-pie", "t1", "mean over tasks"]
    assert {r["run"] for r in parsed} == {"paper"} and parsed[1]["ci_low"] == "0.3424"
    assert parsed[0]["commit"].startswith("0123456789abcdef") and "palaestra 0.1.0" in parsed[0]["packages"]


def test_show_prints_the_table(make_run: MakeRun, capsys: pytest.CaptureFixture[str]) -> None:
    run = make_run({"t1": "1/2"})
    assert main(["show", str(run), "--table", "csv"]) == 0
    assert capsys.readouterr().out.startswith("agent,task,tasks,n,successes,success,ci_low,ci_high,errored")
