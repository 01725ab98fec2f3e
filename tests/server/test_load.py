"""Load: 16 sessions from 4 client processes stepping at once, for a bounded time, on one server."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

from palaestra.envs.browser import host_for_running_loop
from palaestra.server.run import ServerThread

#: Each session steps at least 3 times however slow the machine (the client's minimum), then until
#: SECONDS from its client's start: all 16 step at once either way, so the wait proves no more.
CLIENTS, SESSIONS_EACH, SECONDS = 4, 4, 6


async def open_contexts() -> int:
    browser = host_for_running_loop().browser
    return len(browser.contexts) if browser is not None else 0


def test_sixteen_sessions_from_four_processes_without_cross_talk_or_leaks(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server(max_sessions=CLIENTS * SESSIONS_EACH)
    clients = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "palaestra.server.load",
                "--url",
                server.url,
                "--sessions",
                str(SESSIONS_EACH),
                "--seconds",
                str(SECONDS),
                "--first-seed",
                str(100 * i),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(CLIENTS)
    ]
    reports = [json.loads(client.communicate(timeout=600)[0]) for client in clients]
    assert all(client.returncode == 0 for client in clients)
    sessions = [s for report in reports for s in report["sessions"]]
    assert len(sessions) == CLIENTS * SESSIONS_EACH and len({s["id"] for s in sessions}) == len(sessions)
    assert len({r["pid"] for r in reports}) == CLIENTS
    stalled = [(s["id"], s["steps"], s["errors"]) for s in sessions if s["steps"] < 3]
    assert not stalled  # every session stepped (the client's minimum); else what stopped it
    assert [m for s in sessions for m in s["mismatches"]] == []  # each answer was its own session's
    assert [e for s in sessions for e in s["errors"]] == []
    assert all(s["closed"] for s in sessions)
    assert server.context.sessions.sessions == {}
    assert server.call(open_contexts()) == 0  # every browser context was closed with its session
