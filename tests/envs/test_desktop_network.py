"""Each desktop session run by root in a network namespace of its own, on real Xvfb sessions with
real servers and sockets: two sessions serve the same fixed port at once, each its own; one cannot
reach a port the other listens on, nor a host loopback service its task did not name; the ports a
task names (`DesktopSetup.host_ports`) are forwarded, so the desktop's Chromium opens a page served
on the host's loopback. Without CAP_SYS_ADMIN a session shares the host's loopback, with one
warning, and still works."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import net_namespace
from palaestra.envs.desktop.client import SessionClient
from palaestra.envs.desktop.episode_requests import episode_request
from palaestra.errors import ConfigError
from palaestra.tasks.desktop.base import DesktopSetup
from palaestra.testing.loopback import QuietHandler, serve

from .test_desktop_isolation import Sessions

#: The fixed port both sessions serve on (as OSWorld's ``python3 -m http.server 8000`` does).
PORT = 8000
#: Fetches a URL from inside the session, waiting (bounded) for a server just launched; prints
#: the body, or the error's class name.
FETCH = """
import sys, time, urllib.request
deadline = time.monotonic() + float(sys.argv[2])
while True:
    try:
        print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()); break
    except OSError as exc:
        if time.monotonic() > deadline:
            print(type(getattr(exc, "reason", exc)).__name__); break
        time.sleep(0.1)
"""
PAGE = "<html><head><title>Served by the host</title></head><body>Host page</body></html>"


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    made = Sessions(timeout=90)  # a request may wait for Chromium to start
    yield made
    made.close()


@pytest.fixture(scope="module")
def host_page() -> Iterator[int]:
    """A page served on the host's loopback (a port of the kernel's choosing); its port."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:
            self.reply(200, PAGE, "text/html")

    with serve(Handler) as served:
        yield served.port


def fetch(sessions: Sessions, client: SessionClient, url: str, wait: float = 0.0) -> str:
    said = sessions.command(client, "python3", "-c", FETCH, url, str(wait))
    return str(said["stdout"]).strip()


def serving(sessions: Sessions, client: SessionClient, text: str, *ports: int) -> list[int]:
    """A fresh episode whose HOME holds ``who.txt`` saying ``text``, served on each of ``ports``;
    the servers' pids."""
    sessions.ask(
        client, {"op": "episode", "files": {"site/who.txt": base64.b64encode(text.encode()).decode()}}
    )
    serve = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "-d", "site"]
    launched = sessions.ask(
        client, {"op": "steps", "steps": [{"do": "launch", "argv": [*serve, str(p)]} for p in ports]}
    )
    for port in ports:  # up before the test goes on
        assert fetch(sessions, client, f"http://127.0.0.1:{port}/who.txt", 20) == text
    return [int(step["pid"]) for step in launched["steps"]]


def test_two_sessions_serve_one_fixed_port_each_its_own_and_reach_nothing_of_the_other(
    sessions: Sessions,
) -> None:
    a, b = sessions.start(), sessions.start()
    assert a.info["network"] == b.info["network"] == "own"
    serving(sessions, a, "session A", PORT)
    pids_of_b = serving(sessions, b, "session B", PORT, PORT + 1)
    assert fetch(sessions, a, f"http://127.0.0.1:{PORT}/who.txt") == "session A"
    assert fetch(sessions, b, f"http://127.0.0.1:{PORT}/who.txt") == "session B"
    assert fetch(sessions, a, f"http://127.0.0.1:{PORT + 1}/who.txt") == "ConnectionRefusedError"
    # From the host: a socket made in B's namespace reaches B's server; the host's loopback has none.
    assert b.proc is not None and b.info["pid"] == b.proc.pid
    namespace = net_namespace.of_process(b.info["pid"])
    try:
        with net_namespace.socket_in(namespace) as inside:
            inside.settimeout(10)
            inside.connect(("127.0.0.1", PORT + 1))
            inside.sendall(b"GET /who.txt HTTP/1.0\r\n\r\n")
            reply = b"".join(iter(lambda: inside.recv(4096), b""))
    finally:
        os.close(namespace)
    assert reply.endswith(b"session B")
    on_the_host = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    assert pids_of_b and not any(f"pid={pid}," in on_the_host for pid in pids_of_b)


