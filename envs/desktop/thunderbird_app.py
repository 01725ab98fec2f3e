"""Thunderbird as an app of the desktop session: how it is launched, its profile, when it is ready.

Every episode gets the profile `thunderbird_profile` builds in its fresh HOME (a mail account that
never connects, Local Folders with generated mail, quiet offline prefs), and Thunderbird is started
on it by path (``--profile``), as a separate instance (``--no-remote``: two sessions on one machine
never hand their windows to each other's Thunderbird), with OSWorld's window class. Gecko puts its
widgets on the accessibility bus through ATK once told an assistive technology runs
(``GNOME_ACCESSIBILITY=1``, set for the whole session by `display`). Readiness is the main 3-pane
window, active, with its folder pane in the tree (the window shows a moment before it is filled).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atspi
import thunderbird_profile

#: The name a task launches it by (OSWorld's ``/usr/bin/thunderbird`` too).
PROGRAM = "thunderbird"
BINARY = "/usr/bin/thunderbird"
#: Options for every launch: a separate instance, and the window class OSWorld's VM gives it
#: ("Mail.thunderbird", which its postconfig's close_window steps name; Gecko's default here is
#: "Mail.thunderbird-default").
FLAGS = ("--no-remote", "--class", "thunderbird")
#: Launch options the session sets itself: a task's own are dropped.
OWN_OPTIONS = frozenset(
    {"-profile", "--profile", "-P", "-no-remote", "--no-remote", "-new-instance", "--new-instance"}
)
#: The main window's title ends with this ("Inbox - Local Folders - Mozilla Thunderbird").
TITLE = "Thunderbird"
#: The folder the folder pane always lists: it is filled once this is in the tree.
FOLDER = "Inbox"


def is_thunderbird(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def seed_profile(home: Path) -> Path:
    return thunderbird_profile.seed_profile(home)


def launch_argv(argv: list[str], home: Path) -> list[str]:
    """``argv`` (``thunderbird`` and a task's options) started on the episode's profile, alone."""
    rest = []
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg in OWN_OPTIONS:
            skip = arg in ("-profile", "--profile", "-P")  # their value goes too
        else:
            rest.append(arg)
    return [BINARY, "--profile", str(thunderbird_profile.profile(home)), *FLAGS, *rest]


def ready(windows: list[dict[str, Any]], snapshot: Callable[[], list[atspi.Node]]) -> bool:
    """Whether the main window is active with its folder pane listing Local Folders' Inbox."""
    if not any(w["active"] and str(w["title"]).endswith(TITLE) for w in windows):
        return False
    return any(
        n.role == "tree item" and is_folder(n.name, FOLDER) and "showing" in n.states for n in snapshot()
    )


def is_folder(name: str, folder: str) -> bool:
    """Whether a folder pane item is ``folder``'s: Thunderbird names it "Inbox, 6 unread messages"
    while it holds unread mail."""
    return name == folder or name.startswith(folder + ", ")
