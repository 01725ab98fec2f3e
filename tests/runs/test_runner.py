"""The evaluation runner end to end: real workers, real Chromium, a real SQLite database."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from palaestra.cli import main
from palaestra.memory import Exemplar, ExemplarMemory, HashingEmbedder, content_hash
from palaestra.routing.feedback import FeedbackStore
from palaestra.routing.history import Route
from palaestra.runs.backends import LocalBackend
from palaestra.runs.memory_cli import exemplars_from_run
from palaestra.runs.results import load_rows, summarize, to_dataframe
from palaestra.runs.store import RunStore
from palaestra.runs.trajectory import read_trajectory
from tests.runs.run_process import start_run

HERE = Path(__file__).parent


@pytest.fixture
def agents_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make `runner_agents` importable here and in the spawned workers (they inherit sys.path)."""
    monkeypatch.syspath_prepend(str(HERE))


def by_key(run: Path) -> dict[str, dict]:
    return {row["key"]: row for row in load_rows(run)}


def test_small_run_with_two_agents_in_parallel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # `--out` relative to the working directory, as people type it
    run = tmp_path / "run"
    argv = ["eval", "--agent", "oracle", "--agent", "random", "--agent-arg", "seed=3",
            "--tasks", "click-test", "--tasks", "enter-text", "--seeds", "0-1", "--workers", "2",
            "--max-steps", "3", "--out", "run", "--record-demos"]  # fmt: skip
    assert main(argv) == 0
    rows = by_key(run)
    assert sorted(rows) == sorted(
        f"{a}|miniwob.{t}|{s}"
        for a in ("oracle", "random")
        for t in ("click-test", "enter-text")
        for s in (0, 1)
    )
    assert all(r["status"] == "done" for r in rows.values())
    assert all(
        rows[f"oracle|miniwob.{t}|{s}"]["success"] for t in ("click-test", "enter-text") for s in (0, 1)
    )
    assert {r["worker"] for r in rows.values()} == {"w0", "w1"}
    assert not list(run.rglob("trace.zip"))  # --trace is off unless asked for
    oracle = rows["oracle|miniwob.enter-text|1"]
    folder = run / oracle["artifacts"]
    assert (folder / "shot-000.jpg").stat().st_size > 1000
    assert "textbox" in (folder / "obs-000.txt").read_text()
    with RunStore(run, readonly=True) as store:
        steps = store.steps(oracle["key"])
        assert [s["idx"] for s in steps] == list(range(oracle["steps"]))
        assert steps[0]["action"].startswith("fill(") and steps[0]["screenshot"] == "shot-000.jpg"
        (invocation,) = store.invocations()
        record = invocation["record"]
    # A step's files are what the agent saw when it chose the step's action: step 0 shows the page
    # at reset, before anything was typed; the page after the last action is the final page.
    typed = re.search(r'"(.+?)"', oracle["goal"]).group(1)  # type: ignore[union-attr]
    assert steps[0]["observation"] == "obs-000.txt"
    assert f"textbox value='{typed}'" not in (folder / "obs-000.txt").read_text()
    final = json.loads(oracle["extra"])
    assert final["final_observation"] == f"obs-{len(steps):03d}.txt"
    assert (folder / final["final_screenshot"]).is_file()
    assert f"textbox value='{typed}'" in (folder / final["final_observation"]).read_text()
    report = (run / "report" / "episodes").glob("oracle_miniwob.enter-text_1-*.html")
    assert main(["report", str(run)]) == 0 and "Final page" in next(report).read_text()
    assert invocation["status"] == "complete"
    assert record["seeds"] == [0, 1] and record["packages"]["playwright"]
    assert {"commit", "dirty"} <= set(record["git"]) and "hromium" in record["browser"]
    assert [a["label"] for a in record["agents"]] == ["oracle", "random"]

    table = capsys.readouterr().out
    assert "oracle           miniwob.enter-text                    2   1.00" in table
    frame = to_dataframe(run)
    assert len(frame) == 8 and set(frame["agent"]) == {"oracle", "random"}
    assert len(to_dataframe(run, steps=True)) == frame["steps"].sum()

    # The recorded demonstrations become a memory; only successful episodes by default.
    memory_dir = tmp_path / "memory"
    ExemplarMemory.create(memory_dir, embedder=HashingEmbedder()).save()
    assert main(["memory", "build", str(memory_dir), "--run", str(run)]) == 0
    memory = ExemplarMemory.open(memory_dir, embedder=HashingEmbedder())
    recorded = exemplars_from_run(run)
    assert len(recorded) == sum(r["success"] for r in rows.values())
    assert len(memory) == len({content_hash(e) for e in recorded})  # the same demonstration is stored once
    assert len(exemplars_from_run(run, only_successful=False)) == 8
    exemplar = memory.search("Enter the text into the field", k=1)[0][0]
    assert exemplar.trajectory and exemplar.source == "run:run"