def test_only_the_host_ports_a_task_names_are_reachable_inside(sessions: Sessions, host_page: int) -> None:
    client = sessions.start()
    url = f"http://127.0.0.1:{host_page}/"
    sessions.ask(client, {"op": "episode"})
    assert fetch(sessions, client, url) == "ConnectionRefusedError"
    sessions.ask(client, {"op": "episode", "host_ports": [host_page]})
    assert "Host page" in fetch(sessions, client, url)
    assert "Host page" in fetch(sessions, client, f"http://localhost:{host_page}/")
    sessions.ask(client, {"op": "episode"})  # the next episode's relay is its own: none named
    assert fetch(sessions, client, url) == "ConnectionRefusedError"


def test_a_forwarded_port_nothing_on_the_host_serves_is_reset_inside(sessions: Sessions) -> None:
    client = sessions.start()
    sessions.ask(client, {"op": "episode", "host_ports": [9]})  # discard: nothing listens there
    assert fetch(sessions, client, "http://127.0.0.1:9/") in ("ConnectionResetError", "RemoteDisconnected")


def test_the_desktop_browser_opens_a_page_served_on_the_hosts_loopback(
    sessions: Sessions, host_page: int
) -> None:
    setup = DesktopSetup(
        goal="Read the host page.",
        apps=(("chromium", f"http://127.0.0.1:{host_page}/"),),
        host_ports=(host_page,),
    )
    client = sessions.start()
    sessions.ask(client, episode_request(setup))
    deadline = time.monotonic() + 30  # the page loads after the window is up
    tabs: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        tabs = sessions.ask(client, {"op": "browser_tabs"})["tabs"] or []
        if any(t["title"] == "Served by the host" for t in tabs):
            break
        time.sleep(0.2)
    assert [t["title"] for t in tabs] == ["Served by the host"], tabs


def test_host_ports_must_be_tcp_ports() -> None:
    with pytest.raises(ConfigError, match=r"host_ports: 70000 is no TCP port; give numbers 1-65535"):
        DesktopSetup(goal="g", apps=(), host_ports=(70000,))
    assert episode_request(DesktopSetup(goal="g", apps=(), host_ports=(8080,)))["host_ports"] == [8080]


#: Starts a session and one episode in it, then prints what it said of its network.
WITHOUT_CAPABILITY = """
import asyncio, warnings
from palaestra.envs.desktop.client import SessionClient

async def main():
    client = SessionClient(320, 240)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        info = await client.start()
        await client.request({"op": "episode"}, 30)
    await client.close()
    print(info["network"], len(said), said[0].category.__name__ if said else "")
    print(said[0].message if said else "")

asyncio.run(main())
"""


def test_without_cap_sys_admin_a_session_shares_the_hosts_loopback_and_says_so_once() -> None:
    """As in a container without CAP_SYS_ADMIN: root, but the kernel refuses a namespace."""
    drop = ["setpriv", "--bounding-set=-sys_admin", "--inh-caps=-sys_admin"]
    done = subprocess.run(
        [*drop, sys.executable, "-c", WITHOUT_CAPABILITY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    first, note = done.stdout.splitlines()[:2]
    assert first == "shared 1 SharedNamespaceWarning"
    assert "Operation not permitted" in note and "--cap-add SYS_ADMIN" in note


#: In a process of its own (it leaves the host's namespace): a host server, a relay of its port
#: into a new namespace, and what a connection through the relay sees.
RELAY = """
import socket, sys
sys.path.insert(0, sys.argv[1])
import host_relay, net_namespace

on_host = socket.create_server(("127.0.0.1", 0))
port = on_host.getsockname()[1]
relay = host_relay.HostRelay(net_namespace.isolate(), [port])
inside = socket.create_connection(("127.0.0.1", port), timeout=10)
outside, _ = on_host.accept()
outside.settimeout(10)
inside.sendall(b"ping")
print(outside.recv(4).decode())
inside.shutdown(socket.SHUT_WR)
print("half-closed" if outside.recv(4) == b"" else "open")
outside.sendall(b"pong")
print(inside.recv(4).decode())
relay.close()
print("ended" if inside.recv(4) == b"" else "still open")
try:
    socket.create_connection(("127.0.0.1", port), timeout=10)
    print("accepted")
except ConnectionRefusedError:
    print("refused")
"""


def test_the_relay_carries_both_ways_passes_a_half_close_on_and_ends_with_its_episode() -> None:
    desktop = Path(net_namespace.__file__).parent
    done = subprocess.run(
        [sys.executable, "-c", RELAY, str(desktop)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["ping", "half-closed", "pong", "ended", "refused"]
