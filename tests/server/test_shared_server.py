"""A server several people share: per-token limits, refusals that name their flag, logs saying who.

Real server on a loopback port, real HTTP, real Chromium behind it.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from palaestra.server.run import ServerThread

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
