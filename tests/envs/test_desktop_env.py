"""DesktopEnv on a real Xvfb with real apps and real AT-SPI: observations, actions, crashes and cleanup."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import gymnasium as gym
import numpy as np
import psutil
import pytest
from gymnasium.utils.env_checker import check_env

from palaestra.envs.desktop import DesktopEnv
from palaestra.errors import ConfigError, DesktopUnavailableError, EnvStateError
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import load, play_oracle
from tests.envs.desktop_sessions import one_session, playing

from ..user_docs import user_docs_text


def _session_pids(env: DesktopEnv) -> dict[str, int]:
    async def status() -> dict[str, int]:
        assert env._client is not None
        reply, _ = await env._client.request({"op": "status"}, 10)
        return dict(reply["infra"]) | {f"app{i}": a["pid"] for i, a in enumerate(reply["apps"])}

    return asyncio.run_coroutine_threadsafe(status(), env._loop).result(10)  # type: ignore[arg-type]


def _wait_dead(pid: int) -> None:
    """Until the signal has done its work (a zombie waiting for its reaper, or gone)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return
        except psutil.NoSuchProcess:
            return
        time.sleep(0.01)


def _gone(pids: list[int]) -> bool:
    """Exited and reaped: no such process, not even a zombie."""
    return not any(psutil.pid_exists(pid) for pid in pids)


@pytest.fixture(scope="module")
def shared() -> Iterator[DesktopEnv]:
    """One session for the tests that only play episodes on it (each from a reset of its own): a
    session's start and stop less per test. Tests that kill the display or close the environment
    have their own (`own_calc`)."""
    yield from one_session()


@pytest.fixture
def calc(shared: DesktopEnv) -> DesktopEnv:
    return playing(shared, "desktop.calc-add")


@pytest.fixture
def own_calc() -> Iterator[DesktopEnv]:
    env = DesktopEnv("desktop.calc-add")
    yield env
    env.close()


def test_observation_and_actions_by_id_and_by_coordinates(calc: DesktopEnv) -> None:
    obs, _ = calc.reset(seed=3)
    assert calc.observation_space.contains(obs)
    assert obs["screenshot"].shape == (800, 1280, 3) and obs["screenshot"].std() > 0
    assert obs["focused_window"] == "galculator" and obs["windows"][0]["app"] == "Galculator"
    buttons = {e["name"]: e for e in obs["elements"] if e["role"] == "toggle button"}
    assert f"[{buttons['7']['id']}] toggle button '7'" in obs["axtree"]
    x, y, w, h = buttons["8"]["bbox"]
    obs, _reward, terminated, _truncated, _info = calc.step(
        f"click('{buttons['7']['id']}')\nclick({x + w / 2}, {y + h / 2})"
    )
    assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["78"]
    assert obs["last_action_error"] == "" and not terminated
    obs, *_ = calc.step("click('9999')")
    assert "No element '9999'" in obs["last_action_error"]
    obs, *_ = calc.step("import os")
    assert "not an action call" in obs["last_action_error"]
    assert not np.array_equal(obs["screenshot"], np.zeros_like(obs["screenshot"]))


def test_a_killed_app_ends_the_episode_and_the_next_reset_recovers(calc: DesktopEnv) -> None:
    calc.reset(seed=0)
    pids = _session_pids(calc)
    os.kill(pids["app0"], signal.SIGKILL)
    _wait_dead(pids["app0"])
    obs, _reward, _terminated, truncated, info = calc.step("press('1')")
    assert truncated and info["error"]["kind"] == "app_crashed"
    # As every step's, and the episode's figures as any ending step's (`DesktopJudging.resources`).
    assert info.keys() == {"success", "task_info", "messages", "infeasible", "error", "resources"}
    obs, _ = calc.reset(seed=1)
    assert obs["focused_window"] == "galculator"
    assert _gone([pids["app0"]]), "the killed app was not reaped"


def test_a_killed_display_is_replaced_and_close_leaves_nothing(own_calc: DesktopEnv) -> None:
    own_calc.reset(seed=0)
    first = _session_pids(own_calc)
    os.kill(first["xvfb"], signal.SIGKILL)
    _wait_dead(first["xvfb"])
    obs, _reward, _terminated, truncated, info = own_calc.step("press('1')")
    assert truncated and info["error"]["kind"] in ("display_crashed", "app_crashed")
    obs, _ = own_calc.reset(seed=1)  # a new session
    second = _session_pids(own_calc)
    assert obs["focused_window"] == "galculator" and second["xvfb"] != first["xvfb"]
    own_calc.close()
    assert _gone(list(first.values()) + list(second.values())), "a process of the desktop outlived close()"


