"""Where the agent is: the page's address and the browser's tabs, as agents are shown them.

Shared by the generic agent's prompt and `WebToolEnv`'s answers (and any agent of yours), so every
model reads the same line, and none reads a local page's path: a ``file://`` address is a path on
this machine, which tells the model nothing it can use, and a MiniWoB++ page's names its task.
"""

from __future__ import annotations

from palaestra.envs.obs import Observation


def where(obs: Observation) -> str:
    """The page's address, and the browser's tabs when there are several (the active one marked);
    "" for a single local page."""
    pages = obs.get("open_pages") or []
    if len(pages) >= 2:
        marks = [" <- active" if p.get("active") else "" for p in pages]
        return "\n".join(
            f"{i}. {p.get('title', '')} ({shown_url(p.get('url', ''))}){mark}"
            for i, (p, mark) in enumerate(zip(pages, marks, strict=True))
        )
    url = obs.get("url", "")
    return f"URL: {url}" if url and not url.startswith("file:") else ""


def shown_url(url: str) -> str:
    """``url``, or "(a local page)" for a ``file://`` one."""
    return "(a local page)" if url.startswith("file:") else url
