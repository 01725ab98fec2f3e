"""``pip install`` steps of OSWorld's task files: dropped when every package is installed here
already, refused at load (naming the packages) when one is missing, since nothing downloads at run
time; other commands are left alone."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.live_steps import Pause, RunCommand
from palaestra.tasks.desktop.osworld import UnsupportedStepError, load_task
from palaestra.tasks.desktop.osworld.installs import pip_install_packages


def task(install: Any, shell: bool = False) -> dict[str, Any]:
    return {
        "id": "check-attachment",
        "snapshot": "thunderbird",
        "instruction": "Attach the bill to the draft.",
        "config": [{"type": "launch", "parameters": {"command": ["galculator"]}}],
        "related_apps": ["os"],
        "evaluator": {
            "postconfig": [
                {"type": "execute", "parameters": {"command": install, "shell": shell}},
                {"type": "execute", "parameters": {"command": ["python", "check.py"], "stdout": "check.out"}},
            ],
            "func": "check_list",
            "result": {"type": "cache_file", "path": "check.out"},
            "expected": {"type": "rule", "rules": {"expect": ["Attachment added!"]}},
        },
    }


def load(tmp_path: Path, data: dict[str, Any]) -> Any:
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return load_task(path)


@pytest.mark.parametrize(
    ("argv", "packages"),
    [
        (("pip", "install", "cssselect"), ["cssselect"]),
        (("/usr/bin/pip3", "install", "-q", "lxml>=4", "numpy"), ["lxml>=4", "numpy"]),
        (("python3", "-m", "pip", "install", "--user", "openpyxl"), ["openpyxl"]),
        (("bash", "-c", "pip install cssselect"), ["cssselect"]),
        (("bash", "-c", "pip install cssselect && rm -rf ~"), None),
        (("pip", "list"), None),
        (("ls", "install"), None),
    ],
)
def test_pip_installs_are_recognised(argv: tuple[str, ...], packages: list[str] | None) -> None:
    assert pip_install_packages(argv) == packages


def test_an_install_of_packages_installed_here_is_dropped(tmp_path: Path) -> None:
    loaded = load(tmp_path, task(["pip", "install", "cssselect"]))
    steps = loaded.final_steps()
    assert isinstance(steps[0], Pause) and steps[0].seconds == 0.0
    assert steps[1] == RunCommand(("python", "check.py"), "check.out")
    assert loaded.setup(random.Random(0)).apps == (("galculator",),)


def test_an_install_of_a_missing_package_is_refused_at_load_naming_it(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedStepError, match=r"installs palaestra-no-such-pkg at run time.*beforehand"):
        load(tmp_path, task("pip install cssselect palaestra-no-such-pkg", shell=True))


def test_the_snake_games_pygame_install_is_dropped_in_config(tmp_path: Path) -> None:
    """OSWorld's snake-game task installs pygame as a config command: pygame is in the osworld
    extra (pyproject), so the command is dropped and the task's setup runs nothing of it."""
    data = task(["pip", "install", "cssselect"])
    data["config"] = [
        {"type": "command", "parameters": {"command": ["mkdir", "-p", "/home/user/Desktop/snake"]}},
        {"type": "command", "parameters": {"command": ["pip", "install", "pygame"]}},
        {"type": "launch", "parameters": {"command": ["galculator"]}},
    ]
    setup = load(tmp_path, data).setup(random.Random(0))
    assert setup.commands == (("mkdir", "-p", "/home/user/Desktop/snake"),)
    assert setup.apps == (("galculator",),)
