"""Chromium's DevTools over a pipe (``--remote-debugging-pipe``), held by the session alone.

A DevTools port on loopback answers every local user: any process of another session (its agent's
terminal, its task's commands) could list, open, close and script this episode's tabs, and read
any file the browser may. With the pipe there is nothing to connect to: Chromium reads commands on
its fd 3 and writes replies and events on its fd 4, each a JSON message ended by a NUL byte, and
the other ends of those two pipes are the session's, never in any other process. The session
serves the tab steps and the judge's tab getters from them through its own request channel
(`browser_tabs`).

The pipe is read only while a command waits for its reply (the session is single-threaded, and a
thread would make the fork of later children unsafe): no domain is enabled, so Chromium sends
events only about what a command did (a target attached or detached), few and small.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import time
from typing import Any

#: The fds Chromium reads its commands from and writes its replies to (fixed by Chromium).
BROWSER_READS, BROWSER_WRITES = 3, 4
#: The lowest fd number the session's ends are moved to, so that none is 3 or 4 in the session
#: while a child is being given its own 3 and 4.
FIRST_FREE_FD = 10
#: The longest message read (a tab list of a browser with many tabs is some kB).
MAX_MESSAGE = 2**24


class DevToolsError(Exception):
    """The browser's DevTools could not answer a command."""


class BrowserGone(DevToolsError):
    """The browser closed its end of the pipe (it quit, or handed its launch to a running one)."""


class NoReply(DevToolsError):
    """The browser did not answer in time."""


class CommandFailed(DevToolsError):
    """The browser answered a command with an error (no such tab, a URL it refuses)."""


def _moved(fd: int) -> int:
    """``fd`` duplicated to a number from `FIRST_FREE_FD` up, close-on-exec; ``fd`` closed."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, FIRST_FREE_FD)
    os.close(fd)
    return moved


class DevToolsPipe:
    """The session's ends of one browser's two DevTools pipes.

    Made before the browser starts; `child_fds` are handed to it as its fds 3 and 4 (`given_to_child`
    closes the session's copies of them once it runs), then `call` sends a command and waits for its
    reply."""

    def __init__(self) -> None:
        commands_read, commands_write = (_moved(fd) for fd in os.pipe())
        replies_read, replies_write = (_moved(fd) for fd in os.pipe())
        self._to_browser: int | None = commands_write
        self._from_browser: int | None = replies_read
        #: The browser's ends, by the fd number the browser finds them at.
        self.child_fds: dict[int, int] = {BROWSER_READS: commands_read, BROWSER_WRITES: replies_write}
        self._buffer = b""
        self._next_id = 0

    def given_to_child(self) -> None:
        """Close the session's copies of the browser's ends (the browser has its own now), so that
        the browser's exit is seen as the end of its reply pipe."""
        for fd in self.child_fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self.child_fds = {}

    @property
    def closed(self) -> bool:
        return self._from_browser is None

    def close(self) -> None:
        self.given_to_child()
        for fd in (self._to_browser, self._from_browser):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to_browser = self._from_browser = None

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str = "", timeout: float = 5.0
    ) -> dict[str, Any]:
        """The ``result`` of one DevTools command (of a tab's ``session`` when given), waiting up to
        ``timeout`` seconds for it (a browser started a moment ago reads its pipe once it is up:
        the command waits in the pipe until then). Raises `BrowserGone`, `NoReply` or
        `CommandFailed`."""
        if self._to_browser is None or self._from_browser is None:
            raise BrowserGone("the browser's DevTools pipe is closed")
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            self.close()
            raise BrowserGone("the browser has quit") from None
        reply = self._reply(self._next_id, time.monotonic() + timeout, method)
        if "error" in reply:
            error = reply["error"]
            said = error.get("message", error) if isinstance(error, dict) else error
            raise CommandFailed(f"{method}: {said}")
        result = reply.get("result", {})
        return result if isinstance(result, dict) else {}

    def _reply(self, wanted: int, deadline: float, method: str) -> dict[str, Any]:
        """The message answering command ``wanted``; events and stale replies (of a command that
        timed out before) are dropped on the way."""
        assert self._from_browser is not None
        while True:
            while b"\0" in self._buffer:
                raw, _, self._buffer = self._buffer.partition(b"\0")
                with contextlib.suppress(ValueError):
                    message = json.loads(raw)
                    if isinstance(message, dict) and message.get("id") == wanted:
                        return message
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise NoReply(f"{method}: the browser did not answer in time")
            chunk = os.read(self._from_browser, 65536)
            if not chunk:
                self.close()
                raise BrowserGone("the browser has quit")
            self._buffer += chunk
            if len(self._buffer) > MAX_MESSAGE:
                self.close()
                raise BrowserGone("the browser sent a message too long to read")
