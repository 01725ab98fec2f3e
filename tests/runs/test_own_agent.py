"""A user's own agent class, in a file beside them, run by the `palaestra` command as the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from palaestra.runs.results import load_rows
from palaestra.runs.store import RunStore
from palaestra.runs.trajectory import read_trajectory

AGENT = '''
import re

from palaestra.agents import Agent, AgentStep


class FirstButton(Agent):
    """Clicks the first button of the accessibility tree."""

    async def aact(self, obs):
        found = re.search(r"\\[(\\d+)\\] button", obs["axtree"])
        if found is None:
            return AgentStep(action="noop()", stop=True)
        return AgentStep(action=f"click('{found.group(1)}')", thoughts="the first button")
'''


def palaestra(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it: its path holds its own folder, not `cwd`
    (`python -m` would put `cwd` first and hide the problem)."""
    script = Path(sys.executable).parent / "palaestra"
    return subprocess.run([str(script), *argv], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_an_agent_in_the_current_directory_runs_with_two_workers(tmp_path: Path) -> None:
    (tmp_path / "myagent.py").write_text(AGENT)
    argv = ["eval", "--agent", "myagent:FirstButton", "--tasks", "click-test,click-dialog", "--seeds", "0-1",
            "--workers", "2", "--out", "run"]  # fmt: skip
    ran = palaestra(tmp_path, *argv)
    assert ran.returncode == 0, ran.stderr
    rows = load_rows(tmp_path / "run")
    assert len(rows) == 4 and all(r["success"] for r in rows)
    assert {r["agent"] for r in rows} == {"myagent:FirstButton"}


def test_a_misspelt_agent_class_gets_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "myagent.py").write_text(AGENT)
    typo = palaestra(
        tmp_path, "eval", "--agent", "myagent:FirstButon", "--tasks", "click-test", "--out", "r", "--dry-run"
    )
    assert typo.returncode == 2 and "Did you mean: `myagent:FirstButton`?" in typo.stderr
    missing = palaestra(
        tmp_path, "eval", "--agent", "myagnt:FirstButton", "--tasks", "click-test", "--out", "r", "--dry-run"
    )
    assert missing.returncode == 2 and str(tmp_path) in missing.stderr


def test_a_resumed_run_says_when_the_agents_file_changed(tmp_path: Path) -> None:
    source = tmp_path / "myagent.py"
    source.write_text(AGENT)
    argv = ["eval", "--agent", "myagent:FirstButton", "--tasks", "click-test", "--workers", "1",
            "--out", "run"]  # fmt: skip
    assert palaestra(tmp_path, *argv, "--seeds", "0").returncode == 0
    unchanged = palaestra(tmp_path, *argv, "--seeds", "0-1")
    assert unchanged.returncode == 0 and "changed since" not in unchanged.stdout + unchanged.stderr
    source.write_text(AGENT.replace("the first button", "edited"))
    resumed = palaestra(tmp_path, *argv, "--seeds", "0-2")
    said = resumed.stdout + resumed.stderr
    assert resumed.returncode == 0 and f"{source} changed since `myagent:FirstButton`" in said
    with RunStore(tmp_path / "run", readonly=True) as store:
        hashes = [i["record"]["agents"][0]["source"]["sha256"] for i in store.invocations()]
    assert hashes[0] == hashes[1] != hashes[2]  # the record pins the agent's code, invocation by invocation


TYPIST = '''
import re

from palaestra.agents import Agent, AgentStep


class Typist(Agent):
    """Misspells an action, then solves enter-text."""

    async def aact(self, obs):
        tree, step = obs["axtree"], len(self.history)
        self.history.append(None)
        textbox = re.search(r"\\[(\\d+)\\] textbox", tree).group(1)
        button = re.search(r"\\[(\\d+)\\] button", tree).group(1)
        word = obs["goal"].split('"')[1]
        plan = [f"clik('{button}')", f"fill('{textbox}', '{word}')", f"click('{button}')"]
        return AgentStep(action=plan[step])
'''


def test_recorded_demonstrations_leave_out_the_actions_that_failed(tmp_path: Path) -> None:
    (tmp_path / "typist.py").write_text(TYPIST)
    argv = ["eval", "--agent", "typist:Typist", "--tasks", "enter-text", "--seeds", "0", "--workers", "1",
            "--out", "run", "--record-demos"]  # fmt: skip
    ran = palaestra(tmp_path, *argv)
    assert ran.returncode == 0, ran.stderr
    (row,) = load_rows(tmp_path / "run")
    assert row["success"] and row["steps"] == 3
    episode = read_trajectory(tmp_path / "run" / row["artifacts"])
    assert [s["action"].split("(")[0] for s in episode.steps] == ["clik", "fill", "click"]  # history: all
    assert [s["action"].split("(")[0] for s in episode.demonstration_steps()] == ["fill", "click"]


def test_errors_resuming_keeps_are_said_and_rerun_errors_runs_them(tmp_path: Path) -> None:
    """An agent's exception is not retried (nothing would change), but once the user fixes the
    agent, resuming alone ran nothing: it must say so, and --rerun-errors must run them again."""
    source = tmp_path / "myagent.py"
    source.write_text(
        AGENT.replace(
            "        found = re.search", "        raise ValueError('a bug')\n        found = re.search"
        )
    )
    argv = ["eval", "--agent", "myagent:FirstButton", "--tasks", "click-test", "--seeds", "0-1",
            "--workers", "1", "--out", "run"]  # fmt: skip
    assert palaestra(tmp_path, *argv).returncode == 0
    assert {r["error_kind"] for r in load_rows(tmp_path / "run")} == {"agent_error"}
    source.write_text(AGENT)  # fixed
    resumed = palaestra(tmp_path, *argv)
    said = resumed.stdout + resumed.stderr
    assert "0 to run" in said and "2 errored episodes are kept" in said and "--rerun-errors" in said
    rerun = palaestra(tmp_path, *argv, "--rerun-errors")
    assert rerun.returncode == 0, rerun.stderr
    rows = load_rows(tmp_path / "run")
    assert len(rows) == 2 and all(r["success"] and not r["error_kind"] for r in rows)
