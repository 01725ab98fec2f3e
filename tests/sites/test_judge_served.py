"""Runs with ``--env-server`` keep each episode's evidence as in-process runs do (fetched from the
session, ``GET /sessions/{id}/evidence``), so ``palaestra judge`` judges a served run again and gives
the verdicts it gives the same run played in-process: the same ones at first, and the same changes
when a reference is edited. A real server on a loopback port, real Chromium and site processes behind
it, the shop tasks of `test_judge` (an answer, a final URL, a database and a logged-in page) and
WebArena's task 44 on a user's "GitLab" (its evidence: a network trace).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from palaestra.runs.evidence import RECORD, STATE
from palaestra.runs.har import NETWORK
from palaestra.runs.judge import Rejudged, judge_run
from palaestra.runs.results import load_rows
from palaestra.server.config import ServerConfig
from palaestra.server.run import ServerThread
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena import suite_configs
from palaestra.tasks.webarena.official import SITES_ENV
from palaestra.testing.loopback import serve

from .judged_runs import TASKS, play
from .test_judge import evidence_of
from .test_judge_official import HERE, JudgedGitLab

OFFICIAL = ("webarena.44", "webarena_agents:TodosAgent")


@pytest.fixture(scope="module")
def runs(
    tmp_path_factory: pytest.TempPathFactory, runtime: SiteRuntime, shop_run: Path
) -> Iterator[tuple[Path, Path]]:
    """(in-process run, served run) of the shop tasks by the oracle and task 44 by an agent that goes
    to /dashboard/todos2 (WebArena's substring test passes it). The in-process shop episodes are
    the folder's ``shop_run`` (which `test_judge` judges too), copied before task 44 is added."""
    root = tmp_path_factory.mktemp("served-judge")
    with (
        serve(JudgedGitLab) as gitlab,
        pytest.MonkeyPatch.context() as patch,
        ServerThread(ServerConfig(env_options={"pages_ahead": 1})) as server,
    ):
        patch.syspath_prepend(str(HERE))
        patch.setenv(SITES_ENV, json.dumps({"gitlab": gitlab.url}))
        local = play(Path(shutil.copytree(shop_run, root / "local")), (OFFICIAL[0],), agent=OFFICIAL[1])
        served = play(root / "served", TASKS, server=server.url)
        play(served, (OFFICIAL[0],), agent=OFFICIAL[1], server=server.url)
        # The oracle stopped at one step: a step_limit, which the shop's tasks are not judged at.
        play(root / "local-stopped", (TASKS[1],), steps=1)
        play(root / "served-stopped", (TASKS[1],), server=server.url, steps=1)
        yield local, served


def verdicts(results: list[Rejudged]) -> list[tuple[object, ...]]:
    """What `palaestra judge` says of each episode, by task: column, old and new reward, changed,
    what it could not judge or why not, and the evaluators' details."""
    return sorted(
        (r.task, r.column, r.old_reward, r.new_reward, r.changed, r.why_not, r.lacking, repr(r.details))
        for r in results
    )


def test_a_served_run_keeps_the_evidence_an_in_process_run_keeps(runs: tuple[Path, Path]) -> None:
    local, served = runs
    tasks = (*TASKS, OFFICIAL[0])
    for run in runs:
        rows = {r["task"]: r for r in load_rows(run)}
        assert sorted(rows) == sorted(tasks) and all(r["outcome"] == "success" for r in rows.values())
        for task in tasks:
            folder = evidence_of(run, task)
            size = sum(p.stat().st_size for p in folder.iterdir())
            assert json.loads(rows[task]["extra"])["evidence"]["bytes"] == size
    for task in tasks:
        here, there = evidence_of(local, task), evidence_of(served, task)
        assert sorted(p.name for p in there.iterdir()) == sorted(p.name for p in here.iterdir())
        record = json.loads((there / RECORD).read_text())
        assert record["task"] == task and set(record) == set(json.loads((here / RECORD).read_text()))
    assert (evidence_of(served, TASKS[0]) / STATE).stat().st_size > 1000
    assert (evidence_of(served, OFFICIAL[0]) / NETWORK).stat().st_size > 1000


def test_judging_a_served_run_gives_the_in_process_runs_verdicts(runs: tuple[Path, Path]) -> None:
    local, served = runs
    judged = verdicts(judge_run(served))
    assert judged == verdicts(judge_run(local))
    assert [(v[0], v[2], v[3], v[4], v[5]) for v in judged] == [
        (t, 1.0, 1.0, False, "") for t in sorted((*TASKS, OFFICIAL[0]))
    ]


def test_an_edited_reference_changes_a_served_runs_verdict_as_the_in_process_runs(
    runs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    local, served = runs
    config = suite_configs("shop")["product-price-0"]
    assert config.eval.reference_answers is not None
    monkeypatch.setitem(config.eval.reference_answers, "must_include", ["$99.99"])
    changed = verdicts(judge_run(served, tasks=["shop.product-*"]))
    assert changed == verdicts(judge_run(local, tasks=["shop.product-*"]))
    assert [v[:5] for v in changed] == [("shop.product-price-0", "corrected", 1.0, 0.0, True)]


def test_a_served_episode_stopped_at_the_step_limit_keeps_its_evidence_too(runs: tuple[Path, Path]) -> None:
    """The run's own step limit ends the served episode (``early_stop``, not judged for a shop task):
    its evidence is what the episode ended as, judged as the in-process one is."""
    local, served = (run.with_name(f"{run.name}-stopped") for run in runs)
    for run in (local, served):
        [row] = load_rows(run)
        assert row["outcome"] == "step_limit" and "evidence" in json.loads(row["extra"])
    assert verdicts(judge_run(served)) == verdicts(judge_run(local))
    assert [v[:6] for v in verdicts(judge_run(served))] == [(TASKS[1], "corrected", 0.0, 0.0, False, "")]
