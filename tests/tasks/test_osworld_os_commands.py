"""OSWorld's ``os`` checks of what a command printed (`os_checks`): the dock's favourite apps, the
time zone at UTC+0 and the clipboard's text, each on right, wrong and missing output, with their
task files loading; and the clipboard read on the live desktop, where ``xsel`` runs in the session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.os_checks import check_gnome_favorite_apps, is_in_vm_clickboard, is_utc_0

UTC = """               Local time: Thu 2024-01-25 12:56:06 UTC
           Universal time: Thu 2024-01-25 12:56:06 UTC
                 RTC time: Thu 2024-01-25 12:56:05
                Time zone: Etc/UTC (UTC, +0000)
System clock synchronized: yes
"""


def test_check_gnome_favorite_apps_wants_exactly_the_expected_apps() -> None:
    rules = {"expected": ["thunderbird.desktop", "vim.desktop"]}
    assert check_gnome_favorite_apps("['vim.desktop', 'thunderbird.desktop']\n", rules) == 1.0
    assert check_gnome_favorite_apps("['vim.desktop']", rules) == 0.0
    assert check_gnome_favorite_apps("['vim.desktop', 'thunderbird.desktop', 'x.desktop']", rules) == 0.0
    assert check_gnome_favorite_apps("__import__('os').getcwd()", rules) == 0.0  # parsed, never run
    assert check_gnome_favorite_apps("No such schema", rules) == 0.0
    assert check_gnome_favorite_apps(None, rules) == 0.0


def test_is_utc_0_reads_timedatectls_time_zone_line() -> None:
    assert is_utc_0(UTC) == 1.0
    assert is_utc_0(UTC.replace("Etc/UTC (UTC, +0000)", "Europe/Paris (CET, +0100)")) == 0.0
    assert is_utc_0("System has not been booted with systemd as init system (PID 1).\n") == 0.0
    assert is_utc_0(None) == 0.0


def test_is_in_vm_clickboard_finds_the_rules_in_either_place() -> None:
    rules = {"expected": "Quarterly figures"}
    assert is_in_vm_clickboard("Quarterly figures\n", rules) == 1.0
    assert is_in_vm_clickboard(rules, "Quarterly figures\n") == 1.0
    assert is_in_vm_clickboard("Yearly figures", rules) == 0.0
    assert is_in_vm_clickboard("a b", {"expected": ["a", "b"]}) == 1.0
    assert is_in_vm_clickboard("a", {"expected": ["a", "b"]}) == 0.0
    assert is_in_vm_clickboard(None, rules) == 0.0


def task_data(clipboard: str, evaluator: dict[str, Any] | None = None) -> dict[str, Any]:
    """OSWorld's clipboard task shape: the judge reads the clipboard with xsel."""
    return {
        "id": "clipboard",
        "snapshot": "os",
        "instruction": "Copy the report's title to the clipboard.",
        "config": [
            {
                "type": "execute",
                "parameters": {
                    "command": f"printf %s '{clipboard}' | xsel --clipboard --input",
                    "shell": True,
                },
            },
            {"type": "launch", "parameters": {"command": ["galculator"]}},
        ],
        "related_apps": ["os"],
        "evaluator": evaluator
        or {
            "func": "is_in_vm_clickboard",
            "result": {"type": "vm_command_line", "command": "xsel --clipboard --output", "shell": True},
            "expected": {"type": "rule", "rules": {"expected": "Quarterly figures"}},
        },
    }


def write(tmp_path: Path, data: dict[str, Any], name: str = "task.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


COMMAND = {"type": "vm_command_line", "command": ["timedatectl"]}


@pytest.mark.parametrize(
    ("evaluator", "message"),
    [
        (
            {
                "func": "is_in_vm_clickboard",
                "result": COMMAND,
                "expected": {"type": "rule", "rules": {"expected": 3}},
            },
            "text or",
        ),
        (
            {
                "func": "check_gnome_favorite_apps",
                "result": COMMAND,
                "expected": {"type": "rule", "rules": {}},
            },
            "app names",
        ),
    ],
)
def test_bad_rules_are_refused_at_load(tmp_path: Path, evaluator: dict[str, Any], message: str) -> None:
    with pytest.raises(OSWorldTaskError, match=message):
        load_task(write(tmp_path, task_data("x", evaluator)))


def test_their_task_files_load(tmp_path: Path) -> None:
    load_task(write(tmp_path, task_data("x", {"func": "is_utc_0", "result": COMMAND}), "utc.json"))
    favourites = {
        "func": "check_gnome_favorite_apps",
        "result": {
            "type": "vm_command_line",
            "command": "gsettings get org.gnome.shell favorite-apps",
            "shell": True,
        },
        "expected": {"type": "rule", "rules": {"expected": ["vim.desktop"]}},
    }
    assert load_task(write(tmp_path, task_data("x", favourites), "fav.json")).judge_commands()


def test_the_clipboard_is_read_on_the_live_desktop(tmp_path: Path) -> None:
    right = load_task(write(tmp_path, task_data("Quarterly figures"), "right.json"))
    wrong = load_task(write(tmp_path, task_data("Yearly figures"), "wrong.json"))
    env = DesktopEnv(right)
    try:
        env.reset(seed=0)
        _obs, reward, terminated, _truncated, info = env.step("done()")
        assert terminated and reward == 1.0, info["task_info"]
        env.task = wrong
        env.reset(seed=0)
        _obs, reward, _terminated, _truncated, info = env.step("done()")
        assert reward == 0.0, info["task_info"]
    finally:
        env.close()
