"""GIMP 2.10 as an app of the desktop session: how it is launched, its settings, when it is ready.

GIMP keeps its settings in ``~/.config/GIMP/2.10``; every episode has a fresh HOME, so a fresh
settings folder, which GIMP fills on its first start (and its ``gimprc`` on quitting, which
OSWorld's settings tasks read). Until then GIMP follows Debian's system settings
(``/etc/gimp/2.0``), which start it in single-window mode: one window holds the toolbox, the docks
and the picture. GIMP starts without its splash window; its messages stay in its dialogs, as on
OSWorld's VM, so that an agent sees why an export failed. Readiness is its main window, active and
titled as GIMP titles it once the picture it opens is shown ("[photo] (imported)-1.0 (RGB color ...)
640x480 – GIMP"), or, started without a file, its empty window ("GNU Image Manipulation Program").

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

PROGRAM = "gimp"
#: Where the episode's settings live, under its HOME (GIMP 2.10's own default place there).
PROFILE = ".config/GIMP/2.10"
#: GIMP's cache of what its plug-ins register (`PluginCache`), under HOME.
PLUGIN_CACHE = PROFILE + "/pluginrc"
#: Options for every launch: no splash window.
FLAGS = ("--no-splash",)
#: The title of GIMP's window showing a picture ends with this (an en dash), and its empty one's.
PICTURE_TITLE = " \u2013 GIMP"
EMPTY_TITLE = "GNU Image Manipulation Program"


def is_gimp(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def launch_argv(argv: list[str], home: Path) -> list[str]:
    """``argv`` with the quiet-start options put in after the program (the settings folder is the
    fresh HOME's)."""
    return [argv[0], *FLAGS, *argv[1:]]


def opens_a_file(argv: list[str]) -> bool:
    return any(not a.startswith("-") for a in argv[1:])


def ready(windows: list[dict[str, Any]], with_file: bool) -> bool:
    """Whether GIMP's window is active, showing its picture when it was started with one (its window
    shows empty a moment before the picture is loaded)."""
    for window in windows:
        title = str(window["title"])
        if window["active"] and (title.endswith(PICTURE_TITLE) or (not with_file and title == EMPTY_TITLE)):
            return True
    return False


class PluginCache:
    """The plug-in cache GIMP wrote in an episode's HOME, put into the fresh HOMEs of the session's
    later episodes.

    On a start without ``pluginrc``, GIMP runs each of its plug-ins (119 here) to ask what it
    registers, and writes the answers there: in batch mode here, 2.7 CPU-s and 9.8 s for a first
    start against 0.7 CPU-s and 1.6 s for a start with it. The file holds nothing of the episode:
    the plug-ins' paths under GIMP's own folder, their modification times and their procedures
    (GIMP's header: it "can safely be removed and will be automatically regenerated"). GIMP checks
    every plug-in's time against it and asks again any that changed, so a start from it registers
    what a start without it would, as on OSWorld's VM, where GIMP had run before. It is read when
    the episode's apps are ready, before the agent's first action, and held in the session's
    memory, so that nothing an agent writes reaches a later episode."""

    def __init__(self) -> None:
        self.content: bytes | None = None

    def keep(self, home: Path) -> None:
        """Read the cache GIMP wrote in ``home``, if none is held yet."""
        written = home / PLUGIN_CACHE
        if self.content is None and written.is_file() and not written.is_symlink():
            self.content = written.read_bytes() or None

    def seed(self, home: Path) -> Path | None:
        """Write the held cache into ``home`` before GIMP starts there (unless the task's files hold
        one); the topmost folder made, for the caller to hand to the desktop user."""
        target = home / PLUGIN_CACHE
        if self.content is None or target.exists():
            return None
        missing = [p for p in reversed(target.parents) if p.is_relative_to(home) and not p.exists()]
        made = missing[0] if missing else target
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(self.content)
        return made
