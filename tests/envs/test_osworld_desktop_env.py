"""OSWorld's own run loop's calls on Palaestra's desktop (`OSWorldDesktopEnv`): ``reset(task_config=)``
with task files' JSON objects, one after another on one display, ``_get_obs()``, four-valued
``step(action, pause)`` with PyAutoGUI code and computer_13 dicts, ``evaluate()`` for tasks judged
after every step and at the end, and the recording calls; on a real Xvfb with real apps."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import OSWorldDesktopEnv
from palaestra.errors import ConfigError, EnvStateError
from palaestra.tasks.desktop.osworld import BUNDLED

#: Judged at the end (its postconfig acts): OSWorld's loop calls evaluate() without DONE.
AT_END: dict[str, Any] = {
    "id": "make-executable",
    "snapshot": "os",
    "instruction": "Make run.sh in your home folder executable.",
    "config": [{"type": "execute", "parameters": {"command": ["bash", "-c", "echo 'echo hi' > ~/run.sh"]}}],
    "related_apps": ["os"],
    "evaluator": {
        "postconfig": [{"type": "execute", "parameters": {"command": ["true"]}}],
        "func": "check_include_exclude",
        "result": {
            "type": "vm_command_line",
            "command": ["bash", "-c", "[ -x ~/run.sh ] && echo yes || echo no"],
        },
        "expected": {"type": "rule", "rules": {"include": ["yes"], "exclude": ["no"]}},
    },
}


def _multiply() -> dict[str, Any]:
    return dict(json.loads((BUNDLED / "multiply.json").read_text()))


def test_osworlds_loop_runs_tasks_one_after_another_and_evaluates_them(tmp_path: Path) -> None:
    env = OSWorldDesktopEnv(action_space="pyautogui", screen_size=(1280, 800), task_root=BUNDLED)
    try:
        obs = env.reset(task_config=_multiply())
        assert set(obs) == {"screenshot", "accessibility_tree", "terminal", "instruction"}
        assert env._get_obs() is obs and obs["instruction"].startswith("Work out 37 times 12")
        assert obs["screenshot"].startswith(b"\x89PNG") and "galculator" in str(obs["accessibility_tree"])
        obs, reward, done, info = env.step("pyautogui.write('37*12=')", 0.5)
        assert (reward, done, info["done"]) == (1.0, True, True)
        assert env.evaluate() == 1.0

        # The next task on the same display; its postconfig and check run when evaluate() is called.
        obs = env.reset(task_config=AT_END)
        assert obs["instruction"] == AT_END["instruction"]
        script = (
            "pyautogui.hotkey('ctrl', 'alt', 't')\ntime.sleep(0.5)\npyautogui.typewrite('chmod +x run.sh\\n')"
        )
        _, reward, done, _ = env.step(script)
        assert (reward, done) == (0.0, False)  # judged at the end only
        assert env.evaluate() == 1.0 and env.evaluate() == 1.0
        env.reset()  # the same task again: nothing done, nothing earned
        assert env.evaluate() == 0.0

        env.controller.start_recording()
        with pytest.warns(UserWarning, match="records no screen video"):
            env.controller.end_recording(tmp_path / "recording.mp4")
        assert not (tmp_path / "recording.mp4").exists()
    finally:
        env.close()


def test_computer_13_actions_may_be_dicts_and_misuse_says_the_fix() -> None:
    with pytest.raises(ConfigError, match="'pyautogui' or 'computer_13'"):
        OSWorldDesktopEnv(action_space="computer13")
    env = OSWorldDesktopEnv(action_space="computer_13", screen_size=(1280, 800), task_root=BUNDLED)
    try:
        with pytest.raises(EnvStateError, match="needs a task_config the first time"):
            env.reset()
        env.reset(task_config=_multiply())
        _, reward, done, _ = env.step({"action_type": "TYPING", "parameters": {"text": "37*12="}})
        assert (reward, done, env.evaluate()) == (1.0, True, 1.0)
    finally:
        env.close()