@pytest.mark.parametrize(
    "task", ["calc-report", "editor-new-file", "sheet-sum", "files-move", "term-count-lines"]
)
def test_oracles_solve_one_task_of_each_app(shared: DesktopEnv, task: str) -> None:
    playing(shared, f"desktop.{task}")
    obs, _ = shared.reset(seed=7)
    (_, reward, _, _, info), errors = play_oracle(shared, load()[task], obs)
    assert errors == [] and reward == 1.0 and info["success"], info  # the judge's verdict says why not


def test_an_osworld_style_reply_is_played_as_its_fenced_code(calc: DesktopEnv) -> None:
    """OSWorld's agents answer with a reflection, then code in ``` fences, or ```WAIT``` alone; their
    code moves with tweens and passes PyAutoGUI's pacing arguments."""
    obs, _ = calc.reset(seed=4)
    obs, _reward, terminated, _truncated, _info = calc.step("The window is still opening.\n```WAIT```")
    assert obs["last_action_error"] == "" and not terminated
    centres = {}
    for e in obs["elements"]:
        if e["role"] == "toggle button":
            x, y, w, h = e["bbox"]
            centres[e["name"]] = (round(x + w / 2), round(y + h / 2))
    expression = re.search(r"compute (.+?) and leave", obs["goal"])
    assert expression is not None
    keys = [*expression.group(1).replace(" ", ""), "="]
    first, *rest = keys
    code = [f"pyautogui.moveTo({centres[first][0]}, {centres[first][1]}, 0.2, pyautogui.easeInOutQuad)"]
    code.append("pyautogui.click(button=pyautogui.PRIMARY, _pause=False)")
    code += [f"pyautogui.click({centres[k][0]}, {centres[k][1]}, interval=0.1, _pause=False)" for k in rest]
    reply = (
        "I type the sum on the keypad.\n```python\nimport pyautogui\n" + "\n".join(code) + "\n```\nDone next."
    )
    obs, reward, terminated, _truncated, info = calc.step(reply)
    assert obs["last_action_error"] == "", obs["last_action_error"]
    assert reward == 1.0 and info["success"]


def test_screen_size_sets_the_display_and_the_observation_space() -> None:
    """OSWorld's desktop is 1920 x 1080; a task's default is 1280 x 800."""
    env = gym.make("palaestra/desktop.calc-add", screen_size=(1920, 1080))
    try:
        obs, _ = env.reset(seed=2)
        assert obs["screenshot"].shape == (1080, 1920, 3) and env.observation_space.contains(obs)
        assert env.unwrapped.session_info["size"] == [1920, 1080]  # type: ignore[attr-defined]
        plan = load()["calc-add"](obs)
        _obs, reward, terminated, _truncated, _info = env.step(next(plan))
        assert reward == 1.0 and terminated
    finally:
        env.close()
    for bad in [(1920,), (100, 100), (1920.0, 1080), "1920x1080"]:
        with pytest.raises(ValueError, match=r"screen_size must be \(width, height\)"):
            DesktopEnv("desktop.calc-add", screen_size=bad)  # type: ignore[arg-type]


def test_gymnasium_env_checker_passes_through_gym_make() -> None:
    """Made by its id the environment has a spec, so the checker also holds ``reset(seed=s)`` to
    give the same observation twice: element records once carried the app's D-Bus connection name
    (":1.2", then ":1.3"), which changes each time the app starts."""
    env = gym.make("palaestra/desktop.calc-add")
    try:
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=0)
        assert {e["attributes"]["app"] for e in obs["elements"]} == {"galculator"}
    finally:
        env.close()


def test_the_file_manager_shows_the_same_episode_the_same_way() -> None:
    """Gymnasium's checker holds ``reset(seed=s)`` to repeat the observation: every episode's HOME
    has one path (the location bar showed `home-1`, then `home-2`), and pcmanfm shows no status bar
    (it showed the machine's free disk space, which other programs change)."""
    env = gym.make("palaestra/desktop.files-copy")
    try:
        check_env(env.unwrapped, skip_render_check=True)
        obs, _ = env.reset(seed=0)
        assert "Free space" not in obs["axtree"] and "/home/Documents" in obs["axtree"]
    finally:
        env.close()


def test_typed_numbers_keep_their_repeated_digits(calc: DesktopEnv) -> None:
    """galculator ignores a key pressed again within about 0.1 s: '7311' once read as '731'."""
    calc.reset(seed=0)
    obs, *_ = calc.step("pyautogui.write('7311')")
    assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["7311"]
    obs, *_ = calc.step("pyautogui.press('escape')\npyautogui.press('1', presses=3)\npyautogui.press('1')")
    assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["1111"]


