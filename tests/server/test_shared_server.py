"""A server several people share: per-token limits, refusals that name their flag, logs saying who.

Real server on a loopback port, real HTTP, real Chromium behind it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from palaestra.server.auth import TOKEN_VARIABLE, Auth
from palaestra.server.run import ServerThread, free_port

TASK = {"task": "miniwob.click-test", "reset": False}


def test_one_token_cannot_take_every_session(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(tokens=("alice-token", "bob-token"), max_sessions=3, max_sessions_per_token=2)
    alice = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": "Bearer alice-token"})
    bob = httpx.Client(base_url=server.url, timeout=60, headers={"Authorization": "Bearer bob-token"})
    with alice, bob:
        mine = [alice.post("/sessions", json=TASK) for _ in range(2)]
        assert [m.status_code for m in mine] == [201, 201]
        refused = alice.post("/sessions", json=TASK)
        assert refused.status_code == 503
        error = refused.json()["error"]
        assert error["code"] == "CAPACITY_REACHED"
        assert "--max-sessions-per-token" in error["message"] and "DELETE /sessions/" in error["message"]
        assert bob.post("/sessions", json=TASK).status_code == 201  # the others still get theirs
        full = bob.post("/sessions", json=TASK)  # now the server's own cap
        assert full.status_code == 503 and "--max-sessions`" in full.json()["error"]["message"]
        assert alice.delete(f"/sessions/{mine[0].json()['id']}").status_code == 204
        assert alice.post("/sessions", json=TASK).status_code == 201


def test_the_log_says_when_who_opened_each_session_and_why_it_closed(tmp_path: Path) -> None:
    """`palaestra serve`'s log, as an operator reads it: every line timed, each session's owner and
    client address when it opens, the reason when it closes (its client, idle, shutdown), and never
    the token itself."""
    token = "student-seven-secret-token"
    port = free_port()
    log_file = tmp_path / "serve.log"
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--port", str(port), "--idle-timeout", "1"]
    with log_file.open("w") as sink:
        proc = subprocess.Popen(command, stderr=sink, stdout=sink, env={**os.environ, TOKEN_VARIABLE: token})
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
            wait_for_health(http, proc)
            closed = http.post("/sessions", json=TASK).json()["id"]
            assert http.delete(f"/sessions/{closed}").status_code == 204
            idle = http.post("/sessions", json=TASK).json()["id"]
            while http.get(f"/sessions/{idle}").status_code == 200:
                time.sleep(0.2)
            left = http.post("/sessions", json=TASK).json()["id"]
    finally:
        proc.terminate()
        proc.wait(60)
    text = log_file.read_text()
    owner = Auth([token]).owner_of_token(token)
    lines = {
        sid: [line for line in text.splitlines() if f"Session {sid} " in line] for sid in (closed, idle, left)
    }
    opened = lines[closed][0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", opened), opened
    assert "opened: task miniwob.click-test" in opened and f"owner {owner}" in opened
    assert re.search(r"client 127\.0\.0\.1:\d+", opened), opened
    assert "closed: closed by its client" in lines[closed][1]
    assert "closed: unused for more than 1 s (--idle-timeout)" in lines[idle][1]
    assert "closed: the server is stopping" in lines[left][1]
    assert f"token 1 is {owner}" in text  # said once at the start, to tell the owners apart
    assert token not in text


def wait_for_health(http: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    while True:
        assert proc.poll() is None, "palaestra serve stopped"
        try:
            http.get("/health")
            return
        except httpx.TransportError:
            time.sleep(0.2)
