"""The `omniact` suite as a user without, with a wrong and with the right data set meets it."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from palaestra.errors import SuiteUnavailable
from palaestra.omniact.env import OmniActEnv
from palaestra.testing import ScriptedLLMServer, ScriptRequest, reply_text

GOLD = "pyautogui.click(100, 100)\npyautogui.write('fish')\npyautogui.press('enter')"


def _palaestra(
    *args: str, data: Path | None = None, split: str = "", elements: str = "", **more: str
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PALAESTRA_OMNIACT")} | more
    if elements:
        env["PALAESTRA_OMNIACT_ELEMENTS"] = elements
    if data is not None:
        env["PALAESTRA_OMNIACT"] = str(data)
    if split:
        env["PALAESTRA_OMNIACT_SPLIT"] = split
    code = "import sys; from palaestra.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, timeout=120
    )


def _data_set(root: Path) -> Path:
    (root / "tasks").mkdir(parents=True)
    (root / "tasks" / "t.txt").write_text(f"Task: Search for fish\nOutput Script:\n{GOLD}\n")
    Image.new("RGB", (200, 150), "white").save(root / "s.png")
    (root / "b.json").write_text(json.dumps({"search": {"top_left": [90, 90], "bottom_right": [110, 110]}}))
    (root / "train.json").write_text(
        json.dumps({"7": {"task": "tasks/t.txt", "image": "s.png", "box": "b.json"}})
    )
    return root


def test_without_the_data_set_the_suite_is_listed_and_says_how_to_get_tasks(tmp_path: Path) -> None:
    listed = _palaestra("list", "suites")
    assert listed.returncode == 0
    assert re.search(r"^omniact +0 tasks", listed.stdout, re.M) and "PALAESTRA_OMNIACT=" in listed.stdout
    run = _palaestra(
        "eval", "--suite", "omniact", "--agent", "random", "--out", str(tmp_path / "r"), "--dry-run"
    )
    assert run.returncode == 2 and "Unknown suite" not in run.stderr
    assert "no tasks here" in run.stderr and "PALAESTRA_OMNIACT=/path/to/omniact" in run.stderr
    if "PALAESTRA_OMNIACT" not in os.environ:
        with pytest.raises(SuiteUnavailable, match="PALAESTRA_OMNIACT"):
            OmniActEnv("omniact.7")


def test_a_wrong_split_names_the_splits_there_and_the_right_one_runs(tmp_path: Path) -> None:
    root = _data_set(tmp_path / "omniact")
    wrong = _palaestra("list", "tasks", "--suite", "omniact", data=root)
    assert wrong.returncode == 2 and "UserWarning" not in wrong.stderr
    assert "has no test.json (its splits: train; PALAESTRA_OMNIACT_SPLIT picks one)" in wrong.stderr
    right = _palaestra("list", "tasks", "--suite", "omniact", data=root, split="train")
    assert right.stdout.split() == ["omniact.7"], right.stderr
    planned = _palaestra(
        "eval", "--suite", "omniact", "--agent", "random", "--out", str(tmp_path / "r"), "--dry-run",
        data=root, split="train",
    )  # fmt: skip
    assert "1 tasks (omniact.7) x seeds 0," in planned.stdout, planned.stdout  # no seed changes a task
    shown = _palaestra("list", "tasks", "--suite", "omniact", data=root, split="train", elements="all")
    assert shown.returncode == 2 and "PALAESTRA_OMNIACT_ELEMENTS='all': say 'hidden'" in shown.stderr


def test_the_report_gives_omniacts_data_set_scores_of_a_run(tmp_path: Path) -> None:
    """OmniACT sums over the data set, so a long gold script weighs more than in the mean reward."""
    root = _data_set(tmp_path / "omniact")
    (root / "tasks" / "h.txt").write_text("Task: Open help\nOutput Script:\npyautogui.press('f1')\n")
    index = json.loads((root / "train.json").read_text())
    index["8"] = {"task": "tasks/h.txt", "image": "s.png", "box": "b.json"}
    (root / "train.json").write_text(json.dumps(index))
    run = tmp_path / "run"
    agent = "palaestra.tests.omniact.fixed_agent:FixedScripts"
    args = ["eval", "--suite", "omniact", "--agent", agent, "--label", "fixed", "--seeds", "0"]
    args += ["--workers", "1", "--out", str(run)]
    evaluated = _palaestra(*args, data=root, split="train", elements="shown")  # for click('1')
    assert evaluated.returncode == 0, evaluated.stderr
    assert "0.50" in evaluated.stdout  # the summary's mean reward: 1 and 0
    code = "import sys; from palaestra.omniact.report import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PALAESTRA_OMNIACT": str(root), "PALAESTRA_OMNIACT_SPLIT": "train"}
    shown = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True, env=env)
    assert shown.returncode == 0, shown.stderr
    # Gold sequence scores 2.1 (three actions) and 0.1 (one); the wrong key loses the second's 0.1.
    # The element id the run resolved is resolved again though PALAESTRA_OMNIACT_ELEMENTS is unset now.
    assert shown.stdout.splitlines()[0].split()[-2:] == ["write", "penalty"]
    assert shown.stdout.splitlines()[1].split() == ["fixed", "2", "1.000", "0.955", "0.000", "0.045", "0.000"]
    missing = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env
    )
    assert missing.returncode == 2 and "no results.sqlite" in missing.stderr


def test_a_partial_data_set_names_the_missing_file_not_an_unknown_suite(tmp_path: Path) -> None:
    root = _data_set(tmp_path / "omniact")
    index = json.loads((root / "train.json").read_text())
    index["8"] = {"task": "tasks/gone.txt", "image": "s.png", "box": "b.json"}  # a download cut short
    (root / "train.json").write_text(json.dumps(index))
    listed = _palaestra("list", "tasks", "--suite", "omniact", data=root, split="train")
    assert listed.returncode == 2 and "Unknown suite" not in listed.stderr and "Warning" not in listed.stderr
    assert "Task 8's task file tasks/gone.txt is not under PALAESTRA_OMNIACT=" in listed.stderr


REPLIES = {
    # As a chat model answers: prose, a fence, imports, comments, a wait and keyword arguments; the
    # click 1 px right of the 20 x 20 box costs (1 - mu / (1 + mu)) / 3 with mu = sqrt(800).
    "Search for fish": "The search box is near the middle.\n```python\nimport pyautogui\nimport time\n"
    "# the search box\npyautogui.click(x=111, y=100)\ntime.sleep(0.5)\npyautogui.write(message='fish')\n"
    'pyautogui.press("enter")\n```',
    "Open help": "```python\npyautogui.press('f1'\n```",  # a syntax error: 0, and the episode says why
}


def test_a_chat_model_over_the_wire_is_scored_and_reported_as_omniact_would(
    tmp_path: Path, make_llm_server: Callable[..., ScriptedLLMServer]
) -> None:
    root = _data_set(tmp_path / "omniact")
    (root / "tasks" / "h.txt").write_text("Task: Open help\nOutput Script:\npyautogui.press('f1')\n")
    index = json.loads((root / "train.json").read_text())
    (root / "train.json").write_text(json.dumps({**index, "8": {**index["7"], "task": "tasks/h.txt"}}))

    def answer(request: ScriptRequest) -> object:
        return reply_text(next(r for goal, r in REPLIES.items() if goal in request.last_user_text()))

    server = make_llm_server(answer)
    model = {"PALAESTRA_LLM_BASE_URL": server.base_url, "PALAESTRA_LLM_API_KEY": "k"}
    model |= {"PALAESTRA_LLM_MODEL": "scripted-model", "PALAESTRA_LLM_CAPABILITIES": "chat"}
    run = tmp_path / "run"
    args = ["eval", "--suite", "omniact", "--agent", "generic", "--workers", "1", "--out", str(run)]
    evaluated = _palaestra(*args, data=root, split="train", **model)
    assert evaluated.returncode == 0, evaluated.stderr
    # One episode per task (no seed changes one); the agent asks once more for the broken script.
    assert len(server.requests) == 3
    for request in server.requests:  # the boxes are evaluation data, the task's name privileged
        assert "search" not in request.last_user_text().replace("Search for fish", "")
        assert "omniact." not in json.dumps(request.messages)
    mu = math.sqrt(800)
    kept = 1 - (1 - mu / (1 + mu)) / 3
    code = "import sys; from palaestra.omniact.report import main; sys.exit(main(sys.argv[1:]))"
    env = {**os.environ, "PALAESTRA_OMNIACT": str(root), "PALAESTRA_OMNIACT_SPLIT": "train"}
    shown = subprocess.run([sys.executable, "-c", code, str(run)], capture_output=True, text=True, env=env)
    row = shown.stdout.splitlines()[1].split()
    assert row[:3] == ["generic", "2", f"{2.1 / 2.2:.3f}"], shown.stdout + shown.stderr
    assert row[3] == f"{2.1 * kept / 2.2:.3f}"
