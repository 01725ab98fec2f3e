"""What OSWorld's task setups take for granted on its Ubuntu VM, on the real desktop: the HOME folders
(Desktop, Documents, Downloads...) and ``echo 'password' | sudo -S CMD``. Its task e0df059f (rename a
folder its setup makes with ``sudo -S mkdir ~/Desktop/...``), as OSWorld writes it, sets up and is
solved from a terminal; before, its setup failed (no sudo, no ~/Desktop) and it could not be done."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import OSWorldTask, load_task
from palaestra.tasks.desktop.osworld.paths import VM_FOLDERS

#: OSWorld's e0df059f-28a6-4169-924f-b9623e7184cc, its config and evaluator as OSWorld has them.
RENAME: dict[str, Any] = {
    "id": "e0df059f-28a6-4169-924f-b9623e7184cc",
    "snapshot": "os",
    "instruction": 'I have a directory named "todo_list_Jan_1". '
    'Can you help me change its name into "todo_list_Jan_2"?',
    "config": [
        {
            "type": "execute",
            "parameters": {
                "command": "echo 'password' | sudo -S mkdir ~/Desktop/todo_list_Jan_1",
                "shell": True,
            },
        },
        {
            "type": "execute",
            "parameters": {
                "command": [
                    "python",
                    "-c",
                    "import pyautogui; import time; pyautogui.click(960, 540); time.sleep(0.5);",
                ]
            },
        },
    ],
    "related_apps": ["os"],
    "evaluator": {
        "func": "exact_match",
        "result": {
            "type": "vm_command_line",
            "command": "[ -d ~/Desktop/todo_list_Jan_2 ] && echo 'Directory exists.' "
            "|| echo 'Directory does not exist.'",
            "shell": True,
        },
        "expected": {"type": "rule", "rules": {"expected": "Directory exists.\n"}},
    },
}
#: A judge command through sudo: the password line is read, the rest of stdin is the command's.
SUDO_READS_ONE_LINE: dict[str, Any] = {
    **RENAME,
    "id": "sudo-reads-one-line",
    "config": [],
    "evaluator": {
        "func": "exact_match",
        "result": {
            "type": "vm_command_line",
            "command": "printf 'password\\nhello\\n' | sudo -S -u root cat; sudo true && echo ok",
            "shell": True,
        },
        "expected": {"type": "rule", "rules": {"expected": "hello\nok\n"}},
    },
}


def task(folder: Path, data: dict[str, Any]) -> OSWorldTask:
    (folder / "task.json").write_text(json.dumps(data))
    return load_task(folder / "task.json")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopEnv]:
    """One session for the module's tests, each playing its own task's episode on it."""
    shared = DesktopEnv(task(tmp_path_factory.mktemp("vm-setup"), RENAME))
    yield shared
    shared.close()


def test_osworlds_rename_task_sets_up_with_sudo_and_desktop_and_is_solved(
    env: DesktopEnv, tmp_path: Path
) -> None:
    env.task = task(tmp_path, RENAME)
    _, info = env.reset(seed=0)
    assert [c["returncode"] for c in info["setup_commands"]] == [0, 0], info["setup_commands"]
    home = Path(env.session_info["base"]) / "home"
    assert sorted(p.name for p in home.iterdir() if p.name in VM_FOLDERS) == sorted(VM_FOLDERS)
    assert (home / "Desktop" / "todo_list_Jan_1").is_dir()
    action = "hotkey('ctrl', 'alt', 't')\nwrite('mv ~/Desktop/todo_list_Jan_1 ~/Desktop/todo_list_Jan_2\\n')"
    _, reward, terminated, _, _ = env.step(action)
    assert (reward, terminated) == (1.0, True)


def test_sudo_in_a_command_reads_the_password_line_and_runs_the_rest(env: DesktopEnv, tmp_path: Path) -> None:
    env.task = task(tmp_path, SUDO_READS_ONE_LINE)
    env.reset(seed=0)
    _, reward, terminated, _, info = env.step("WAIT")
    assert (reward, terminated) == (1.0, True), info