def test_errors_are_kept_apart_from_failures(
    tmp_path: Path, agents_importable: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "runner_agents:HangingAgent", "--agent", "runner_agents:CrashingAgent",
            "--agent", "runner_agents:IdleAgent", "--tasks", "click-test", "--seeds", "0", "--workers", "2",
            "--max-steps", "2", "--episode-timeout", "5", "--retries", "1", "--out", str(run)]  # fmt: skip
    started: list[str] = []
    start = LocalBackend._start
    monkeypatch.setattr(LocalBackend, "_start", lambda self, name: started.append(name) or start(self, name))
    assert main(argv) == 0
    # Two workers, and a fresh one only where a killed worker's slot got another episode: the
    # second kill ends the run, which starts no worker only to stop it.
    assert 2 <= len(started) <= 3, started
    rows = {r["agent_name"].split(":")[1]: r for r in load_rows(run)}
    hung, crashed, idle = rows["HangingAgent"], rows["CrashingAgent"], rows["IdleAgent"]
    # A hung episode is killed at its timeout, recorded as an error, and retried once.
    assert (hung["status"], hung["error_kind"], hung["attempts"]) == ("error", "episode_timeout", 2)
    assert "episode_timeout=5" in hung["error_message"]
    # A bug in the agent is an error too, but retrying cannot fix it.
    assert (crashed["status"], crashed["error_kind"], crashed["attempts"]) == ("error", "agent_error", 1)
    assert "ZeroDivisionError: the agent's own bug" in crashed["error_message"]
    # Running out of steps is a result about the agent: a failure, not an error.
    assert (idle["status"], idle["outcome"], idle["steps"], idle["error_kind"]) == (
        "done",
        "step_limit",
        2,
        None,
    )
    summary = {s.agent: s for s in summarize(load_rows(run))}
    assert summary["runner_agents:IdleAgent"].episodes == 1
    assert (
        summary["runner_agents:HangingAgent"].episodes == 0
        and summary["runner_agents:HangingAgent"].errors == 1
    )
    with RunStore(run, readonly=True) as store:
        attempts = store.db.execute(
            "SELECT episode, attempt, error_kind FROM attempts ORDER BY 1, 2"
        ).fetchall()
    assert [tuple(a)[1:] for a in attempts if "Hanging" in a[0]] == [
        (1, "episode_timeout"),
        (2, "episode_timeout"),
    ]
    # Rerunning skips what is recorded: the permanent error stays, the spent retries are not retried.
    assert main(argv) == 0
    assert {r["key"]: r["attempts"] for r in load_rows(run)} == {
        r["key"]: r["attempts"] for r in rows.values()
    }


def test_api_calls_and_routes_are_recorded_per_episode(tmp_path: Path, agents_importable: None) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "runner_agents:CalculatorAgent", "--tasks", "tools.calculate",
            "--seeds", "0-3", "--workers", "1", "--max-steps", "6", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    rows = by_key(run)
    assert len(rows) == 4 and sum(bool(r["success"]) for r in rows.values()) == 2  # every second fails
    with FeedbackStore(run / "api_feedback.db") as feedback:
        stats = feedback.stats("calc/evaluate")
        assert (stats.calls, stats.successes) == (8, 4)  # a malformed and a good expression each time
        assert (stats.episodes, stats.episodes_succeeded) == (4, 2)
        # The good call follows the search that found it: a route, kept only for the won episodes.
        assert feedback.routes() == [Route("evaluate an arithmetic expression", ("calc/evaluate",))] * 2
    report = (run / "api_feedback.md").read_text()
    assert "`calc/evaluate`" in report and "4 of 8 calls failed" in report
    assert "api_error x4" in report and "used in 4 marked episode(s), 2 succeeded" in report


