"""OSWorld's ``check_python_file_by_test_suite`` (`python_tests`): the test file imports the
agent's edited Python files and its ``test()`` decides. The check is a judge command: here its
command is run on real files in a real HOME (a right fix, a wrong one, a missing file, a test that
raises), its rules are checked at load, and one real episode on the desktop runs it in the session.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome, Judging
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.python_tests import PASSED, suite_passed

#: OSWorld's snake game reduced to its bug: the snake eats only when its head is on the food.
FIXED = "def eats(head, food):\n    return head == food\n"
BROKEN = "def eats(head, food):\n    return head == (food[0] + 1, food[1])\n"
SETTINGS = "GRID = 20\n"
#: The test file, as OSWorld's imports the game's modules by their names.
TEST_SUITE = (
    "from food import eats\nfrom settings import GRID\n\n"
    "def test():\n    return GRID == 20 and eats((3, 4), (3, 4)) and not eats((3, 4), (4, 4))\n"
)


def task_data(food: str, **evaluator: Any) -> dict[str, Any]:
    """A task shaped as OSWorld's snake task: the game's files on the Desktop, the test file an
    expected ``cloud_file`` (beside the task file here)."""
    write_food = f"mkdir -p ~/Desktop/snake && printf %b {json.dumps(food)} > ~/Desktop/snake/food.py"
    write_settings = f"printf %b {json.dumps(SETTINGS)} > ~/Desktop/snake/settings.py"
    spec = {
        "func": "check_python_file_by_test_suite",
        "result": {
            "type": "vm_file",
            "path": ["/home/user/Desktop/snake/food.py", "/home/user/Desktop/snake/settings.py"],
            "dest": ["food.py", "settings.py"],
            "multi": True,
        },
        "expected": {"type": "cloud_file", "path": "test_suite.py", "dest": "test_suite.py"},
    }
    return {
        "id": "snake-eats",
        "snapshot": "vs_code",
        "instruction": "Make the snake eat the food.",
        "config": [
            {
                "type": "execute",
                "parameters": {"command": f"{write_food} && {write_settings}", "shell": True},
            },
            {"type": "launch", "parameters": {"command": ["galculator"]}},
        ],
        "related_apps": ["vs_code"],
        "evaluator": spec | evaluator,
    }


def write_task(tmp_path: Path, data: dict[str, Any], name: str = "task.json", test: str = TEST_SUITE) -> Path:
    (tmp_path / "test_suite.py").write_text(test)
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def run_in(home: Path, argv: tuple[str, ...]) -> CommandResult:
    """The judge's command run as the session runs it: in HOME, ``python3`` being a Python."""
    done = subprocess.run([sys.executable, *argv[1:]], cwd=home, capture_output=True, text=True, check=False)
    return CommandResult(done.returncode, done.stdout, done.stderr)


def home_with(tmp_path: Path, food: str | None) -> Path:
    home = tmp_path / "home"
    snake = home / "Desktop" / "snake"
    snake.mkdir(parents=True, exist_ok=True)
    (snake / "settings.py").write_text(SETTINGS)
    if food is not None:
        (snake / "food.py").write_text(food)
    return home


def test_the_test_file_passes_the_fixed_game_and_fails_the_broken_or_missing_one(tmp_path: Path) -> None:
    task = load_task(write_task(tmp_path, task_data(FIXED)))
    (argv,) = task.judge_commands()
    fixed = run_in(home_with(tmp_path / "a", FIXED), argv)
    assert fixed.stdout.strip().splitlines()[-1] == PASSED and suite_passed(fixed) == 1.0
    assert suite_passed(run_in(home_with(tmp_path / "b", BROKEN), argv)) == 0.0
    missing = run_in(home_with(tmp_path / "c", None), argv)
    assert suite_passed(missing) == 0.0 and "missing file: Desktop/snake/food.py" in missing.stderr
    crashing = run_in(home_with(tmp_path / "d", "def eats(head, food):\n    raise ValueError\n"), argv)
    assert suite_passed(crashing) == 0.0 and "ValueError" in crashing.stderr


