"""Links into the UI, for the HTML report and `palaestra show` (no web framework imported here).

A link names the run by its absolute path; the UI opens it when the run lies inside the folders it
was started with. The base is where `palaestra ui` listens by default, or ``$PALAESTRA_UI_URL``.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import quote

#: Not 8765, where `palaestra llm serve` listens: the playground often talks to that one.
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8770
MOUNT = "/ui/"


def base_url() -> str:
    configured = os.environ.get("PALAESTRA_UI_URL", "").strip()
    if configured:
        return configured if configured.endswith("/") else configured + "/"
    return f"http://{DEFAULT_HOST}:{DEFAULT_PORT}{MOUNT}"


def run_link(run: str | Path) -> str:
    return f"{base_url()}#/run?run={quote(str(Path(run).resolve()), safe='')}"


def episode_link(run: str | Path, key: str, step: int | None = None) -> str:
    link = f"{base_url()}#/episode?run={quote(str(Path(run).resolve()), safe='')}&key={quote(key, safe='')}"
    return link if step is None else f"{link}&step={step}"


def browsable_url(host: str, port: int) -> str:
    """The UI's address as a person opens it: a wildcard bind (``0.0.0.0``, ``::``) is no address a
    browser elsewhere can open, so this machine's name stands for it; IPv6 literals get brackets."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname()
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}{MOUNT}"
