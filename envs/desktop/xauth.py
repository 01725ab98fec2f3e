"""The session's X display cookie: without one, any local user could connect to any session's Xvfb
(an X server started without ``-auth`` lets every local client in), read its screen and type into
its apps. Xvfb is given this file (``-auth``) and accepts only clients that present its random
MIT-MAGIC-COOKIE-1; the session's apps, commands and own connections find it through XAUTHORITY.
It lives in the session's folder, readable by the session's user and root only.

The file is in the Xauthority format (each field a big-endian 16-bit length and its bytes). It holds
the cookie twice: for the local host by name (python-xlib looks only for that) and for any address
and display (libXau takes it whatever display number ``-displayfd`` picks).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import os
import secrets
import socket
import struct
from pathlib import Path

COOKIE_NAME = b"MIT-MAGIC-COOKIE-1"
FAMILY_LOCAL, FAMILY_WILD = 256, 0xFFFF


def _field(data: bytes) -> bytes:
    return struct.pack(">H", len(data)) + data


def _entry(family: int, address: bytes, cookie: bytes) -> bytes:
    return struct.pack(">H", family) + _field(address) + _field(b"") + _field(COOKIE_NAME) + _field(cookie)


def write_cookie(path: Path, owner: tuple[int, int] | None = None) -> None:
    """A fresh random cookie in ``path`` (mode 0600, given to ``owner``'s uid and gid)."""
    cookie = secrets.token_bytes(16)
    host = socket.gethostname().encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(_entry(FAMILY_LOCAL, host, cookie) + _entry(FAMILY_WILD, b"", cookie))
    if owner is not None:
        os.chown(path, *owner)