def test_the_verdict_reads_the_command_and_nothing_else(tmp_path: Path) -> None:
    task = load_task(write_task(tmp_path, task_data(FIXED)))
    (argv,) = task.judge_commands()
    assert argv[0] == "python3" and argv[-4:] == (
        "Desktop/snake/food.py",
        "food.py",
        "Desktop/snake/settings.py",
        "settings.py",
    )
    home = home_with(tmp_path / "h", FIXED)

    def outcome(result: CommandResult | None = None) -> DesktopOutcome:
        answered = {} if result is None else {argv: result}
        return DesktopOutcome(home=home, elements=[], windows=[], messages=[], command_results=answered)

    assert task.evaluate(outcome()).reward == 0.0  # the command did not run: no verdict
    assert task.evaluate(outcome(CommandResult(0, f"x\n{PASSED}\n", ""))).reward == 1.0
    assert task.evaluate(outcome(CommandResult(1, f"{PASSED}\n", ""))).reward == 0.0
    assert task.evaluate(outcome(CommandResult(0, f"{PASSED}\n", "", timed_out=True))).reward == 0.0
    assert task.evaluate(outcome(CommandResult(0, f"{PASSED}\nmore\n", ""))).reward == 0.0


def test_another_test_function_name_is_called(tmp_path: Path) -> None:
    suite = TEST_SUITE.replace("def test():", "def test_eats():")
    task = load_task(
        write_task(tmp_path, task_data(FIXED, options={"test_function_name": "test_eats"}), test=suite)
    )
    (argv,) = task.judge_commands()
    assert suite_passed(run_in(home_with(tmp_path / "h", FIXED), argv)) == 1.0
    plain = load_task(write_task(tmp_path, task_data(FIXED), "plain.json", test=suite))
    (argv,) = plain.judge_commands()
    assert suite_passed(run_in(home_with(tmp_path / "g", FIXED), argv)) == 0.0  # no test()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"result": {"type": "vm_command_line", "command": ["ls"]}},
            "tests the files a `vm_file` getter names",
        ),
        ({"expected": {"type": "rule", "rules": {}}}, "takes its test file from one `cloud_file`"),
        ({"options": {"test_function_name": "test()"}}, "must be a Python name, got 'test\\(\\)'"),
        ({"options": {"test_name": "x"}}, "test_name"),
        (
            {"result": {"type": "vm_file", "path": "/home/user/a.py", "dest": "test_suite.py"}},
            "`dest` names must differ",
        ),
        ({"result": {"type": "vm_file", "path": "/home/user/a.py", "dest": "../a.py"}}, "plain file name"),
        ({"result": {"type": "vm_file", "path": "/etc/passwd"}}, "/etc/passwd"),
    ],
)
def test_bad_rules_are_refused_at_load(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(OSWorldTaskError, match=message):
        load_task(write_task(tmp_path, task_data(FIXED, **change)))


def test_a_test_file_too_large_to_hand_over_is_refused_at_load(tmp_path: Path) -> None:
    with pytest.raises(OSWorldTaskError, match=r"test_suite\.py has 70\d+ bytes; at most 60000"):
        load_task(write_task(tmp_path, task_data(FIXED), test=TEST_SUITE + "#" * 70_000))


def test_the_test_suite_runs_in_the_desktop_session(tmp_path: Path) -> None:
    fixed = load_task(write_task(tmp_path, task_data(FIXED), "fixed.json"))
    broken = load_task(write_task(tmp_path, task_data(BROKEN), "broken.json"))
    assert fixed.judging is Judging.AT_END  # the agent's code runs once, at the end
    env = DesktopEnv(fixed)
    try:
        env.reset(seed=0)
        _obs, reward, terminated, _truncated, info = env.step("wait(0.2)")
        assert (reward, terminated) == (0.0, False) and "judged" in info["task_info"]
        _obs, reward, terminated, _truncated, info = env.step("done()")
        assert terminated and reward == 1.0, info["task_info"]
        env.task = broken
        env.reset(seed=0)
        _obs, reward, _terminated, _truncated, info = env.step("done()")
        assert reward == 0.0, info["task_info"]
    finally:
        env.close()
