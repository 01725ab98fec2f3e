"""Each desktop episode's process limit, on real Xvfb sessions and this machine's real cgroup (v1
here: the pids hierarchy): a command that forks past it is refused forks inside its episode while
the session, its display and its app go on, the episode's figures count the refusals, and the next
episode starts from zero; a fork bomb left holding the episode full does not stop the judge's
commands that need no fork, nor the next episode. The limit is checked like memory_limit_mb."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import gymnasium as gym
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.desktop.client import SessionClient, limits_note
from palaestra.envs.desktop.session_limits import DEFAULT_PIDS_LIMIT, check_isolation, check_limits
from palaestra.errors import ConfigError

from .test_desktop_resources import LimitedSessions

#: Forks this many children that wait, counting the forks refused; kills them; prints both counts.
FORKS = """
import os, signal, sys, time
made, refused = [], 0
for _ in range(int(sys.argv[1])):
    try:
        pid = os.fork()
    except BlockingIOError:
        refused += 1
        continue
    if pid == 0:
        time.sleep(120)
        os._exit(0)
    made.append(pid)
for pid in made:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(len(made), refused)
"""
#: A fork bomb that stays: every process forks again and again, a refused one tries again after
#: 0.2 s, so the episode stays full (a slot a finished command frees is taken again).
BOMB = """
import os, time
while True:
    try:
        os.fork()
    except BlockingIOError:
        time.sleep(0.2)
"""
LIMIT = 40


def wait_for(condition: Callable[[], bool], attempts: int = 200) -> bool:
    """Whether ``condition`` holds within ``attempts`` tries 0.05 s apart (a state, not a speed)."""
    for _ in range(attempts):
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def sessions() -> Iterator[LimitedSessions]:
    made = LimitedSessions()
    yield made
    made.close()


def pids_folder(sessions: LimitedSessions, client: SessionClient) -> Path:
    """The episode's leaf in the host's pids hierarchy (v1; v2: the unified one), found from a
    command inside."""
    lines = sessions.command(client, "cat", "/proc/self/cgroup")["stdout"].splitlines()
    found = {line.split(":")[1]: line.split(":", 2)[2] for line in lines}
    v1 = client.info["cgroup"] == "v1"
    path = found["pids" if v1 else ""]
    assert f"palaestra-desktop-{client.info['pid']}/episode-" in path, lines
    return Path("/sys/fs/cgroup", "pids" if v1 else "", path.lstrip("/"))


def test_forks_past_the_limit_are_refused_inside_the_episode_and_counted(sessions: LimitedSessions) -> None:
    client = sessions.start_with(pids_limit=LIMIT)
    assert client.info["cgroup"] in ("v1", "v2") and client.info["pids_limit"] == LIMIT
    sessions.ask(client, {"op": "episode", "apps": [["galculator"]]})
    leaf = pids_folder(sessions, client)
    assert (leaf / "pids.max").read_text().strip() == str(LIMIT)
    assert (leaf.parent / "infra" / "pids.max").read_text().strip() == "max"  # Xvfb and the bus: free
    done = sessions.command(client, "python3", "-c", FORKS, "100")
    made, refused = map(int, done["stdout"].split())
    assert done["returncode"] == 0 and 0 < made < LIMIT and made + refused == 100, done
    figures = sessions.figures(client)  # the session answers; its display and app are up
    assert figures["source"] == "cgroup" and figures["pids_max_hits"] >= refused, figures
    assert [app["returncode"] for app in sessions.ask(client, {"op": "status"})["apps"]] == [None]
    sessions.ask(client, {"op": "episode"})  # the next episode: from zero, and forks again
    assert sessions.figures(client)["pids_max_hits"] == 0
    done = sessions.command(client, "python3", "-c", FORKS, "10")
    assert done["stdout"].split() == ["10", "0"], done


def test_a_fork_bomb_fills_its_episode_only(sessions: LimitedSessions) -> None:
    """The bomb holds the episode at its limit; the session still observes (a screenshot through
    Xvfb), a command that needs no fork still runs in the full episode (a judge's `cat`), and the
    next episode kills the bomb and starts clean. Another session (the default limit) is unaffected."""
    client = sessions.start_with(pids_limit=LIMIT)
    other = sessions.start()
    sessions.ask(client, {"op": "episode", "apps": [["galculator"]]})
    sessions.ask(other, {"op": "episode"})
    started = sessions.command(client, "sh", "-c", f"python3 -c '{BOMB}' >/dev/null 2>&1 &")
    assert started["returncode"] == 0, started
    leaf = pids_folder(sessions, client)  # `cat`: no fork, so it runs in the full episode too
    assert wait_for(lambda: int((leaf / "pids.current").read_text()) >= LIMIT)
    assert pids_folder(sessions, client) == leaf
    reply, shot = sessions.run(client.request({"op": "observe", "tree": False, "screenshot": True}, 60))
    assert shot and reply["resources"]["pids_max_hits"] > 0
    assert sessions.ask(client, {"op": "status"})["apps"][0]["returncode"] is None
    assert sessions.command(other, "python3", "-c", FORKS, "60")["stdout"].split() == ["60", "0"]
    sessions.ask(client, {"op": "episode"})
    assert sessions.figures(client)["pids_max_hits"] == 0
    assert int((pids_folder(sessions, client) / "pids.current").read_text()) == 0  # the bomb is gone
    assert sessions.command(client, "python3", "-c", FORKS, "10")["stdout"].split() == ["10", "0"]


def test_the_process_limit_is_checked_and_its_default_asks_for_nothing() -> None:
    assert check_limits(None, None)["pids_limit"] == DEFAULT_PIDS_LIMIT
    assert check_limits(None, None, None)["pids_limit"] is None
    for bad in (0, 15, 64.0, "4096", True):
        with pytest.raises(
            ConfigError, match="pids_limit must be a whole number of processes and threads, at"
        ):
            check_limits(None, None, bad)
    with pytest.raises(ConfigError, match="pids_limit must be"):
        gym.make("palaestra/desktop.calc-add", pids_limit=8)
    assert DesktopEnv("desktop.calc-add", pids_limit=None).limits["pids_limit"] is None
    default, explicit = check_limits(None, None), check_limits(None, None, 512)
    assert check_isolation("off", default) == "off"  # the default needs no cgroup
    with pytest.raises(ConfigError, match=r"need the session's cgroup.*\(asked: pids_limit\)"):
        check_isolation("off", explicit)
    refused = {"cgroup": "none", "cgroup_refused": "not run as root", "pids_limit": None}
    assert limits_note(refused, default) == ""  # no warning for a default that cannot hold
    assert "pids_limit asked for" in limits_note(refused, explicit)
    no_pids = {"cgroup": "v1", "pids_limit": None}
    assert "no pids controller" in limits_note(no_pids, explicit)
    assert (
        limits_note(no_pids, default) == ""
        and limits_note({"cgroup": "v1", "pids_limit": 512}, explicit) == ""
    )
