"""Parallel desktop sessions on real Xvfb displays, run by root: each has a user of its own from the
pool, and nothing one session runs can signal the other's apps, read its HOME or connect to its
display. Run as root, as CI runs (without root, apps run as ourselves and none of this holds).
The pool itself: leases are exclusive, a killed session's user is free again (its leftover
processes killed), and the pool grows when every user is leased."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pwd
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import Xlib.display
import Xlib.error

from palaestra.envs.desktop import user_pool
from palaestra.envs.desktop.client import SessionClient
from palaestra.errors import DesktopUnavailableError


class Sessions:
    """Desktop sessions driven from one event loop of the test's own."""

    def __init__(self, timeout: float = 60) -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: list[SessionClient] = []
        self.timeout = timeout  # for each request

    def start(self) -> SessionClient:
        client = SessionClient(640, 480)
        self.run(client.start())
        self.clients.append(client)
        return client

    def run(self, coroutine: Any) -> Any:
        return self.loop.run_until_complete(coroutine)

    def ask(self, client: SessionClient, request: dict[str, Any]) -> dict[str, Any]:
        reply, _ = self.run(client.request(request, self.timeout))
        return reply

    def calculator(self, client: SessionClient) -> int:
        """A fresh episode showing galculator; its pid."""
        (pid,) = self.ask(client, {"op": "episode", "apps": [["galculator"]]})["pids"]
        return int(pid)

    def command(self, client: SessionClient, *argv: str) -> dict[str, Any]:
        return self.ask(client, {"op": "run", "argv": list(argv)})

    def close(self) -> None:
        for client in self.clients:
            self.run(client.close())
        self.loop.close()


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    made = Sessions()
    yield made
    made.close()


@pytest.fixture(scope="module")
def two(sessions: Sessions) -> tuple[SessionClient, SessionClient]:
    return sessions.start(), sessions.start()


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_gone(pid: int) -> None:
    """Until ``pid`` has exited (a bounded wait; the assertion after it says whether it did)."""
    deadline = time.monotonic() + 10
    while _running(pid) and time.monotonic() < deadline:
        time.sleep(0.02)


def test_two_sessions_get_different_users_and_private_homes(
    sessions: Sessions, two: tuple[SessionClient, SessionClient]
) -> None:
    a, b = two
    users = [a.info["user"], b.info["user"]]
    assert users[0] != users[1] and all(re.fullmatch(r"palaestra-desktop-\d+", u) for u in users)
    for client, user in zip(two, users, strict=True):
        sessions.calculator(client)
        home = Path(client.info["base"]) / "home"
        info = home.stat()
        assert info.st_mode & 0o777 == 0o700 and info.st_uid == pwd.getpwnam(user).pw_uid
        said = sessions.command(client, "id", "-un")
        assert said["stdout"].strip() == user


def test_one_session_cannot_signal_the_others_app_nor_read_its_home(
    sessions: Sessions, two: tuple[SessionClient, SessionClient]
) -> None:
    a, b = two
    app_of_b = sessions.calculator(b)
    home_of_b = Path(b.info["base"]) / "home"
    script = f"import os\ntry:\n    os.kill({app_of_b}, 15)\nexcept PermissionError:\n    print('EPERM')"
    tried = sessions.command(a, "python3", "-c", script)
    assert tried["stdout"].strip() == "EPERM" and _running(app_of_b)
    assert sessions.command(a, "ls", str(home_of_b))["returncode"] != 0
    assert sessions.command(b, "ls", str(home_of_b))["returncode"] == 0  # its own HOME, it may


def test_pkill_as_a_task_step_ends_only_its_own_sessions_app(
    sessions: Sessions, two: tuple[SessionClient, SessionClient]
) -> None:
    a, b = two
    app_of_a, app_of_b = sessions.calculator(a), sessions.calculator(b)
    ran = sessions.ask(a, {"op": "steps", "steps": [{"do": "run", "argv": ["pkill", "galculator"]}]})
    assert ran["steps"][0]["returncode"] == 0
    _wait_gone(app_of_a)
    assert not _running(app_of_a) and _running(app_of_b)


