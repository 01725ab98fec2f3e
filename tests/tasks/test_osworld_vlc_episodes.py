"""The bundled VLC tasks (in OSWorld's format) on a real Xvfb with the real VLC 3.0: VLC starts
quietly and its Qt widgets are in the accessibility tree (clicked by element id); an episode that
says done at once scores 0, then the oracle's episode scores 1 through VLC's own shortcuts, file
dialog and preferences: judged by is_vlc_playing on the status VLC's HTTP interface gives (on the
episode's own port), by is_vlc_fullscreen on the screen's and VLC's window's sizes, and by
check_qt_max_volume on the vlcrc VLC writes (after OSWorld's postconfig, ``pkill vlc`` and a
fresh start). One desktop session serves all."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import find
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder, load_task

from .osworld_play import done_fails_and_the_oracle_solves

VLC = {t.spec.id: t for t in load_folder(BUNDLED) if "vlc" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(VLC["vlc-play-file"])
    yield shared
    shared.close()


def app_processes(env: DesktopEnv) -> list[psutil.Process]:
    """The episode's apps, as the desktop session lists them."""

    async def status() -> list[int]:
        assert env._client is not None
        reply, _ = await env._client.request({"op": "status"}, 10)
        return [a["pid"] for a in reply["apps"]]

    pids = asyncio.run_coroutine_threadsafe(status(), env._loop).result(10)  # type: ignore[arg-type]
    return [psutil.Process(pid) for pid in pids]


def test_the_vlc_tasks() -> None:
    assert sorted(VLC) == ["vlc-fullscreen", "vlc-max-volume", "vlc-play-file"]


def test_vlc_starts_quietly_and_its_widgets_are_clicked_by_id(env: DesktopEnv) -> None:
    env.task = VLC["vlc-max-volume"]
    obs, info = env.reset(seed=0)
    assert obs["focused_window"] == "VLC media player"  # no privacy dialog in front
    [click] = info["setup_commands"]  # OSWorld's click in the middle of the screen, filled in
    assert click["returncode"] == 0 and "{SCREEN" not in click["argv"][2], click
    [player] = app_processes(env)
    argv = player.cmdline()  # any local user may read it: the port, but no password
    assert any(a.startswith("--http-port=") for a in argv) and not any("password" in a for a in argv), argv
    assert [e["name"] for e in obs["elements"] if e["role"] == "menu item"][:3] == [
        "Media",
        "Playback",
        "Audio",
    ]
    obs, *_ = env.step(f"click('{find(obs, 'menu item', 'Tools')}')")
    assert find(obs, "menu item", "Preferences")  # an open menu's items are in the tree
    obs, *_ = env.step(f"click('{find(obs, 'menu item', 'Preferences')}')")
    assert obs["focused_window"] == "Simple Preferences"
    obs, *_ = env.step(f"click('{find(obs, 'radio button', 'All')}')")
    assert obs["focused_window"] == "Advanced Preferences", obs["last_action_error"]
    obs, *_ = env.step(f"click('{find(obs, 'push button', 'Cancel')}')")
    assert obs["focused_window"] == "VLC media player"


def test_a_file_given_at_launch_is_playing_when_the_episode_starts(env: DesktopEnv) -> None:
    env.task = VLC["vlc-fullscreen"]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "sunrise.avi - VLC media player"  # its title: the playing item
    obs, *_ = env.step("wait(1.5)")
    times = [
        e["name"] for e in obs["elements"] if e["role"] == "label" and re.fullmatch(r"\d\d:\d\d", e["name"])
    ]
    assert times[-1] == "00:30" and times[0] != "00:00", times  # its length is known, and time runs


@pytest.mark.parametrize("task_id", sorted(VLC))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    done_fails_and_the_oracle_solves(env, VLC[task_id])


def playing_task(folder: Path, relative: str) -> Path:
    """A task whose VLC starts playing ``relative`` (a bundled file, copied into HOME), judged by
    is_vlc_playing on that file's name."""
    name = Path(relative).name
    (folder / "files").mkdir(exist_ok=True)
    shutil.copy(BUNDLED / "files" / name, folder / "files" / name)
    data = {
        "id": f"play-{Path(name).stem}",
        "snapshot": "base_setup",
        "instruction": "Listen.",
        "config": [
            {
                "type": "download",
                "parameters": {"files": [{"url": f"files/{name}", "path": f"~/{relative}"}]},
            },
            {"type": "launch", "parameters": {"command": ["vlc", f"~/{relative}"]}},
        ],
        "related_apps": ["vlc"],
        "evaluator": {
            "func": "is_vlc_playing",
            "expected": {"type": "rule", "rules": {"type": "file_name", "file_name": name}},
            "result": {"type": "vlc_playing_info", "dest": "status.xml"},
        },
    }
    path = folder / f"{data['id']}.json"
    path.write_text(json.dumps(data))
    return path


def test_two_sessions_each_judge_their_own_vlc(env: DesktopEnv, tmp_path: Path) -> None:
    """Each launch of VLC has its own HTTP port and password: a judge asks its episode's VLC (found
    by its display), never the other session's (both run as the same desktop user)."""
    env.task = load_task(playing_task(tmp_path, "Videos/sunrise.avi"))
    other = DesktopEnv(load_task(playing_task(tmp_path, "Music/chime.wav")))
    try:
        env.reset(seed=0)
        other.reset(seed=0)  # the newer VLC
        _obs, reward, *_ = env.step("wait(0.5)")
        _obs, other_reward, *_ = other.step("wait(0.5)")
        assert (reward, other_reward) == (1.0, 1.0)
    finally:
        other.close()
