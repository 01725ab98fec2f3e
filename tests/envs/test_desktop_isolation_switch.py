"""``DesktopEnv(isolation=...)`` on real Xvfb sessions run by root (as CI runs): "on" gives a session
a network namespace, a mount namespace (its private /tmp) and a cgroup of its own, "off" leaves it
in this process's, as a command inside the session finds; and the switch's bad values are refused
with the fix."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.desktop.client import SessionClient
from palaestra.envs.desktop.session_limits import ISOLATION_VARIABLE
from palaestra.errors import ConfigError

from .test_desktop_isolation import Sessions


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    made = Sessions()
    yield made
    made.close()


def inside(sessions: Sessions, client: SessionClient) -> dict[str, str]:
    """The namespaces and cgroup of a command run in a new episode of the session."""
    sessions.ask(client, {"op": "episode", "apps": []})
    script = "readlink /proc/self/ns/net; readlink /proc/self/ns/mnt; cat /proc/self/cgroup"
    lines = sessions.command(client, "sh", "-c", script)["stdout"].splitlines()
    return {"net": lines[0], "mnt": lines[1], "cgroup": "\n".join(lines[2:])}


def here() -> dict[str, str]:
    return {
        "net": os.readlink("/proc/self/ns/net"),
        "mnt": os.readlink("/proc/self/ns/mnt"),
        "cgroup": Path("/proc/self/cgroup").read_text().strip(),
    }


def test_isolation_on_gives_the_session_its_own_network_tmp_and_cgroup(sessions: Sessions) -> None:
    client = SessionClient(640, 480, isolation="on")
    sessions.run(client.start())
    sessions.clients.append(client)
    assert (client.info["network"], client.info["tmp"]) == ("own", "own")
    assert client.info["cgroup"] in ("v1", "v2")
    seen, host = inside(sessions, client), here()
    assert seen["net"] != host["net"] and seen["mnt"] != host["mnt"]
    assert f"palaestra-desktop-{client.info['pid']}" in seen["cgroup"]


def test_isolation_off_leaves_the_session_in_the_hosts_network_tmp_and_cgroup(sessions: Sessions) -> None:
    client = SessionClient(640, 480, isolation="off")
    sessions.run(client.start())
    sessions.clients.append(client)
    assert (client.info["network"], client.info["tmp"], client.info["cgroup"]) == ("shared", "shared", "none")
    assert not any(key.endswith("_refused") for key in client.info), "off is asked for, not refused"
    assert inside(sessions, client) == here()


def test_the_environment_variable_turns_it_off_for_an_env_that_does_not_say(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ISOLATION_VARIABLE, "off")
    env = DesktopEnv("desktop.calc-add")
    try:
        env.reset(seed=0)
        info = env.session_info
        assert (info["network"], info["tmp"], info["cgroup"]) == ("shared", "shared", "none")
    finally:
        env.close()
    assert DesktopEnv("desktop.calc-add", isolation="on").isolation == "on"  # the argument wins


def test_bad_values_are_refused_with_the_closest_and_limits_need_isolation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigError, match=r"isolation must be one of `on`, `off`, got 'of'.*`off`"):
        DesktopEnv("desktop.calc-add", isolation="of")
    monkeypatch.setenv(ISOLATION_VARIABLE, "none")
    with pytest.raises(ConfigError, match=ISOLATION_VARIABLE):
        DesktopEnv("desktop.calc-add")
    monkeypatch.delenv(ISOLATION_VARIABLE)
    assert DesktopEnv("desktop.calc-add").isolation == "on"
    with pytest.raises(
        ConfigError, match="memory_limit_mb, cpu_weight and pids_limit need the session's cgroup"
    ):
        DesktopEnv("desktop.calc-add", isolation="off", memory_limit_mb=512)
