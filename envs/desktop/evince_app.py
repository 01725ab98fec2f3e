"""Evince (GNOME's Document Viewer) as an app of the desktop session: how it is launched, its
settings, when it is ready.

OSWorld's Ubuntu VM opens PDFs in Evince, so this desktop does too. Evince keeps its settings in
GSettings and what it remembers of each document (last page, zoom) in GVfs metadata, both under
HOME; every episode has a fresh HOME, so every document opens as on a first start, at its first
page. It never goes to the network. It is a GTK 3 app, so its widgets, and its view of the
document, are on the accessibility bus. Evince asks a daemon on the session's D-Bus (started on
demand) whether a document is open already, to show that window rather than open a second one; the
daemon forgets a window's document when its process ends, as every episode's apps do at its end.

Readiness is Evince's window titled after its document: "lecture.pdf", or "lecture.pdf — Title"
when the PDF's information names a title (OSWorld's tasks activate Evince's window by that title);
Evince shows its window a moment before the document is loaded. The window need not be the active
one: a task may open the PDF and then start another app in front of it.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from typing import Any

PROGRAM = "evince"


def is_evince(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def documents(argv: list[str]) -> list[str]:
    """The file names (no folder) of the documents a launch opens."""
    return [posixpath.basename(a) for a in argv[1:] if not a.startswith("-")]


def ready(windows: list[dict[str, Any]], names: list[str]) -> bool:
    """Whether a window is titled after each document Evince opens (with none, its empty window
    is what shows, and any active window will do)."""
    titles = [str(window["title"]) for window in windows]
    return all(any(shows(title, name) for title in titles) for name in names)


def shows(title: str, name: str) -> bool:
    """Whether a window title is Evince's for the document ``name``."""
    return title == name or title.startswith(f"{name} \u2014 ")
