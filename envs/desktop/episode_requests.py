"""What `DesktopEnv` asks of its session about a task: the episode request that lays out a task's
setup (its files, folders, commands, apps and steps), the commands its judge reads the output of,
and the steps it wants run on the live desktop before its verdict at the end.

Apart from the environment's episode loop because they translate a task's declarations into the
session's wire format (`protocol.py`, `session.py`) and back, and nothing else.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterable, Sequence
from typing import Any

from palaestra.envs.desktop.client import SessionClient
from palaestra.tasks.desktop.base import CommandResult, DesktopSetup
from palaestra.tasks.desktop.live_steps import LiveStep, programs, wire


def missing_programs(setup: DesktopSetup) -> list[str]:
    """The programs a setup starts (apps and commands) that are not on PATH, sorted."""
    started = {argv[0] for argv in (*setup.apps, *setup.commands, *setup.after_apps) if argv}
    started |= programs(setup.steps)
    return sorted(p for p in started - {"python", "python3"} if shutil.which(p) is None)


def episode_request(setup: DesktopSetup) -> dict[str, Any]:
    """The session's ``episode`` request for a task's setup (file contents in base64)."""
    files = {
        path: base64.b64encode(data.encode() if isinstance(data, str) else data).decode()
        for path, data in setup.files.items()
    }
    request = {
        "op": "episode",
        "files": files,
        "dirs": list(setup.dirs),
        "apps": [list(a) for a in setup.apps],
        "commands": [list(c) for c in setup.commands],
        "after_apps": [list(c) for c in setup.after_apps],
        "steps": [wire(s) for s in setup.steps],
        "home_alias": setup.home_alias,
        "delay": setup.delay,
        "own_profiles": list(setup.own_profiles),
        "host_ports": list(setup.host_ports),
        "quiet": 0.1,
        "limit": 3.0,
    }
    return request


async def run_judge_commands(
    client: SessionClient, commands: Iterable[Sequence[str]], timeout: float
) -> dict[tuple[str, ...], CommandResult]:
    """Run each of the judge's commands in the episode's HOME; their results by argv."""
    results = {}
    for argv in commands:
        reply, _ = await client.request({"op": "run", "argv": list(argv)}, timeout)
        results[tuple(argv)] = CommandResult(
            reply["returncode"], reply["stdout"], reply["stderr"], bool(reply.get("timed_out"))
        )
    return results


async def read_browser_tabs(
    client: SessionClient, timeout: float, content: bool = False
) -> list[dict[str, Any]] | None:
    """The tabs of the episode's browser, read by the session over the browser's DevTools pipe
    (`DesktopOutcome.browser_tabs`), with each page's HTML when ``content``; None when no browser
    of the episode answers."""
    reply, _ = await client.request({"op": "browser_tabs", "content": content}, timeout)
    tabs = reply.get("tabs")
    return list(tabs) if isinstance(tabs, list) else None


async def print_page(client: SessionClient, url: str, timeout: float) -> bytes | None:
    """``url`` printed to PDF by the session (a headless Chromium of its own, so that the agent's
    browser is not touched; OSWorld's ``pdf_from_url``); None when it could not be printed."""
    reply, blob = await client.request({"op": "print_pdf", "url": url}, timeout)
    return blob if reply.get("printed") and blob else None


async def run_live_steps(
    client: SessionClient, steps: Sequence[LiveStep], timeout: float
) -> list[dict[str, Any]]:
    """Run a task's steps on the live desktop, in order (then let the screen settle); each one's
    result (a window not found, a command's return code) for the verdict's ``task_info``."""
    reply, _ = await client.request({"op": "steps", "steps": [wire(s) for s in steps]}, timeout)
    return list(reply.get("steps", []))
