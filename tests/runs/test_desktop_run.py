"""The evaluation runner on the desktop suite: it builds each task's own environment (DesktopEnv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows


def test_oracle_run_over_three_desktop_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [
        "eval",
        "--agent",
        "oracle",
        "--suite",
        "desktop",
        "--tasks",
        "calc-mean",
        "--tasks",
        "term-mkdir",
        "--tasks",
        "files-rename",
        "--seeds",
        "0",
        "--workers",
        "2",
        "--out",
        "run",
        "--no-screenshots",
    ]
    assert main(argv) == 0
    rows = load_rows(tmp_path / "run")
    assert sorted(r["task"] for r in rows) == [
        "desktop.calc-mean",
        "desktop.files-rename",
        "desktop.term-mkdir",
    ]
    assert all(r["status"] == "done" and r["success"] for r in rows), rows
    # The text beside each step names the focused window; a desktop has no URL.
    first = (tmp_path / "run" / "episodes" / "oracle" / "desktop.calc-mean" / "0" / "obs-000.txt").read_text()
    assert first.splitlines()[1] == "window: galculator" and "\nurl:" not in first


COMPUTER_13_AGENT = '''
import json

from palaestra.agents import Agent, AgentStep


class Json13(Agent):
    """Writes OSWorld's computer_13 JSON: types the mkdir command the goal asks for, then says DONE."""

    async def aact(self, obs):
        if self.history:
            return AgentStep(action="DONE")
        self.history.append(None)
        path = obs["goal"].split("'")[1]
        typing = {"action_type": "TYPING", "parameters": {"text": f"mkdir -p {path}\\n"}}
        return AgentStep(action=json.dumps([typing]))
'''


def test_action_set_computer_13_lets_an_agent_write_osworld_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "json13.py").write_text(COMPUTER_13_AGENT)
    argv = ["eval", "--agent", "json13:Json13", "--suite", "desktop", "--tasks", "term-mkdir", "--seeds", "0",
            "--workers", "1", "--max-steps", "2", "--no-screenshots"]  # fmt: skip
    assert main([*argv, "--action-set", "computer_13", "--out", "json"]) == 0
    (row,) = load_rows(tmp_path / "json")
    assert row["status"] == "done" and row["success"], row
    assert main([*argv, "--out", "pyautogui"]) == 0  # the task's own set: PyAutoGUI calls, not JSON
    (row,) = load_rows(tmp_path / "pyautogui")
    assert not row["success"]
    second = (tmp_path / "pyautogui" / row["artifacts"] / "obs-001.txt").read_text()
    assert "is not an action call" in second  # the JSON, read as PyAutoGUI calls


def test_an_action_set_that_does_not_fit_the_suite_is_refused_with_the_fix(
    capsys: pytest.CaptureFixture[str],
) -> None:
    base = ["eval", "--agent", "random", "--tasks", "click-test", "--dry-run"]
    assert main([*base, "--action-set", "computer_13"]) == 2
    err = capsys.readouterr().err
    assert (
        "does not fit the task miniwob.click-test, which runs in a browser: its action sets are web, miniwob"
        in err
    )
    assert main([*base, "--action-set", "computer13"]) == 2
    assert "Unknown action set `computer13`. Did you mean: `computer_13`?" in capsys.readouterr().err
    assert main([*base, "--action-set", "web"]) == 0
    desktop = ["eval", "--agent", "random", "--suite", "desktop", "--tasks", "term-mkdir", "--dry-run"]
    assert main([*desktop, "--action-set", "pyautogui"]) == 0
    served = ["--env-server", "http://127.0.0.1:1"]  # a server's sessions take the set: checked alike
    assert main([*base, "--action-set", "computer_13", *served]) == 2
    assert "does not fit the task miniwob.click-test" in capsys.readouterr().err
    assert main([*desktop, "--action-set", "computer_13", *served]) == 0
