"""How large a WebSocket message uvicorn buffers at all, and the close that says so past it.

A message over ``--max-body-bytes`` but within `WS_FRAME_MARGIN` times it reaches the server, which
answers an OpenEnv ``error`` naming the limit; the connection and its session go on. Past the
margin the bytes are not read: the WebSocket protocol (RFC 6455, 7.4.1) then closes the connection
with 1009, "message too big", since its frame must be read to the end before the next one starts and
a server that read it to the end would hold it. That close is the right thing, but websockets' own
reason names the internal frame limit ("frame with N bytes exceeds limit of 4L bytes"), not the
setting a user changes; `ExplainedSizeProtocol` makes the reason name both.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.frames import CloseCode

#: How many times ``--max-body-bytes`` uvicorn lets a WebSocket message reach before it closes the
#: connection itself (1009). Between the two, the server's own check answers an OpenEnv ``error``
#: naming the limit and the session lives on, as an HTTP body over the limit gets 413 and its
#: session lives on; only a message this far above it costs the connection (uvicorn must stop
#: buffering somewhere, and it holds a whole message before the server sees it).
WS_FRAME_MARGIN = 4
#: The most a WebSocket close reason may hold, in UTF-8 bytes (RFC 6455, 5.5: 125 less the code).
REASON_BYTES = 123


def ws_frame_limit(max_body_bytes: int) -> int:
    """The largest WebSocket message uvicorn accepts at all, for a server's ``max_body_bytes``."""
    return max_body_bytes * WS_FRAME_MARGIN


def too_big_reason(frame_limit: int) -> str:
    """The close reason of a message over ``frame_limit``: the limit, the setting, the fix."""
    body = frame_limit // WS_FRAME_MARGIN
    reason = (
        f"message over {frame_limit} bytes ({WS_FRAME_MARGIN}x --max-body-bytes {body}): send less, "
        "or raise PALAESTRA_SERVER_MAX_BODY_BYTES"
    )
    if len(reason.encode()) > REASON_BYTES:  # only for limits no server has; kept valid regardless
        reason = f"message over {WS_FRAME_MARGIN}x --max-body-bytes: send less, or raise it"
    return reason


class ExplainedSizeProtocol(WebSocketsSansIOProtocol):
    """uvicorn's WebSocket protocol, whose close for a message too big says which setting to raise.

    websockets fails the connection through its protocol's ``fail`` (the only caller with 1009 is
    its frame parser's size check); this wraps that one call, nothing else."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        fail, reason = self.conn.fail, too_big_reason(config.ws_max_size)

        def explained(code: CloseCode | int, why: str = "") -> None:
            fail(code, reason if code == CloseCode.MESSAGE_TOO_BIG else why)

        self.conn.fail = explained  # type: ignore[method-assign,assignment]
