"""A web page of another site cannot drive a server on this machine.

Browsers let any page open a WebSocket to ``ws://127.0.0.1:8765/ws`` (and read what it answers) and
post an empty body to ``/reset`` without a preflight; the Host is then the server's own, so the
loopback Host check alone let them in. Browsers add an ``Origin`` header to both, which the server
now checks; clients that are not browsers send none. Real server, real HTTP and WebSocket.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from palaestra.server.run import ServerThread

TASK = "miniwob.click-test"
EVIL = "http://evil.example"


async def _ws_reset(server: ServerThread, **headers: str) -> dict[str, Any]:
    url = server.url.replace("http://", "ws://") + "/ws"
    async with websockets.connect(url, additional_headers=headers, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "reset", "data": {"task": TASK, "seed": 0}}))
        answer: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 120))
        await ws.send(json.dumps({"type": "close"}))
        return answer


def test_a_page_of_another_site_cannot_use_the_websocket(start_server: Callable[..., ServerThread]) -> None:
    server = start_server(default_task=TASK)
    with pytest.raises(InvalidStatus) as refused:
        asyncio.run(_ws_reset(server, Origin=EVIL))
    assert refused.value.response.status_code == 403
    assert not server.context.sessions.sessions
    # The server's own pages and clients without an Origin (OpenEnv's, websockets') still play.
    assert asyncio.run(_ws_reset(server, Origin=server.url))["type"] == "observation"
    assert asyncio.run(_ws_reset(server))["type"] == "observation"


def test_a_page_of_another_site_cannot_open_sessions_over_http(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server(default_task=TASK)
    with httpx.Client(base_url=server.url, timeout=120) as http:
        # What `fetch(url, {method: "POST", mode: "no-cors"})` sends: no body, no content type.
        for origin in (EVIL, "null", "http://127.0.0.1:1"):
            answer = http.post("/reset", headers={"Origin": origin})
            assert answer.status_code == 403, (origin, answer.text)
            assert answer.json()["error"]["code"] == "CROSS_SITE"
            assert origin in answer.json()["error"]["message"]
        assert http.get("/sessions", headers={"Origin": EVIL}).status_code == 403
        assert not server.context.sessions.sessions
        opened = http.post("/reset", headers={"Origin": server.url})
        assert opened.status_code == 200, opened.text
        assert http.delete(f"/sessions/{opened.json()['observation']['session_id']}").status_code == 204


def test_a_caller_without_the_token_is_refused_before_its_request_is_read(
    start_server: Callable[..., ServerThread],
) -> None:
    """OpenEnv's `POST /step` and `GET /state` validated the request (a 422 explaining sessions)
    before asking who was calling; every route now asks first."""
    server = start_server(tokens=("tok-3d7a1c9e",))
    with httpx.Client(base_url=server.url, timeout=60) as http:
        for method, path in (("POST", "/step"), ("GET", "/state"), ("POST", "/reset"), ("GET", "/sessions")):
            for headers in ({}, {"Authorization": "Bearer wrong-token"}):
                answer = http.request(method, path, headers=headers)
                assert answer.status_code == 401, (method, path, answer.text)
                assert answer.json()["error"]["code"] == "UNAUTHORIZED"
        allowed = http.post("/step", headers={"Authorization": "Bearer tok-3d7a1c9e"})
        assert allowed.status_code == 422 and "session_id" in allowed.json()["error"]["message"]
