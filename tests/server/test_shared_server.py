"""A server several people share: per-token limits, refusals that name their flag, logs saying who.

Real server on a loopback port, real HTTP, real Chromium behind it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import websockets

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
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--port", str(port), "--idle-timeout", "5"]
    with log_file.open("w") as sink:
        proc = subprocess.Popen(command, stderr=sink, stdout=sink, env={**os.environ, TOKEN_VARIABLE: token})
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
            wait_for_health(http, proc)
            # Each of these ends well within the idle timeout; only `idle` is left to reach it.
            dropped = asyncio.run(open_and_drop_a_websocket_session(port, token))
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
        sid: [line for line in text.splitlines() if f"Session {sid} " in line]
        for sid in (closed, idle, left, dropped)
    }
    opened = lines[closed][0]
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ", opened), opened
    assert "opened: task miniwob.click-test" in opened and f"owner {owner}" in opened
    assert re.search(r"client 127\.0\.0\.1:\d+", opened), opened
    assert "closed: closed by its client" in lines[closed][1]
    assert "closed: unused for more than 5 s (--idle-timeout)" in lines[idle][1]
    assert "closed: the server is stopping" in lines[left][1]
    assert "closed: its WebSocket closed" in lines[dropped][1]
    assert f"token 1 is {owner}" in text  # said once at the start, to tell the owners apart
    assert token not in text


async def open_and_drop_a_websocket_session(port: int, token: str) -> str:
    """An OpenEnv client that resets, then goes away without a word; the session's id."""
    headers = {"Authorization": f"Bearer {token}"}
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", additional_headers=headers) as ws:
        await ws.send(json.dumps({"type": "reset", "data": {"task": "miniwob.click-test"}}))
        await ws.recv()
        await ws.send(json.dumps({"type": "state"}))
        return str(json.loads(await ws.recv())["data"]["session_id"])


def wait_for_health(http: httpx.Client, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60  # a server that never answers fails the test, not hangs it
    while True:
        assert proc.poll() is None, "palaestra serve stopped"
        assert time.monotonic() < deadline, f"palaestra serve did not answer at {http.base_url}"
        try:
            http.get("/health")
            return
        except httpx.TransportError:
            time.sleep(0.2)


def test_every_serve_flag_can_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A service's unit file or container sets `PALAESTRA_SERVER_<FLAG>`; a flag given still wins,
    and a bad value is refused naming the variable it came from."""
    from palaestra.cli_parser import make_parser

    monkeypatch.setenv("PALAESTRA_SERVER_MAX_SESSIONS", "8")
    monkeypatch.setenv("PALAESTRA_SERVER_MAX_SESSIONS_PER_TOKEN", "2")
    monkeypatch.setenv("PALAESTRA_SERVER_IDLE_TIMEOUT", "60")
    monkeypatch.setenv("PALAESTRA_SERVER_MAX_RECORDING_SIZE", "500M")
    monkeypatch.setenv("PALAESTRA_SERVER_TASK", "miniwob.click-test")
    args = make_parser().parse_args(["serve"])
    assert (args.max_sessions, args.max_sessions_per_token, args.idle_timeout) == (8, 2, 60.0)
    assert (args.max_recording_size, args.task) == (500 * 1024**2, "miniwob.click-test")
    assert make_parser().parse_args(["serve", "--max-sessions", "4"]).max_sessions == 4
    monkeypatch.setenv("PALAESTRA_SERVER_REQUEST_TIMEOUT", "two minutes")
    with pytest.raises(SystemExit):
        make_parser().parse_args(["serve"])
    assert "$PALAESTRA_SERVER_REQUEST_TIMEOUT='two minutes'" in capsys.readouterr().err


def test_a_server_process_takes_its_settings_from_the_environment(tmp_path: Path) -> None:
    port = free_port()
    settings = {"PALAESTRA_SERVER_PORT": str(port), "PALAESTRA_SERVER_MAX_SESSIONS": "3"}
    command = [sys.executable, "-m", "palaestra.cli", "serve"]
    with (tmp_path / "serve.log").open("w") as sink:
        proc = subprocess.Popen(command, stderr=sink, stdout=sink, env={**os.environ, **settings})
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
            wait_for_health(http, proc)
            assert http.get("/health").json()["max_sessions"] == 3
    finally:
        proc.terminate()
        proc.wait(60)
