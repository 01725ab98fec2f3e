"""Mousepad, the desktop's text editor, when it starts beside other apps: when it is ready.

Alone, Mousepad is ready with the generic check (a new app on the accessibility bus and an active
window). Started with other apps (OSWorld's answer file open in the editor beside a PDF), its
window may map after theirs are ready, and take the focus from a window a task's step has just
activated. So then it is ready once a window is titled after each file it opens, active or not:
"~/Desktop/answer.txt - Mousepad" (Mousepad writes the path, HOME as ``~``).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from typing import Any

PROGRAM = "mousepad"
TITLE_END = " - Mousepad"


def is_mousepad(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def documents(argv: list[str]) -> list[str]:
    """The file names (no folder) of the files a launch opens."""
    return [posixpath.basename(a) for a in argv[1:] if not a.startswith("-")]


def ready(windows: list[dict[str, Any]], names: list[str]) -> bool:
    """Whether a window is titled after each of ``names`` (a modified file's title starts with "*")."""
    titles = [str(window["title"]) for window in windows]
    return all(any(shows(title, name) for title in titles) for name in names)


def shows(title: str, name: str) -> bool:
    if not title.endswith(TITLE_END):
        return False
    path = title[: -len(TITLE_END)].lstrip("*")
    return path == name or path.endswith(f"/{name}")
