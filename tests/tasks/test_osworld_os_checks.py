"""OSWorld's ``os`` checks (`os_checks`): text enlarged, read from the command OSWorld's task runs,
and a folder holding exactly the copied pictures, read with ``list_directory``; each on a right and a
wrong state and a missing one, loaded from task files shaped as OSWorld's. Also the getter OSWorld
names but never defines, refused with that reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.base import CommandResult, DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.os_checks import check_moved_jpgs, check_text_enlarged

PICTURES = ["emnlp2023.jpg", "hk_group_photo.jpg"]


def task_file(tmp_path: Path, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": "23393935-50c7-4a86-aeea-2b78fd089c5c",
        "snapshot": "os",
        "instruction": "Copy every .jpg file under photos into cpjpg.",
        "config": [{"type": "execute", "parameters": {"command": "mkdir -p ~/Desktop/cpjpg", "shell": True}}],
        "related_apps": ["os"],
        "evaluator": evaluator,
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


def outcome(tmp_path: Path, **extra: Any) -> DesktopOutcome:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return DesktopOutcome(home=home, elements=[], windows=[], messages=[], **extra)


def test_check_text_enlarged_wants_a_factor_above_one(tmp_path: Path) -> None:
    assert check_text_enlarged("1.25\n") == 1.0
    assert check_text_enlarged("1.0\n") == 0.0
    assert check_text_enlarged("No such schema") == 0.0
    assert check_text_enlarged(None) == 0.0
    command = "gsettings get org.gnome.desktop.interface text-scaling-factor"
    evaluator = {
        "func": "check_text_enlarged",
        "result": {"type": "vm_command_line", "command": command, "shell": True},
    }
    task = load_task(task_file(tmp_path, evaluator))
    (argv,) = task.judge_commands()
    assert task.evaluate(outcome(tmp_path)).reward == 0.0
    answered = {argv: CommandResult(0, "1.5\n", "")}
    assert task.evaluate(outcome(tmp_path, command_results=answered)).reward == 1.0


def test_check_moved_jpgs_wants_exactly_the_expected_files(tmp_path: Path) -> None:
    evaluator = {
        "func": "check_moved_jpgs",
        "result": {"type": "list_directory", "path": "/home/user/Desktop/cpjpg"},
        "expected": {"type": "rule", "rules": {"expected": PICTURES}},
    }
    task = load_task(task_file(tmp_path, evaluator))
    done = outcome(tmp_path)
    assert task.evaluate(done).reward == 0.0  # no folder
    folder = done.home / "Desktop" / "cpjpg"
    folder.mkdir(parents=True)
    (folder / PICTURES[0]).write_bytes(b"\xff\xd8")
    assert task.evaluate(done).reward == 0.0  # one is missing
    (folder / PICTURES[1]).write_bytes(b"\xff\xd8")
    assert task.evaluate(done).reward == 1.0
    (folder / "notes.txt").write_text("extra")
    assert task.evaluate(done).reward == 0.0
    assert check_moved_jpgs(None, {"expected": PICTURES}) == 0.0


def test_bad_rules_and_the_undefined_getter_are_refused_when_loaded(tmp_path: Path) -> None:
    evaluator: dict[str, Any] = {
        "func": "check_moved_jpgs",
        "result": {"type": "list_directory", "path": "/home/user/Desktop/cpjpg"},
        "expected": {"type": "rule", "rules": {"expected": "emnlp2023.jpg"}},
    }
    with pytest.raises(OSWorldTaskError, match="file names"):
        load_task(task_file(tmp_path, evaluator))
    evaluator = {
        "func": "check_include_exclude",
        "result": {"type": "vm_terminal_output"},
        "expected": {"type": "calc_insensitive_md5"},
    }
    with pytest.raises(UnsupportedEvaluatorError, match="OSWorld defines no getter"):
        load_task(task_file(tmp_path, evaluator))
