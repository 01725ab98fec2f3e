"""RemoteEnv and `palaestra serve`: agents and runs unchanged against environments in a server."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import gymnasium as gym
import httpx
import numpy as np
import pytest

from palaestra.cli import main
from palaestra.envs import make_env
from palaestra.envs.obs import ObsConfig
from palaestra.errors import ConfigError
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.results import load_rows
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.runs.trajectory import read_trajectory
from palaestra.server import RemoteEnv
from palaestra.server.remote import RemoteEnvError
from palaestra.server.run import ServerThread, free_port


def test_remote_env_is_a_gymnasium_environment(server: ServerThread) -> None:
    env = make_env("miniwob.click-test", server=server.url, obs_config=ObsConfig(dom=False))
    assert isinstance(env, RemoteEnv)
    try:
        obs, info = env.reset(seed=2)
        assert info["seed"] == 2 and env.action_set.name == "miniwob" and "dom" not in obs
        assert obs["screenshot"].shape == (320, 500, 3) and obs["screenshot"].dtype == np.uint8
        assert obs["screenshot"].any()  # real pixels, through PNG
        assert env.observation_space.contains(obs)
        obs, reward, terminated, truncated, info = env.step("click('15')")
        assert (reward, terminated, truncated, info["success"]) == (1.0, True, False, True)
        with pytest.raises(ConfigError, match="takes no options"):
            env.reset(seed=3, options={"task": "miniwob.enter-text"})  # refused, not ignored
        sid = env.session_id
        assert sid in server.context.sessions.sessions
    finally:
        env.close()
    assert sid not in server.context.sessions.sessions


def test_a_remote_env_asks_the_server_for_the_set_of_marks_screenshot(server: ServerThread) -> None:
    config = ObsConfig(dom=False, elements=False, screenshot=False, som=True)
    env = make_env("miniwob.click-test", server=server.url, obs_config=config)
    try:
        obs, _ = env.reset(seed=2)
        assert "screenshot" not in obs and obs["som_screenshot"].shape == (320, 500, 3)
        assert obs["som_screenshot"].any()  # real pixels, through PNG
        marks = obs["som_marks"].splitlines()
        assert marks and all(line.startswith("[") for line in marks)
        assert env.observation_space.contains(obs)
        button = next(line for line in marks if " button " in line)
        obs, reward, *_ = env.step(f"click('{button[1 : button.index(']')]}')")
        assert reward == 1.0
    finally:
        env.close()


def test_a_session_closed_by_the_server_is_reopened_and_a_dead_server_is_an_error(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server()
    env = RemoteEnv("miniwob.click-test", server=server.url, obs_config=ObsConfig(screenshot=False))
    try:
        env.reset(seed=0)
        first = env.session_id
        server.call(server.context.sessions.close_all())  # as the idle timeout would
        obs, _ = env.reset(seed=1)
        assert env.session_id != first and "Click" in obs["goal"]
        server.stop()
        obs, _, terminated, truncated, info = env.step("click('15')")
        assert truncated and not terminated and info["error"]["kind"] == "environment_error"
        assert "environment server failed" in obs["last_action_error"]
        assert info.keys() == {"success", "task_info", "messages", "infeasible", "error"}  # as every step's
    finally:
        env.close()


def test_a_remote_envs_space_is_the_tasks_from_the_start_so_async_vector_envs_work(
    server: ServerThread,
) -> None:
    """AsyncVectorEnv sizes its shared memory from the space of an environment it never resets:
    a RemoteEnv's space must be the task's before any session (a 0x0 screenshot broke the first reset)."""
    opened = server.context.sessions.opened
    config = ObsConfig(dom=False)
    env = RemoteEnv("miniwob.click-test", server=server.url, obs_config=config)
    local = make_env("miniwob.click-test", obs_config=config)  # never started: no browser
    try:
        assert env.observation_space == local.observation_space
        assert env.observation_space["screenshot"].shape == (320, 500, 3)
        assert env.action_set.name == "miniwob"
        assert list(env.action_set.actions) == list(local.action_set.actions)
        assert server.context.sessions.opened == opened and env.session_id is None  # no session for it
    finally:
        env.close()
        local.close()

    def remote() -> RemoteEnv:
        return RemoteEnv("miniwob.click-test", server=server.url, obs_config=config)

    envs = gym.vector.AsyncVectorEnv([remote, remote])
    try:
        obs, _ = envs.reset(seed=[2, 3])
        assert obs["screenshot"].shape == (2, 320, 500, 3) and obs["screenshot"][1].any()
        _, reward, terminated, _, _ = envs.step(["click('15')", "click('15')"])
        assert list(reward) == [1.0, 1.0] and all(terminated)
    finally:
        envs.close()


def test_a_remote_env_refuses_an_unknown_task_and_an_unreachable_server_when_made(
    server: ServerThread,
) -> None:
    with pytest.raises(RemoteEnvError) as caught:
        RemoteEnv("miniwob.click-tset", server=server.url)
    assert caught.value.code == "VALIDATION_ERROR" and "click-test" in str(caught.value)  # did you mean
    with pytest.raises(RemoteEnvError) as unreachable:
        RemoteEnv("miniwob.click-test", server=f"http://127.0.0.1:{free_port()}")
    assert unreachable.value.code == "UNREACHABLE" and "palaestra serve" in str(unreachable.value)


@pytest.mark.parametrize("task", ["desktop.calc-add", "osworld-json.multiply"])
def test_a_remote_desktop_task_takes_and_describes_pyautogui_actions(
    start_server: Callable[..., ServerThread], task: str
) -> None:
    """As the local DesktopEnv: PyAutoGUI calls parse into desktop actions and the prompt says so
    (a web action set once parsed `pyautogui.hotkey('ctrl', 's')` as an error)."""
    server = start_server()  # `pages_ahead` goes only to environments that take it: not a desktop
    env = RemoteEnv(task, server=server.url)
    local = make_env(task)  # never started: no display
    try:
        assert env.action_set.describe() == local.action_set.describe()
        assert "pyautogui" in env.action_set.describe().lower()
        actions = env.action_set.parse("pyautogui.hotkey('ctrl', 's')\npyautogui.write('12')")
        assert actions == local.action_set.parse("pyautogui.hotkey('ctrl', 's')\npyautogui.write('12')")
        assert [a.name for a in actions] == ["hotkey", "write"]
        assert env.observation_space == local.observation_space
        assert env.observation_space["screenshot"].shape == (800, 1280, 3)
    finally:
        env.close()
        local.close()


def test_a_refusal_carries_the_servers_error_code_and_status(server: ServerThread) -> None:
    """RemoteEnv decides (reopen a closed session or not) on the code of the server's structured
    error body, never on the words of its message."""
    env = RemoteEnv("miniwob.click-test", server=server.url)

    async def refused() -> RemoteEnvError:
        try:
            with pytest.raises(RemoteEnvError) as caught:
                await env._call("POST", "/sessions/no-such-session/reset", {"seed": 0})
            return caught.value
        finally:
            await env.aclose()

    error = asyncio.run(refused())
    assert (error.code, error.status) == ("SESSION_NOT_FOUND", 404)
    assert "no-such-session" in str(error)


def test_eval_with_env_server_runs_every_episode_in_the_server(
    server: ServerThread, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = server.context.sessions.opened
    argv = ["eval", "--agent", "oracle", "--tasks", "enter-text", "--seeds", "0-1", "--workers", "1",
            "--out", "run", "--env-server", server.url, "--record-demos"]  # fmt: skip
    assert main(argv) == 0
    rows = load_rows(tmp_path / "run")
    assert len(rows) == 2 and all(r["success"] for r in rows)
    assert server.context.sessions.opened > before and server.context.sessions.sessions == {}
    episode = read_trajectory(tmp_path / "run" / rows[0]["artifacts"])
    assert episode.header["source"] == "run" and episode.success and episode.demonstration_steps()


def test_an_episode_on_a_server_that_is_down_is_an_infrastructure_error(tmp_path: Path) -> None:
    """A served environment that cannot be made (the server went away during a run) is reported as
    the infrastructure's (`environment_error`, which runs retry), never as the agent's bug
    (`agent_error`, which resuming keeps)."""
    down = f"http://127.0.0.1:{free_port()}"
    worker = EpisodeWorker(RunSettings(env_server=down), str(tmp_path))
    try:
        out = worker.run(EpisodeSpec(AgentEntry("oracle"), "miniwob.enter-text", 0))
    finally:
        worker.close()
    assert out.error_kind == "environment_error", out
    assert "palaestra serve" in out.error_message


def test_eval_stops_before_anything_runs_on_a_server_it_cannot_reach_or_use(
    start_server: Callable[..., ServerThread],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each episode found the mistake in turn: the run went through every one and recorded each as
    an environment error. Now the command stops at once (exit 2) with the fix, and writes no run."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PALAESTRA_SERVER_TOKEN", raising=False)
    guarded = start_server(tokens=("the-token",))
    argv = ["eval", "--agent", "oracle", "--tasks", "enter-text", "--seeds", "0", "--workers", "1",
            "--out", "run"]  # fmt: skip
    down = f"http://127.0.0.1:{free_port()}"
    assert main([*argv, "--env-server", down]) == 2
    assert "cannot reach the environment server" in capsys.readouterr().err
    assert main([*argv, "--env-server", guarded.url]) == 2
    assert "needs a token and $PALAESTRA_SERVER_TOKEN is not set. Fix: export" in capsys.readouterr().err
    monkeypatch.setenv("PALAESTRA_SERVER_TOKEN", "not-the-token")
    assert main([*argv, "--env-server", guarded.url]) == 2
    assert "holds a token it does not take" in capsys.readouterr().err
    assert not (tmp_path / "run").exists() and guarded.context.sessions.opened == 0
    monkeypatch.setenv("PALAESTRA_SERVER_TOKEN", "the-token")
    assert main([*argv, "--env-server", guarded.url]) == 0
    (row,) = load_rows(tmp_path / "run")
    assert row["success"], row


@pytest.mark.parametrize("given", [["--token", ""], ["--token", " "], []])
def test_an_empty_token_never_opens_a_server_to_the_network(given: list[str]) -> None:
    """`--token "$TOKEN"` with TOKEN unset passes an empty token, which once served with no
    authentication at all on 0.0.0.0 (only a Host check, which a forged Host header passes)."""
    port = free_port()
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--host", "0.0.0.0", "--port", str(port)]
    command += given
    env = {k: v for k, v in os.environ.items() if k != "PALAESTRA_SERVER_TOKEN"}
    if not given:
        env["PALAESTRA_SERVER_TOKEN"] = ""  # set but empty: a token is generated, as with none
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        if not given:
            assert proc.stderr is not None and "Bearer " in proc.stderr.readline()
            return
        _, err = proc.communicate(timeout=60)  # serving instead of refusing would hang here
        assert proc.returncode == 2 and "token is empty" in err and "--token" in err
    finally:
        proc.kill()
        proc.wait(30)


def test_palaestra_serve_off_loopback_generates_and_requires_a_token() -> None:
    port = free_port()
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--host", "0.0.0.0", "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "PALAESTRA_SERVER_TOKEN"}
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env)
    try:
        assert proc.stderr is not None
        token = ""
        while not token:
            line = proc.stderr.readline()
            assert line, "palaestra serve stopped before printing a token"
            if "Bearer " in line:
                token = line.split("Bearer ")[1].split("`")[0]
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                assert httpx.get(f"{url}/health", timeout=2).status_code == 200
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert httpx.get(f"{url}/sessions").status_code == 401
        authed = httpx.get(f"{url}/sessions", headers={"Authorization": f"Bearer {token}"})
        assert authed.status_code == 200 and authed.json() == {"sessions": []}
    finally:
        proc.terminate()
        proc.wait(30)


def test_a_tool_env_plays_its_episodes_on_the_server(server: ServerThread) -> None:
    """`WebToolEnv(server=...)`: a trainer's rollouts played by a server, no browser beside the trainer."""
    from palaestra.envs.tool_env import WebToolEnv

    env = WebToolEnv(server=server.url)
    page = env.reset(task="miniwob.click-test", seed=2)
    button = re.search(r"\[(\d+)\] button 'Click Me!'", page)
    assert button, page
    assert env.click("99999").startswith("Error: No element with id '99999'")
    assert env.click(button.group(1)) == "The episode is over (reward 1): call no more tools."
    assert env.get_reward() == 1.0
