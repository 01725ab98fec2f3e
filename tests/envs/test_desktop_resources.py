"""Each desktop session run by root in a cgroup of its own, on real Xvfb sessions and real processes:
a command that allocates past the session's memory limit is killed inside it (the same command runs
to its end without one) while the session and the next episode go on; each episode's figures count
its own processes from zero (a busy loop's CPU seconds, little for an idle episode); the cgroup is
gone when the session ends, and a killed session's is removed by the next one. Without cgroups the
session runs without limits, warns once, and counts over its processes instead."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gymnasium as gym
import pytest

from palaestra.envs.desktop.client import SessionClient, limits_note
from palaestra.envs.desktop.session_limits import check_limits
from palaestra.errors import ConfigError

from .test_desktop_isolation import Sessions

#: Allocates and touches this many MiB, then exits 0.
ALLOCATE = "import sys; block = b'x' * ({} << 20); sys.exit(0)"
#: Spends this many seconds of CPU, then exits: CPU time, not wall time, so a loaded machine only
#: makes it take longer.
BUSY = "import time\nstart = time.process_time()\nwhile time.process_time() - start < {}: pass"


class LimitedSessions(Sessions):
    def start_with(self, **limits: Any) -> SessionClient:
        client = SessionClient(640, 480, **limits)
        self.run(client.start())
        self.clients.append(client)
        return client

    def figures(self, client: SessionClient) -> dict[str, Any]:
        return dict(self.ask(client, {"op": "observe", "tree": False, "screenshot": False})["resources"])


@pytest.fixture(scope="module")
def sessions() -> Iterator[LimitedSessions]:
    made = LimitedSessions()
    yield made
    made.close()


def session_cgroup(sessions: Sessions, client: SessionClient) -> dict[str, Path]:
    """The session's cgroup folders on the host ("memory" and "cpu"), found from a command inside."""
    lines = sessions.command(client, "cat", "/proc/self/cgroup")["stdout"].splitlines()
    found = {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else ["memory", "cpu"]:
            folder = Path("/sys/fs/cgroup", name if controllers else "", path.lstrip("/")).parent
            if name in ("memory", "cpu") and f"palaestra-desktop-{client.info['pid']}" in path:
                found[name] = folder
    assert set(found) == {"memory", "cpu"}, lines
    return found


def test_a_command_past_the_memory_limit_is_killed_inside_and_the_session_goes_on(
    sessions: LimitedSessions,
) -> None:
    free = sessions.start()
    sessions.ask(free, {"op": "episode"})
    assert sessions.command(free, "python3", "-c", ALLOCATE.format(300))["returncode"] == 0
    client = sessions.start_with(memory_limit_mb=200)
    assert client.info["cgroup"] in ("v1", "v2")
    sessions.ask(client, {"op": "episode", "apps": [["galculator"]]})
    folder = session_cgroup(sessions, client)["memory"]
    limit = folder / ("memory.limit_in_bytes" if client.info["cgroup"] == "v1" else "memory.max")
    assert int(limit.read_text()) == 200 << 20
    killed = sessions.command(client, "python3", "-c", ALLOCATE.format(300))
    assert killed["returncode"] == -9, killed
    figures = sessions.figures(client)  # the session answers, its display and app still up
    assert figures["oom_kills"] == 1 and figures["source"] == "cgroup"
    status = sessions.ask(client, {"op": "status"})
    assert [app["returncode"] for app in status["apps"]] == [None]
    sessions.ask(client, {"op": "episode"})
    assert sessions.figures(client)["oom_kills"] == 0
    assert sessions.command(client, "python3", "-c", ALLOCATE.format(50))["returncode"] == 0


def test_an_episodes_cpu_seconds_grow_with_a_busy_loop_and_stay_small_when_idle(
    sessions: LimitedSessions,
) -> None:
    client = sessions.start()
    sessions.ask(client, {"op": "episode"})
    time.sleep(1)  # an idle second of wall time: no CPU of the episode's
    idle = sessions.figures(client)
    assert idle["cpu_s"] < 0.2 and idle["source"] == "cgroup", idle
    sessions.command(client, "python3", "-c", BUSY.format(1.5))
    busy = sessions.figures(client)
    assert busy["cpu_s"] >= 1.5 and busy["peak_memory_mb"] > 1, busy
    sessions.ask(client, {"op": "episode"})  # the next episode counts from zero
    assert sessions.figures(client)["cpu_s"] < 0.2


def test_the_cgroup_is_gone_at_the_sessions_end_and_a_killed_sessions_at_the_next_start(
    sessions: LimitedSessions,
) -> None:
    ended = sessions.start_with(cpu_weight=50)
    sessions.ask(ended, {"op": "episode"})
    folders = session_cgroup(sessions, ended)
    shares = folders["cpu"] / ("cpu.shares" if ended.info["cgroup"] == "v1" else "cpu.weight")
    assert int(shares.read_text()) == (512 if ended.info["cgroup"] == "v1" else 50)
    sessions.run(ended.close())
    assert not any(folder.exists() for folder in folders.values())
    killed = sessions.start()
    sessions.ask(killed, {"op": "episode"})
    folders = session_cgroup(sessions, killed)
    assert killed.proc is not None
    killed.proc.kill()  # no chance to clean up: its children die with it, its cgroup stays
    sessions.run(killed.proc.wait())
    assert all(folder.exists() for folder in folders.values())
    sessions.start()
    assert not any(folder.exists() for folder in folders.values())


def test_limits_and_figures_through_gym_make() -> None:
    """In the reset's info and the last step's (only there: a step's info must repeat for a seed)."""
    env = gym.make("palaestra/desktop.calc-add", memory_limit_mb=1024, cpu_weight=200, max_episode_steps=2)
    try:
        _obs, info = env.reset(seed=0)
        assert info["resources"]["source"] == "cgroup" and info["resources"]["cpu_s"] > 0  # the app's start
        _obs, _reward, _terminated, truncated, info = env.step("wait(0)")
        assert not truncated and "resources" not in info
        assert set(env.unwrapped.resources) == {
            "cpu_s",
            "peak_memory_mb",
            "oom_kills",
            "pids_max_hits",
            "source",
        }  # type: ignore[attr-defined]
        _obs, _reward, _terminated, truncated, info = env.step("wait(0)")
        assert truncated and info["resources"]["cpu_s"] >= 0 and info["resources"]["oom_kills"] == 0
    finally:
        env.close()


def test_limits_that_cannot_be_set_are_refused_with_what_fits() -> None:
    refused = {"cgroup": "none", "cgroup_refused": "not run as root"}
    assert limits_note(refused, {"memory_limit_mb": None, "cpu_weight": None}) == ""  # none asked
    assert "(not run as root)" in limits_note(refused, {"memory_limit_mb": 512, "cpu_weight": None})
    assert limits_note({"cgroup": "v1"}, {"memory_limit_mb": 512, "cpu_weight": None}) == ""
    assert check_limits(None, None, None) == {"memory_limit_mb": None, "cpu_weight": None, "pids_limit": None}
    for memory in (64, 512.0, "1G", True):
        with pytest.raises(ConfigError, match="memory_limit_mb must be a whole number of MiB, at least 128"):
            check_limits(memory, None)
    for weight in (0, 10_001, 1.5):
        with pytest.raises(ConfigError, match="cpu_weight must be a whole number from 1 to 10000"):
            check_limits(None, weight)


#: Starts two sessions asking for limits and one not; prints what the first said of its cgroup,
#: the warnings, and the figures of a busy second's episode.
WITHOUT_CGROUPS = """
import asyncio, warnings
from palaestra.envs.desktop.client import SessionClient, limits_note

async def main():
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        clients = [SessionClient(320, 240, memory_limit_mb=256), SessionClient(320, 240, cpu_weight=50)]
        infos = [await client.start() for client in clients]
    client = clients[0]
    await client.request({"op": "episode"}, 30)
    busy = "import time\\nt = time.process_time()\\nwhile time.process_time() - t < 1: pass"
    await client.request({"op": "run", "argv": ["python3", "-c", busy]}, 60)
    reply, _ = await client.request({"op": "observe", "tree": False, "screenshot": False}, 30)
    for client in clients:
        await client.close()
    print(infos[0]["cgroup"], len(said), said[0].category.__name__ if said else "")
    print(reply["resources"]["source"], reply["resources"]["cpu_s"] >= 1, reply["resources"]["oom_kills"])
    print(said[0].message if said else "")

asyncio.run(main())
"""


def test_without_cgroups_a_session_runs_without_limits_warns_once_and_counts_its_processes() -> None:
    """As in a container with no cgroup file system mounted: root, but no hierarchy to use."""
    uncovered = 'umount -l /sys/fs/cgroup && exec "$0" -c "$1"'
    done = subprocess.run(
        ["unshare", "--mount", "sh", "-c", uncovered, sys.executable, WITHOUT_CGROUPS],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, figures, note = done.stdout.splitlines()[:3]
    assert first == "none 1 ResourceLimitWarning"
    assert figures == "processes True None"
    assert (
        "without the memory_limit_mb, cpu_weight and pids_limit" in note
        and "no cgroup v1 memory hierarchy" in note
        and "root" in note
    )
