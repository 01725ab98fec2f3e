"""The bundled VS Code tasks (OSWorld's format) on a real Xvfb with real code-server in a real
Chromium app window: the workbench starts quietly at OSWorld's paths, its widgets are in the
accessibility tree and clicked by element id, only the episode reaches its server, and an episode
that says done at once scores 0 while the oracle's scores 1 (compare_text_file on the file the
editor saved, check_json_settings on the settings.json the Settings editor wrote, compare_config on
the file the bundled extension's OpenProject writes for the folder the oracle opened). One desktop
session serves all."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import find
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder

from .osworld_play import done_fails_and_the_oracle_solves
from .test_osworld_vlc_episodes import app_processes

VSCODE = {t.spec.id: t for t in load_folder(BUNDLED) if "vscode" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(VSCODE["vscode-line-length"])
    yield shared
    shared.close()


@pytest.fixture(scope="module")
def started(env: DesktopEnv) -> dict[str, Any]:
    """The first observation of one vscode-line-length episode, shared by the tests that only look
    at a freshly started workbench and its server: a VS Code reset is this module's costliest step
    (5-10 s), and neither test acts on anything the other checks (the workbench test clicks a tab
    of its own; the server test reads processes, the loopback and the runtime folder)."""
    env.task = VSCODE["vscode-line-length"]
    obs, _info = env.reset(seed=0)
    return obs


def episode_processes(env: DesktopEnv) -> list[psutil.Process]:
    """The episode's apps and everything they started."""
    return [p for app in app_processes(env) for p in (app, *app.children(recursive=True))]


def command_line(process: psutil.Process) -> list[str]:
    """The process's argv; empty when it ended since it was listed (a short-lived child of an app
    can be a zombie by the time it is read)."""
    try:
        return process.cmdline()
    except (psutil.ZombieProcess, psutil.NoSuchProcess):
        return []


def test_the_vscode_tasks() -> None:
    assert sorted(VSCODE) == [
        "vscode-install-vsix",
        "vscode-line-length",
        "vscode-open-project",
        "vscode-replace-text",
    ]


def test_the_workbench_starts_quietly_at_osworlds_paths(env: DesktopEnv, started: dict[str, Any]) -> None:
    obs = started
    assert obs["focused_window"] == "Visual Studio Code"  # no welcome page or walkthrough open
    assert find(obs, "section", "Editor Group 1 (empty)")
    home = env._home
    assert home is not None
    settings = json.loads((home / ".config/Code/User/settings.json").read_text())
    assert settings["workbench.startupEditor"] == "none" and settings["telemetry.telemetryLevel"] == "off"
    assert (home / ".vscode/extensions").is_dir()
    obs, *_ = env.step(f"click('{find(obs, 'page tab', 'Extensions (Ctrl+Shift+X)')}')")
    assert obs["last_action_error"] == ""
    obs, *_ = env.step("wait(1)")
    assert find(obs, "heading", "EXTENSIONS") and find(obs, "entry", "Search Extensions in Marketplace")


def test_only_the_episode_reaches_its_server(env: DesktopEnv, started: dict[str, Any]) -> None:
    [server] = [p for p in episode_processes(env) if command_line(p)[:1] == ["node"]]
    argv = server.cmdline()  # any local user may read it: the port, but no password
    assert not any("password=" in a or "PASSWORD" in a for a in argv), argv
    [port] = [a.split(":")[-1] for a in argv if a.startswith("--bind-addr=127.0.0.1:")]
    probe = (
        "import urllib.request, sys\n"
        f"reply = urllib.request.urlopen('http://127.0.0.1:{port}/', timeout=10)\n"
        "print(reply.url)\n"
    )
    # Another user of the host reaches nothing there: the server is on the session's own loopback
    # (`net_namespace`); in the session's namespace, the workbench asks it for the password.
    from_host = subprocess.run(
        ["/usr/bin/python3", "-c", probe], user="nobody", cwd="/", capture_output=True, text=True, timeout=30
    )
    assert from_host.returncode != 0 and "/login" not in from_host.stdout
    assert env._client is not None and env._client.proc is not None
    inside = ["nsenter", f"--net=/proc/{env._client.proc.pid}/ns/net", "--setuid=65534", "--setgid=65534"]
    other = subprocess.run(
        [*inside, "/usr/bin/python3", "-c", probe], cwd="/", capture_output=True, text=True, timeout=30
    )
    assert other.returncode == 0, other.stderr
    assert "/login" in other.stdout  # the workbench asks for the password it does not have
    assert env._home is not None
    secrets_ = list((env._home.parent / "runtime").glob("code-server-*.secret"))
    readable = subprocess.run(
        ["cat", *map(str, secrets_)], user="nobody", cwd="/", capture_output=True, text=True, timeout=10
    )
    assert secrets_ and readable.returncode != 0


@pytest.mark.parametrize("task_id", sorted(VSCODE))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    done_fails_and_the_oracle_solves(env, VSCODE[task_id])