def test_interrupted_and_killed_runs_lose_nothing_and_rerun_nothing(tmp_path: Path) -> None:
    run = tmp_path / "run"
    database = run / "results.sqlite"
    # 40 episodes of ~0.2 s: a run of 8 could end before the signal reached it on an idle machine.
    argv = ["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0-39", "--workers", "1",
            "--no-screenshots", "--out", str(run)]  # fmt: skip
    # Ctrl-C stops cleanly: the run says so and exits 130, even started in a shell's background,
    # where SIGINT comes ignored and Python would install no handler of its own.
    proc = start_run(argv, database, at_least=1, sigint_ignored=True)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=60) == 130
    with RunStore(run, readonly=True) as store:
        assert [i["status"] for i in store.invocations()] == ["interrupted"]
        interrupted = len(store.episodes())

    # SIGKILL gives no chance to clean up; the database must still be consistent.
    proc = start_run(argv, database, at_least=interrupted + 2)
    family = psutil.Process(proc.pid).children(recursive=True)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # Its workers and their browsers go with it.
    _, alive = psutil.wait_procs(family, timeout=20)
    assert not [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        before = {k: (f, i) for k, f, i in db.execute("SELECT key, finished, invocation FROM episodes")}
        step_counts = db.execute(
            "SELECT e.steps, (SELECT count(*) FROM steps s WHERE s.episode = e.key) FROM episodes e"
        ).fetchall()
    assert interrupted + 2 <= len(before) < 40
    assert all(declared == stored for declared, stored in step_counts)

    assert main(argv) == 0
    after = by_key(run)
    assert len(after) == 40 and all(r["success"] for r in after.values())
    for key, (finished_at, invocation) in before.items():
        assert (after[key]["finished"], after[key]["invocation"]) == (finished_at, invocation)
    assert {r["invocation"] for k, r in after.items() if k not in before} == {3}
    with RunStore(run, readonly=True) as store:
        assert [i["status"] for i in store.invocations()] == ["interrupted", "killed", "complete"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--agent", "oracel"], "Unknown agent `oracel`. Did you mean: `oracle`?"),
        (
            ["--agent", "oracle", "--tasks", "clik-test"],
            "Unknown task `clik-test`. Did you mean: `click-test`",
        ),
        (["--agent", "oracle", "--suite", "miniwb"], "Unknown suite `miniwb`. Did you mean: `miniwob`?"),
        (["--agent", "random", "--agent-arg", "sed=1"], "Unknown key `sed` in agent `random` arguments."),
        (["--agent", "oracle", "--seeds", "0-x"], "seeds: `0-x` is not a seed or a range"),
    ],
)
def test_bad_names_get_did_you_mean_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str], message: str
) -> None:
    assert main(["eval", *flags, "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--agent", "memory"], "Agent `memory` replays demonstrations from an exemplar memory, and none"),
        (
            ["--agent", "memory", "--agent-arg", "memory=memories/nowhere"],
            "memory=memories/nowhere does not exist",
        ),
        (["--agent", "synapse", "--agent-arg", "memory=x"], "memory=x does not"),  # no model: embedded
        (["--agent", "synapse", "--agent-arg", "model=m", "--agent-arg", "memory=x"], "memory=x does not"),
    ],
)
def test_agent_configurations_are_checked_before_the_first_episode(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    flags: list[str],
    message: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALAESTRA_LLM_MODEL", raising=False)
    monkeypatch.setenv("PALAESTRA_LLM_GGUF", str(tmp_path / "absent.gguf"))
    assert main(["eval", *flags, "--tasks", "click-test", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "palaestra memory build" in err or "model=NAME" in err  # and the fix


@pytest.mark.parametrize("agent", ["memory", "synapse"])
def test_a_damaged_memory_stops_the_run_before_the_first_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], agent: str
) -> None:
    """A memory whose index file is damaged is named with the fix before any episode runs, rather
    than failing every episode with FAISS's own message."""
    memory = ExemplarMemory.create(tmp_path / "mem", HashingEmbedder())
    memory.add([Exemplar(goal="Click the button.")])
    memory.save()
    (tmp_path / "mem" / "index.faiss").write_bytes(b"not an index")
    argv = ["eval", "--agent", agent, "--agent-arg", f"memory={tmp_path / 'mem'}"]
    if agent == "synapse":  # a model named, so that only the memory is in question
        argv += ["--agent-arg", "model=m", "--agent-arg", "base_url=http://127.0.0.1:9/v1"]
    assert main([*argv, "--tasks", "click-test", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert f"Agent `{agent}`: The exemplar memory at {tmp_path / 'mem'} is damaged: index.faiss" in err
    assert "palaestra memory build" in err
    assert not (tmp_path / "run").exists()


def test_a_memory_whose_embedder_needs_settings_stops_the_run_before_the_first_episode(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    class Remote(HashingEmbedder):
        @property
        def name(self) -> str:
            return "openai:text-embedding-3-small"

    memory = ExemplarMemory.create(tmp_path / "mem", Remote(64))
    memory.add([Exemplar(goal="Click the button.")])
    memory.save()
    argv = ["eval", "--agent", "memory", "--agent-arg", f"memory={tmp_path / 'mem'}", "--tasks", "click-test"]
    assert main([*argv, "--out", str(tmp_path / "run")]) == 2
    assert (
        "Agent `memory`: The memory at" in (err := capsys.readouterr().err)
        and "text-embedding-3-small" in err
    )
    assert not (tmp_path / "run").exists()


def test_synapse_without_a_model_needs_the_embedded_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No endpoint and no runnable embedded model: refused before the first episode, saying how."""
    monkeypatch.delenv("PALAESTRA_LLM_MODEL", raising=False)
    monkeypatch.delenv("PALAESTRA_LLM_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.setenv("PALAESTRA_LLM_GGUF", str(tmp_path / "absent.gguf"))
    argv = ["eval", "--agent", "synapse", "--tasks", "click-test", "--out", str(tmp_path / "run")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        "Agent `synapse` needs an LLM" in err and "absent.gguf is not a file" in err and "model=NAME" in err
    )
    assert not (tmp_path / "run").exists()
    assert not (tmp_path / "run").exists()


def test_labels_that_sanitise_alike_keep_their_own_episode_folders(tmp_path: Path) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "random", "--label", "my agent", "--agent", "random", "--agent-arg", "seed=5",
            "--label", "my_agent", "--tasks", "click-test", "--seeds", "0", "--workers", "1",
            "--max-steps", "1", "--no-screenshots", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    folders = {row["agent"]: run / row["artifacts"] for row in load_rows(run)}
    assert set(folders) == {"my agent", "my_agent"} and len(set(folders.values())) == 2
    assert all((folder / "obs-000.txt").is_file() for folder in folders.values())


def test_an_agents_loading_is_done_before_its_first_episode_starts(
    tmp_path: Path, agents_importable: None
) -> None:
    run = tmp_path / "run"
    argv = ["eval", "--agent", "runner_agents:SlowToLoadAgent", "--tasks", "click-test", "--seeds", "0",
            "--workers", "1", "--max-steps", "1", "--no-screenshots", "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    (row,) = load_rows(run)
    (step,) = read_trajectory(run / row["artifacts"]).steps
    assert 0 < step["extra"]["loaded_at"] < row["started"]  # loaded, and before the episode's clock


def test_the_oracles_missing_solutions_are_said_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An oracle asked to play a task it has no solution for fails each of its seeds: said before
    the run (and by --dry-run) rather than found out one agent_error at a time."""
    run = tmp_path / "run"
    argv = ["eval", "--agent", "oracle", "--agent", "random", "--tasks", "click-test,click-test-transfer",
            "--seeds", "0-1", "--workers", "1", "--max-steps", "1", "--no-screenshots",
            "--out", str(run)]  # fmt: skip
    note = ("Note: the oracle has no scripted solution for 1 of its 2 tasks (miniwob.click-test-transfer): "
            "its 2 episodes there will end as agent_error. Leave those tasks out (--tasks), or play the "
            "oracle in a run of its own.")  # fmt: skip
    assert main([*argv, "--dry-run"]) == 0
    assert note in capsys.readouterr().out
    assert main(argv) == 0
    assert note in capsys.readouterr().err
    kinds = {(r["agent"], r["task"]): r["error_kind"] for r in load_rows(run)}
    assert kinds[("oracle", "miniwob.click-test-transfer")] == "agent_error"
    assert kinds[("random", "miniwob.click-test-transfer")] is None
    assert main([*argv, "--dry-run"]) == 0  # played already (its errors kept): nothing more to say
    assert "Note: the oracle" not in capsys.readouterr().out


def test_a_zombie_counts_as_exited_when_a_worker_is_killed() -> None:
    """After SIGKILL, `kill_tree` waits for the worker's processes to exit; a zombie has (it holds
    only its exit status until its new parent, often init, collects it), a sleeping one has not."""
    from palaestra.runs.backends import _running

    exited = subprocess.Popen([sys.executable, "-c", "pass"])
    sleeping = subprocess.Popen(["sleep", "30"])
    try:
        zombie = psutil.Process(exited.pid)
        while zombie.status() != psutil.STATUS_ZOMBIE:  # not reaped: Popen only reaps in wait()/poll()
            time.sleep(0.01)
        assert not _running(zombie)
        assert _running(psutil.Process(sleeping.pid))
    finally:
        sleeping.kill()
        sleeping.wait()
        exited.wait()
