"""The episode's Chromium reached through its DevTools pipe, on real Xvfb sessions with the real
browser, run by root (each session has a user of its own): the browser listens on no TCP port and
writes no ``DevToolsActivePort``, another session's user cannot open its pipe, and yet the
session's tab steps open and close tabs and the judge's read (``browser_tabs``) lists them. A tab
step with no browser is reported in its result, not raised; a second launch hands over to the
running browser, which still answers; a browser started by a command (as from the agent's
terminal) has no DevTools at all."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from palaestra.envs.desktop.client import SessionClient

from .test_desktop_isolation import Sessions

PAGE = "<html><head><title>Seed list</title></head><body><p>Beans, peas.</p></body></html>"
FILES = {"pages/seeds.html": base64.b64encode(PAGE.encode()).decode()}
#: Tries to open the browser's DevTools pipe (its fds 3 and 4) as whoever runs it.
OPEN_PIPE = """
import sys
for fd, mode in ((3, "wb"), (4, "rb")):
    try:
        open(f"/proc/{sys.argv[1]}/fd/{fd}", mode, buffering=0).close()
        print("opened", fd)
    except OSError as exc:
        print(type(exc).__name__, fd)
"""


@pytest.fixture(scope="module")
def sessions() -> Iterator[Sessions]:
    made = Sessions(timeout=90)  # a request may wait for Chromium to start
    yield made
    made.close()


def browse(sessions: Sessions, client: SessionClient) -> int:
    """A fresh episode showing the seed list in Chromium; the browser's pid."""
    reply = sessions.ask(
        client, {"op": "episode", "files": FILES, "apps": [["chromium", "~/pages/seeds.html"]]}
    )
    (pid,) = reply["pids"]
    return int(pid)


def tabs(sessions: Sessions, client: SessionClient) -> list[dict[str, Any]] | None:
    return sessions.ask(client, {"op": "browser_tabs"})["tabs"]  # type: ignore[no-any-return]


def steps(sessions: Sessions, client: SessionClient, *wanted: dict[str, Any]) -> list[dict[str, Any]]:
    return sessions.ask(client, {"op": "steps", "steps": list(wanted)})["steps"]  # type: ignore[no-any-return]


def listening(pid: int) -> list[Any]:
    """The TCP sockets the process and its children listen on (the browser's zygotes, renderers...)."""
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    found = []
    for proc in procs:
        try:
            found += [c for c in proc.net_connections("inet") if c.status == psutil.CONN_LISTEN]
        except psutil.NoSuchProcess:
            continue
    return found


def test_only_the_session_reaches_its_browsers_devtools(sessions: Sessions) -> None:
    a, b = sessions.start(), sessions.start()
    browser = browse(sessions, a)
    sessions.ask(b, {"op": "episode"})  # no apps: its commands run in it
    home = Path(a.info["base"]) / "home"
    seeds = f"file://{home}/pages/seeds.html"
    assert [t["url"] for t in tabs(sessions, a) or []] == [seeds]
    assert listening(browser) == [] and psutil.Process(browser).children(recursive=True)
    assert not (home / ".config/chromium/DevToolsActivePort").exists()
    flags = psutil.Process(browser).cmdline()
    assert "--remote-debugging-pipe" in flags and not any("remote-debugging-port" in f for f in flags)

    # Another session's user (its agent's terminal, its task's commands) cannot open the pipe.
    tried = sessions.command(b, "python3", "-c", OPEN_PIPE, str(browser))
    assert tried["stdout"].split("\n")[:2] == ["PermissionError 3", "PermissionError 4"], tried

    # The session's own tab steps and its judge's read go through it.
    opened, closed = steps(
        sessions,
        a,
        {"do": "tabs", "action": "open", "urls": ["about:blank", seeds + "?again"]},
        {"do": "tabs", "action": "close", "urls": ["about:blank"]},
    )
    assert opened["opened"] == ["about:blank", seeds + "?again"] and opened["title"] == "Seed list", opened
    assert closed["closed"] == ["about:blank"], closed
    now = tabs(sessions, a) or []
    assert sorted(t["url"] for t in now) == [seeds, seeds + "?again"]
    assert [t["url"] for t in now if t["visible"]] == [seeds + "?again"]  # the tab opened last
    assert all(t["title"] == "Seed list" for t in now)
    assert tabs(sessions, b) is None  # B has no browser: it sees none, not A's
    assert listening(browser) == []


def test_without_a_browser_tab_steps_report_it_and_handed_over_launches_still_answer(
    sessions: Sessions,
) -> None:
    a = sessions.start()
    browser = browse(sessions, a)
    # A second launch on the same profile hands its window to the running browser and exits: the
    # tab step right after it waits on its pipe until it ends, then the running browser's answers.
    (launched,) = steps(sessions, a, {"do": "launch", "argv": ["chromium", "about:blank"]})
    assert launched["pid"] != browser
    (opened,) = steps(sessions, a, {"do": "tabs", "action": "open", "urls": ["chrome://version/"]})
    assert opened["opened"] == ["chrome://version/"], opened
    assert "chrome://version/" in [t["url"] for t in tabs(sessions, a) or []]
    assert not psutil.pid_exists(launched["pid"]) or psutil.Process(launched["pid"]).status() == "zombie"

    (quit_,) = steps(sessions, a, {"do": "quit_browser"})
    assert browser in quit_["quit"]
    assert tabs(sessions, a) is None
    (failed,) = steps(sessions, a, {"do": "tabs", "action": "open", "urls": ["about:blank"]})
    assert failed["opened"] == [] and "no browser" in failed["error"]

    # A browser a command starts (as the agent's terminal would) gets no DevTools at all. Started
    # while the quit one still writes its profile, it would hand its page to that one through the
    # profile's lock and wait: the quit browser is let go first.
    deadline = time.monotonic() + 20
    while not exited(browser):
        assert time.monotonic() < deadline, "the quit browser did not exit"
        time.sleep(0.2)
    started = sessions.command(
        a, "sh", "-c", "setsid chromium --no-first-run about:blank >/dev/null 2>&1 & echo $!"
    )
    pid = int(started["stdout"])
    deadline = time.monotonic() + 20
    while not psutil.Process(pid).children() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert psutil.Process(pid).children(), "the terminal's browser did not start"
    assert tabs(sessions, a) is None and listening(pid) == []


def exited(pid: int) -> bool:
    """Whether the process is gone or only waits to be reaped."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