def test_a_display_and_a_bus_refuse_other_sessions(
    sessions: Sessions, two: tuple[SessionClient, SessionClient], tmp_path: Path, monkeypatch: Any
) -> None:
    """The display takes only clients with its cookie; the session bus lives in the session's folder."""
    a, b = two
    for client in two:  # episodes without apps: the commands run in them
        sessions.ask(client, {"op": "episode"})
    bus = sessions.command(a, "sh", "-c", "echo $DBUS_SESSION_BUS_ADDRESS")["stdout"].strip()
    ask_bus = ["dbus-send", f"--bus={bus}", "--print-reply", "--dest=org.freedesktop.DBus"]
    ask_bus += ["/org/freedesktop/DBus", "org.freedesktop.DBus.ListNames"]
    assert sessions.command(a, *ask_bus)["returncode"] == 0
    assert sessions.command(b, *ask_bus)["returncode"] != 0
    connect = f"import Xlib.display\nXlib.display.Display({a.info['display']!r}).close()\nprint('in')"
    assert sessions.command(a, "python3", "-c", connect)["stdout"].strip() == "in"  # its own cookie
    assert sessions.command(b, "python3", "-c", connect)["returncode"] != 0  # another session's
    monkeypatch.setenv("XAUTHORITY", str(tmp_path / "none"))  # root, without a cookie
    with pytest.raises(Xlib.error.DisplayConnectionError):
        Xlib.display.Display(a.info["display"])


def test_a_killed_session_frees_its_user_and_the_next_lease_kills_its_leftovers(sessions: Sessions) -> None:
    client = sessions.start()
    user = client.info["user"]
    sessions.ask(client, {"op": "episode"})
    started = sessions.command(client, "sh", "-c", "setsid sleep 600 </dev/null >/dev/null 2>&1 & echo $!")
    leftover = int(started["stdout"])
    assert client.proc is not None
    os.kill(client.proc.pid, signal.SIGKILL)
    sessions.run(client.proc.wait())
    assert _running(leftover) and psutil.Process(leftover).uids().real == pwd.getpwnam(user).pw_uid
    lease = user_pool.try_lease(user)
    assert lease is not None, f"{user} is still leased after its session was killed"
    try:
        assert not _running(leftover)
    finally:
        lease.release()


def test_the_pool_grows_when_every_user_is_leased() -> None:
    def index(name: str) -> int:
        return int(name.removeprefix(user_pool.PREFIX))

    existing = [e.pw_name for e in pwd.getpwall() if re.fullmatch(r"palaestra-desktop-\d+", e.pw_name)]
    first_new = max((index(n) for n in existing), default=-1) + 1
    held: list[user_pool.Lease] = []
    try:
        while not held or index(held[-1].name) < first_new:
            held.append(user_pool.lease())
        names = [lease.name for lease in held]
        assert len(set(names)) == len(names) and pwd.getpwnam(names[-1]).pw_uid == held[-1].uid
        assert user_pool.try_lease(names[0]) is None  # held: no second lease of it
    finally:  # the users made here are removed again, so that runs of this test do not fill the pool
        with open(user_pool.LOCK_DIR / "useradd.lock", "w") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            for lease in held:
                if index(lease.name) >= first_new:
                    subprocess.run(["userdel", lease.name], check=True)
        for lease in held:
            lease.release()


def test_where_sessions_share_a_user_a_kill_step_is_kept_to_its_episode(monkeypatch: Any) -> None:
    """PALAESTRA_DESKTOP_USER gives every session one user: pkill and killall then end the
    episode's own processes only, and an option that could not be kept to it is refused."""
    lease = user_pool.lease()  # a user no pooled session takes meanwhile
    monkeypatch.setenv("PALAESTRA_DESKTOP_USER", lease.name)
    shared = Sessions()
    try:
        a, b = shared.start(), shared.start()
        assert a.info["user"] == b.info["user"] == lease.name
        app_of_b = shared.calculator(b)
        for kill in (["pkill", "galculator"], ["killall", "-s", "KILL", "galculator"]):
            app_of_a = shared.calculator(a)
            ran = shared.ask(a, {"op": "steps", "steps": [{"do": "run", "argv": kill}]})
            assert ran["steps"][0]["returncode"] == 0, ran
            _wait_gone(app_of_a)
            assert not _running(app_of_a) and _running(app_of_b), kill
        shared.ask(a, {"op": "episode"})
        refused = shared.command(a, "killall", "--older-than", "1s", "galculator")
        assert refused["returncode"] == 2 and "--older-than" in refused["stderr"] and _running(app_of_b)
    finally:
        shared.close()
        lease.release()


def test_a_lock_folder_others_may_write_and_a_missing_forced_user_are_refused(
    sessions: Sessions, tmp_path: Path, monkeypatch: Any
) -> None:
    folder = tmp_path / "leases"
    folder.mkdir(mode=0o700)
    os.chown(folder, pwd.getpwnam("nobody").pw_uid, -1)  # another user could hold or swap the locks
    with pytest.raises(user_pool.PoolError, match=r"only root may write; remove it"):
        user_pool.lease(lock_dir=folder)
    monkeypatch.setenv("PALAESTRA_DESKTOP_USER", "palaestra-no-such-user")
    with pytest.raises(DesktopUnavailableError, match=r"unset PALAESTRA_DESKTOP_USER"):
        sessions.start()
