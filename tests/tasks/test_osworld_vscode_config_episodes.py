"""OSWorld's ``vscode_config`` getter played on a real Xvfb with real code-server: a task in OSWorld's
format (after its task 53ad5833) installs an extension of ours from a ``.vsix`` in its files folder
with ``code --install-extension``, starts VS Code with no folder open, and is judged by
``compare_config`` on the file the extension's ``OpenProject`` writes when the judge runs it through
the command palette: 1 when the agent opened the right folder, 0 when it opened another; without the
extension, 0 with the typed error naming what is missing, even with the right answer planted in the
file beforehand. One desktop session serves all."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import has
from palaestra.tasks.desktop.osworld import OSWorldTask, load_task

from .vscode_extension import write_vsix

INSTALL = [
    {
        "type": "download",
        "parameters": {"files": [{"url": "files/eval.vsix", "path": "/home/user/eval.vsix"}]},
    },
    {"type": "execute", "parameters": {"command": ["code", "--install-extension", "/home/user/eval.vsix"]}},
]

#: The file the judge reads, with the right answer, written before the judge runs (as an agent
#: could): it never counts.
PLANTED = {
    "type": "execute",
    "parameters": {"command": "printf project > /home/user/OpenProject.txt", "shell": True},
}


def task(folder: Path, install: bool) -> OSWorldTask:
    write_vsix(folder / "files" / "eval.vsix")
    config = [
        *(INSTALL if install else [PLANTED]),
        {
            "type": "command",
            "parameters": {"command": ["mkdir", "-p", "/home/user/project", "/home/user/other"]},
        },
        {"type": "launch", "parameters": {"command": ["code"]}},
        {"type": "activate_window", "parameters": {"window_name": "Visual Studio Code"}},
    ]
    data = {
        "id": "vscode-open-project" if install else "vscode-open-project-no-extension",
        "snapshot": "vscode",
        "instruction": 'Please help me use VS Code to open the "project" in the "user" folder under "home".',
        "config": config,
        "related_apps": ["vscode"],
        "evaluator": {
            "postconfig": [{"type": "activate_window", "parameters": {"window_name": "Visual Studio Code"}}],
            "func": "compare_config",
            "expected": {"type": "rule", "rules": {"expected": "project"}},
            "result": {
                "type": "vscode_config",
                "vscode_extension_command": "OpenProject",
                "path": "/home/user/OpenProject.txt",
                "dest": "OpenProject.txt",
            },
        },
    }
    path = folder / f"{data['id']}.json"
    path.write_text(json.dumps(data))
    return load_task(path)


@pytest.fixture(scope="module")
def tasks(tmp_path_factory: pytest.TempPathFactory) -> dict[bool, OSWorldTask]:
    folder = tmp_path_factory.mktemp("vscode-config")
    return {install: task(folder, install) for install in (True, False)}


@pytest.fixture(scope="module")
def env(tasks: dict[bool, OSWorldTask]) -> Iterator[DesktopEnv]:
    shared = DesktopEnv(tasks[True])
    yield shared
    shared.close()


def polled(
    env: DesktopEnv, obs: dict[str, Any], ready: Callable[[dict[str, Any]], bool], times: int
) -> dict[str, Any]:
    """The first observation for which ``ready`` holds, waiting half a second at a time (at most
    ``times`` times); the last one otherwise."""
    for _ in range(times):
        if ready(obs):
            break
        obs, *_ = env.step("wait(0.5)")
    return obs


def awaited(env: DesktopEnv, obs: dict[str, Any], ready: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The observation once ``ready`` holds, waiting half a second at a time (at most 20 times)."""
    obs = polled(env, obs, ready, 20)
    if ready(obs):
        return obs
    shown = [(e["role"], e["name"], e["value"]) for e in obs["elements"] if e["visible"]]
    raise AssertionError(f"never ready; the window is {obs['focused_window']!r}, showing {shown}")


def open_folder(env: DesktopEnv, name: str) -> tuple[float, dict[str, Any]]:
    """Open ``~/name`` as an agent would: File > Open Folder (Ctrl+K Ctrl+O), the folder's path
    typed into VS Code's own dialog, Enter; then done(). The reward and info of that last step."""
    assert env._home is not None
    obs, *_ = env.step("hotkey('ctrl', 'k')\nhotkey('ctrl', 'o')")
    obs = awaited(env, obs, lambda o: has(o, "combo box", "input"))
    path = f"{env._home / name}/"
    for _ in range(5):  # keys typed while the dialog still fills its field in are lost: again
        obs, *_ = env.step(f"hotkey('ctrl', 'a')\nwrite({path!r})\nwait(0.5)")
        if has_value(obs, "combo box", path):
            break
    title = f"{name} - Visual Studio Code"
    # Enter on the typed path may first step the dialog into the folder (it then lists the folder's
    # entries, here only ".."); Enter on that listing opens it. After each Enter, the observations
    # until the dialog shows its effect (as an agent reads the next one); an Enter it lost: again.
    for _ in range(5):
        before = dialog_state(obs)
        obs, *_ = env.step("press('enter')")
        obs = polled(env, obs, lambda o, before=before: dialog_state(o) != before, 6)
        if obs["focused_window"] == title or not has(obs, "combo box", "input"):
            break
    awaited(env, obs, lambda o: o["focused_window"] == title)
    _obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated
    return reward, info


def dialog_state(obs: dict[str, Any]) -> tuple[str, bool, tuple[str, ...]]:
    """What an Enter in the folder dialog changes: the window's title, whether the dialog is open,
    and the entries it lists."""
    listed = tuple(e["name"] for e in obs["elements"] if e["role"] == "list item" and e["visible"])
    return obs["focused_window"], has(obs, "combo box", "input"), listed


def has_value(obs: dict[str, Any], role: str, value: str) -> bool:
    return any(e["role"] == role and e["value"] == value and e["visible"] for e in obs["elements"])


def test_the_right_folder_scores_1_another_0(env: DesktopEnv, tasks: dict[bool, OSWorldTask]) -> None:
    env.task = tasks[True]
    env.reset(seed=0)
    reward, info = open_folder(env, "other")
    assert reward == 0.0 and not info["success"], info["task_info"]
    assert env._home is not None and (env._home / "OpenProject.txt").read_text() == "other"
    env.reset(seed=0)
    reward, info = open_folder(env, "project")
    assert reward == 1.0 and info["success"], info["task_info"]


def test_without_the_extension_the_verdict_is_0_and_says_what_is_missing(
    env: DesktopEnv, tasks: dict[bool, OSWorldTask]
) -> None:
    env.task = tasks[False]
    env.reset(seed=0)
    _obs, reward, terminated, _truncated, info = env.step("done()")
    assert reward == 0.0 and terminated
    [check] = info["task_info"]["checks"]
    assert "no installed VS Code extension contributes the command 'OpenProject'" in check["error"]
    assert env._home is not None and not (env._home / "OpenProject.txt").exists()  # planted, removed
