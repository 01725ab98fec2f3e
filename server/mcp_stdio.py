"""``palaestra mcp``: one task's environment as an MCP server over stdio (or Streamable HTTP).

stdout carries the protocol, so the verdict (JSON: success, reward, steps, the submission) goes to
stderr, once, when the agent submits or, failing that, when the client disconnects (an episode left
unanswered then judged as it stands where its task is judged so: WebArena's harness judges every
episode).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import IO, Any

from palaestra.server.auth import LOCAL_OWNER
from palaestra.server.config import ServerConfig
from palaestra.server.mcp import build_mcp_server, verdict
from palaestra.server.session import NO_ANSWER
from palaestra.server.sessions import Session, SessionManager


class VerdictPrinter:
    """Prints a session's verdict once: at its submission, or when asked at the end."""

    def __init__(self, out: IO[str]) -> None:
        self.out, self.printed = out, False

    def __call__(self, session: Session) -> None:
        if session.submission is not None:
            self.final(session)

    def final(self, session: Session) -> dict[str, Any]:
        result = verdict(session)
        if not self.printed:
            self.printed = True
            print(json.dumps(result), file=self.out, flush=True)
        return result


async def serve_stdio(
    task: str,
    seed: int | None = None,
    *,
    parts: Sequence[str] | None = None,
    config: ServerConfig | None = None,
    out: IO[str] | None = None,
    action_set: str = "",
) -> dict[str, Any]:
    """Serve one episode of ``task`` over stdio until the client leaves; returns the verdict.
    ``action_set`` is another of the task's action sets ("" its own), as a session's."""
    sessions = SessionManager(config or ServerConfig())
    printer = VerdictPrinter(out or sys.stderr)
    try:
        session = await sessions.create(LOCAL_OWNER, task, parts=parts, action_set=action_set)
        await sessions.run(session, lambda: session.reset(seed=seed))
        session.listeners.append(printer)
        await build_mcp_server(session, sessions).run_stdio_async()
        if session.submission is None and not session.done:  # judged as WebArena's harness would
            await sessions.run(session, lambda: session.early_stop(NO_ANSWER))
        return printer.final(session)
    finally:
        await sessions.stop()