@pytest.mark.parametrize("marker", ['gym.make("palaestra/desktop.', "class WriteHello("])
def test_the_readmes_desktop_snippets_print_what_their_comments_say(marker: str, tmp_path: Path) -> None:
    [block] = [b for b in re.findall(r"```python\n(.*?)```", user_docs_text(), re.S) if marker in b]
    expected = [line.split("  # ", 1)[1] for line in block.splitlines() if line.startswith("print(")]
    done = subprocess.run(
        [sys.executable, "-c", block], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == expected


def test_a_mistyped_key_gets_did_you_mean(calc: DesktopEnv) -> None:
    calc.reset(seed=0)
    obs, _reward, terminated, truncated, _info = calc.step("pyautogui.press('entr')")
    assert "Unknown key 'entr'. Did you mean: `enter`" in obs["last_action_error"]
    assert not terminated and not truncated


def _pointer(env: DesktopEnv) -> list[int]:
    async def where() -> list[int]:
        assert env._client is not None
        reply, _ = await env._client.request({"op": "observe", "tree": False, "screenshot": False}, 10)
        return list(reply["pointer"])

    return asyncio.run_coroutine_threadsafe(where(), env._loop).result(10)  # type: ignore[arg-type]


def test_relative_moves_and_drags_go_from_the_pointer(calc: DesktopEnv) -> None:
    """PyAutoGUI's move/moveRel and drag/dragRel: offsets from where the pointer is."""
    obs, _ = calc.reset(seed=0)
    x, y, w, h = next(e["bbox"] for e in obs["elements"] if e["name"] == "7")
    centre = (round(x + w / 2), round(y + h / 2))
    obs, *_ = calc.step(
        f"pyautogui.moveTo({centre[0] - 40}, {centre[1]})\npyautogui.move(40, 0)\npyautogui.click()"
    )
    assert obs["last_action_error"] == "" and _pointer(calc) == list(centre)
    assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["7"]
    obs, *_ = calc.step("pyautogui.moveTo(300, 300)\npyautogui.dragRel(-100, 25, duration=0.1)")
    assert obs["last_action_error"] == "" and _pointer(calc) == [200, 325]


def test_a_step_after_close_says_to_reset_and_starts_no_desktop(own_calc: DesktopEnv) -> None:
    """It once started a new display with no apps on it and judged the empty screen: reward 0, no error."""
    own_calc.reset(seed=0)
    own_calc.close()
    with pytest.raises(EnvStateError, match=r"after close\(\)\): call reset\(\)"):
        own_calc.step("press('1')")
    assert own_calc._client is None
    obs, _ = own_calc.reset(seed=1)
    assert obs["focused_window"] == "galculator"


def test_a_step_after_the_end_earns_no_reward_again(calc: DesktopEnv) -> None:
    """An RL client stepping past `done` was paid the end's reward again on every late step."""
    obs, _ = calc.reset(seed=2)
    (_, reward, terminated, _, info), _errors = play_oracle(calc, load()["calc-add"], obs)
    assert (reward, terminated, info["success"]) == (1.0, True, True)
    obs, reward, terminated, truncated, info = calc.step("press('1')")
    assert (reward, terminated, truncated) == (0.0, True, False)
    assert "episode is over" in obs["last_action_error"]


def test_an_unknown_render_mode_is_a_config_error_with_did_you_mean() -> None:
    with pytest.raises(
        ConfigError, match=r"render_mode \(or None\) must be one of `rgb_array`.*Did you mean"
    ):
        DesktopEnv("desktop.calc-add", render_mode="rgb_arrays")


class _NeedsMissingApp(DesktopTask):
    name = "desktop.needs-missing-app"

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(goal="Open the app.", apps=(("palaestra-no-such-app", "~/x"),))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def test_a_task_whose_app_is_not_installed_says_so_at_once() -> None:
    """It once waited 15 s for a window twice, then raised the session's traceback."""
    env = DesktopEnv(_NeedsMissingApp())
    try:
        with pytest.raises(
            DesktopUnavailableError, match="needs palaestra-no-such-app, which is not installed"
        ):
            env.reset(seed=0)
        assert env._client is None  # no display was started for it
    finally:
        env.close()


class _AppExitsAtOnce(DesktopTask):
    name = "desktop.app-exits-at-once"

    def setup(self, rng: random.Random) -> DesktopSetup:
        script = "echo 'cannot open the file' >&2; echo 'giving up' >&2; exit 3"
        return DesktopSetup(goal="Open the app.", apps=(("sh", "-c", script),))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def test_an_app_that_exits_before_showing_a_window_says_why_at_once() -> None:
    """It once waited 15 s for a window, started a new display and waited 15 s again."""
    env = DesktopEnv(_AppExitsAtOnce())
    try:
        with pytest.raises(DesktopUnavailableError) as failed:
            env.reset(seed=0)
        message = str(failed.value)
        assert "desktop.app-exits-at-once" in message and "sh exited with status 3" in message
        assert message.endswith("cannot open the file\ngiving up")
        first = env._client
        assert first is not None and first.alive  # the display was not replaced: it was not at fault
        with pytest.raises(DesktopUnavailableError, match="sh exited with status 3"):
            env.reset(seed=1)
        assert env._client is first
    finally:
        env.close()
