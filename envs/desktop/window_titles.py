"""Readiness by window title, for apps that open files and title a window after each (Evince,
Mousepad): the episode starts once every file a launch names has its window, active or not, since
an app started after it may be in front.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from typing import Any


def documents(argv: list[str]) -> list[str]:
    """The file names (no folder) of the files a launch opens: its arguments that are no options."""
    return [posixpath.basename(a) for a in argv[1:] if not a.startswith("-")]


def titled_after_each(
    windows: list[dict[str, Any]], names: list[str], shows: Callable[[str, str], bool]
) -> bool:
    """Whether, for each of ``names``, some window's title ``shows`` it (the app's own title rule)."""
    titles = [str(window["title"]) for window in windows]
    return all(any(shows(title, name) for title in titles) for name in names)
