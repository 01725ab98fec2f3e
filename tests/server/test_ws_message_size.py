"""A WebSocket message over ``--max-body-bytes`` is refused as an HTTP body over it is: with an
error naming the limit and the flag, the session it was meant for going on."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosedError
from websockets.sync.client import ClientConnection, connect

from palaestra.server.run import WS_FRAME_MARGIN, ServerThread
from palaestra.server.ws_limit import too_big_reason, ws_frame_limit

LIMIT = 4096


def ask(ws: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    ws.send(json.dumps(message))
    reply: dict[str, Any] = json.loads(ws.recv(timeout=120))
    return reply


def test_a_message_over_the_limit_is_answered_and_the_session_lives_on(
    start_server: Callable[..., ServerThread],
) -> None:
    server = start_server(max_body_bytes=LIMIT)
    url = server.url.replace("http://", "ws://") + "/ws"
    with connect(url, max_size=None) as ws:
        opened = ask(ws, {"type": "reset", "data": {"task": "miniwob.click-test", "seed": 1}})
        assert opened["type"] == "observation"
        sid = ask(ws, {"type": "state"})["data"]["session_id"]
        over = json.dumps({"type": "step", "data": {"action": "noop()"}, "padding": "x" * LIMIT})
        ws.send(over)
        refused = json.loads(ws.recv(timeout=120))
        assert refused["type"] == "error" and refused["data"]["code"] == "VALIDATION_ERROR"
        text = refused["data"]["message"]
        assert f"limit of {LIMIT} bytes" in text and "--max-body-bytes" in text
        assert "PALAESTRA_SERVER_MAX_BODY_BYTES" in text and f"Message of {len(over)} bytes" in text
        stepped = ask(ws, {"type": "step", "data": {"action": "noop()"}})
        assert stepped["type"] == "observation" and stepped["data"]["done"] is False
        state = ask(ws, {"type": "state"})["data"]
        assert state["session_id"] == sid and state["step_count"] == 1
        assert list(server.context.sessions.sessions) == [sid]
        # Far above the limit, uvicorn stops buffering and closes the connection (and its session),
        # its reason naming the limit, the setting and the fix (not websockets' internal frame limit).
        ws.send(json.dumps({"type": "state", "padding": "x" * (WS_FRAME_MARGIN * LIMIT)}))
        with pytest.raises(ConnectionClosedError) as closed:
            ws.recv(timeout=60)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
        assert closed.value.rcvd.reason == (
            f"message over {WS_FRAME_MARGIN * LIMIT} bytes ({WS_FRAME_MARGIN}x --max-body-bytes {LIMIT}): "
            "send less, or raise PALAESTRA_SERVER_MAX_BODY_BYTES"
        )


@pytest.mark.parametrize("limit", [1024, 1 << 20, 1 << 40, 10**40])
def test_the_close_reason_fits_a_close_frame(limit: int) -> None:
    """RFC 6455 caps a close reason at 123 bytes; websockets refuses to send a longer one."""
    reason = too_big_reason(ws_frame_limit(limit))
    assert len(reason.encode()) <= 123 and "--max-body-bytes" in reason
