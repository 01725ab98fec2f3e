"""The wire between a `DesktopEnv` and its desktop session process: one JSON header per line, then
an optional binary payload of the length the header names (``"blob": n``).

Both sides use it: the environment writes requests and reads replies with asyncio streams, the
session process reads requests and writes replies on its blocking stdin and stdout.
"""

from __future__ import annotations

import json
from typing import IO, Any

#: A reply larger than this is a broken session, not a real observation (a 4K screenshot is 33 MB).
MAX_BLOB = 64 * 2**20


def encode(message: dict[str, Any], blob: bytes = b"") -> bytes:
    """One frame: the header (with the payload's length) and the payload."""
    header = dict(message, blob=len(blob)) if blob else message
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + blob


def read_frame(stream: IO[bytes]) -> tuple[dict[str, Any], bytes] | None:
    """The next frame from a blocking stream, or None at its end."""
    line = stream.readline()
    if not line:
        return None
    header = json.loads(line)
    size = int(header.get("blob", 0))
    if not 0 <= size <= MAX_BLOB:
        raise ValueError(f"frame announces {size} bytes")
    blob = stream.read(size) if size else b""
    return header, blob
