"""Chromium as the desktop's web browser: how it is launched, its profile, and when it is ready.

OSWorld's tasks start ``google-chrome --remote-debugging-port=1337``; here Debian's Chromium stands
in for it (the task loader names it ``chromium``). Every episode gets a fresh profile inside its
fresh HOME (``--user-data-dir``, Chromium's own default place there), and the browser starts quietly:
no first-run pages, no default-browser question, no background networking, component updates or
sync (nothing may reach out of the machine), passwords in the profile rather than a keyring that
would prompt, no GPU. ``--force-renderer-accessibility`` puts the pages' content into the AT-SPI
tree, not only the browser's own toolbar.

OSWorld's ``--remote-debugging-port`` is replaced by ``--remote-debugging-pipe``: a port on
loopback answers every local user, and DevTools drives the browser and reads any file it may, so
another session's agent or task could reach into this episode's browser. The pipe's other ends are
the session's alone (`devtools_pipe`); the tab steps and the judge's tab getters go through it
(`browser_tabs`). OSWorld's host reached its port through a ``socat 9222 -> 1337`` bridge, which
the loader drops.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atspi

#: The name the task loader gives the browser (``google-chrome`` and ``chrome`` become it).
PROGRAM = "chromium"
#: The program started for it (Debian's wrapper script, which execs the browser in its place).
BINARY = "/usr/bin/chromium"
#: Where the episode's profile lives, under its HOME.
PROFILE = ".config/chromium"
#: Options for every launch (see the module's docstring for why each is there).
FLAGS = (
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--password-store=basic",
    "--disable-gpu",
    "--force-renderer-accessibility",
    "--hide-crash-restore-bubble",
    "--start-maximized",
)
#: How the browser's DevTools are reached: over its fds 3 and 4, which the session gives it.
PIPE = "--remote-debugging-pipe"
#: Launch options the session sets itself: a task's own are replaced.
OWN_OPTIONS = ("--user-data-dir", "--remote-debugging-port", "--remote-debugging-address", PIPE)
#: How long a quit waits for the browser to write its profile and exit before it is killed.
QUIT_TIMEOUT = 10.0


def is_browser(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def profile(home: Path) -> Path:
    return home / PROFILE


def launch_argv(argv: list[str], home: Path) -> list[str]:
    """``argv`` (``chromium`` and a task's options and URLs) with the episode's profile, the quiet
    flags and DevTools over the session's pipe (a task's own port is dropped)."""
    rest = [a for a in argv[1:] if a.partition("=")[0] not in OWN_OPTIONS]
    return [BINARY, f"--user-data-dir={profile(home)}", PIPE, *FLAGS, *rest]


def wants_pipe(argv: list[str]) -> bool:
    """Whether ``argv`` (as `launch_argv` made it) starts a browser that reads DevTools on fds 3, 4."""
    return argv[:1] == [BINARY] and PIPE in argv


def window_shown(windows: list[dict[str, Any]]) -> bool:
    """Whether the active window is the browser's, with its page's title ("New Tab - Chromium";
    "Untitled - Chromium" while the first page loads)."""
    return any(
        w["active"] and str(w["title"]).endswith(" - Chromium") and w["title"] != "Untitled - Chromium"
        for w in windows
    )


def ready(windows: list[dict[str, Any]], snapshot: Callable[[], list[atspi.Node]]) -> bool:
    """Whether the browser is up for an agent: its window active, and its page in the tree (an
    empty about:blank has nothing to wait for)."""
    if not window_shown(windows):
        return False
    blank = any(w["active"] and w["title"] == "about:blank - Chromium" for w in windows)
    return blank or page_shown(snapshot())


# -- what the accessibility tree says about Chromium ------------------------------------------

#: The application name Chromium gives itself on the accessibility bus.
APP_NAME = "Chromium"
#: What Chromium's text interface says for each embedded child (a link inside a paragraph).
EMBEDDED = "\ufffc"


def _browser_nodes(nodes: list[atspi.Node]) -> list[atspi.Node]:
    apps = {n.app for n in nodes if n.depth == 0 and n.name == APP_NAME}
    return [n for n in nodes if n.app in apps]


def adjust(nodes: list[atspi.Node]) -> list[atspi.Node]:
    """Chromium's nodes put right: the object-replacement characters its text interface puts for
    each child left out of texts (a paragraph says "See also: " rather than "See also: \\ufffc"),
    and its address-bar popup's empty frames left out (Chromium keeps them "showing" while they
    are closed; one with suggestions in it stays)."""
    mine = _browser_nodes(nodes)
    if not mine:
        return nodes
    by_key = {n.key: n for n in nodes}
    dropped: set[str] = set()
    for node in mine:
        if node.text is not None:
            node.text = node.text.replace(EMBEDDED, "") or None
    for node in mine:
        if node.role == "frame" and not node.name and not _has_content(node, by_key):
            dropped.add(node.key)
    if not dropped:
        return nodes
    kept, gone = [], set(dropped)
    for node in nodes:  # parents before children
        if node.key in gone or node.parent in gone:
            gone.add(node.key)
            continue
        node.children = [c for c in node.children if c not in gone]
        kept.append(node)
    return kept


def _has_content(node: atspi.Node, by_key: dict[str, atspi.Node]) -> bool:
    """Whether anything named, or with text, is showing below ``node``."""
    for key in node.children:
        child = by_key.get(key)
        if child is not None and (child.name or child.text or _has_content(child, by_key)):
            return True
    return False


def page_shown(nodes: list[atspi.Node], title: str = "") -> bool:
    """Whether the browser's page is in the tree: a document drawn on screen (it has a box once its
    content is laid out), named by its title when ``title`` is given; the page's content reaches
    the tree a moment after its window is up. (about:blank's document has no name.)"""
    return any(
        n.role == "document web" and (n.name == title or not title) and n.box and n.box[3] > 0
        for n in _browser_nodes(nodes)
    )
