"""Chromium as the desktop's web browser: how it is launched, its profile, when it is ready, and the
DevTools endpoint through which OSWorld's tab steps reach it.

OSWorld's tasks start ``google-chrome --remote-debugging-port=1337``; here Debian's Chromium stands
in for it (the task loader names it ``chromium``). Every episode gets a fresh profile inside its
fresh HOME (``--user-data-dir``, Chromium's own default place there), and the browser starts quietly:
no first-run pages, no default-browser question, no background networking, component updates or
sync (nothing may reach out of the machine), passwords in the profile rather than a keyring that
would prompt, no GPU. ``--force-renderer-accessibility`` puts the pages' content into the AT-SPI
tree, not only the browser's own toolbar.

The DevTools port listens on loopback only (Chromium's default for a headful browser), and it is
one Chromium picks (``--remote-debugging-port=0``), not the task's: sessions share the machine (two
workers may play one task at once), so a fixed port would collide, and Chromium writes the port
file ``DevToolsActivePort`` into the profile only for a port it picked. That file is how the tab
steps and the judge's getters find the browser; OSWorld's own use of its port is its host's
getters and the ``socat 9222 -> 1337`` bridge to them, which the loader drops.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import time
import urllib.parse
import urllib.request
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
#: Launch options the session sets itself: a task's own are replaced.
OWN_OPTIONS = ("--user-data-dir", "--remote-debugging-port", "--remote-debugging-address")
#: How long a tab step waits for the browser's DevTools endpoint (a browser launched just before).
ENDPOINT_TIMEOUT = 15.0
#: How long a tab step waits for a page it opened to finish loading.
LOAD_TIMEOUT = 10.0
#: How long a quit waits for the browser to write its profile and exit before it is killed.
QUIT_TIMEOUT = 10.0


def is_browser(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) == PROGRAM


def profile(home: Path) -> Path:
    return home / PROFILE


def launch_argv(argv: list[str], home: Path) -> list[str]:
    """``argv`` (``chromium`` and a task's options and URLs) with the episode's profile, the quiet
    flags and a loopback DevTools port of Chromium's choosing (a task's own port is replaced)."""
    rest = [a for a in argv[1:] if a.partition("=")[0] not in OWN_OPTIONS]
    return [BINARY, f"--user-data-dir={profile(home)}", "--remote-debugging-port=0", *FLAGS, *rest]


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


# -- the DevTools endpoint ---------------------------------------------------------------------


def endpoint(home: Path, timeout: float = ENDPOINT_TIMEOUT) -> str | None:
    """``http://127.0.0.1:PORT`` of the episode's browser, once it answers; None when no browser
    announced a port within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError, ValueError, IndexError, AttributeError):
            port, browser = (profile(home) / "DevToolsActivePort").read_text().split()[:2]
            base = f"http://127.0.0.1:{int(port)}"
            # The file outlives its browser (a quit one leaves it): the port may be another
            # session's browser's by now, so the browser answering must be the one that wrote it.
            if str(_get(base, "/json/version").get("webSocketDebuggerUrl", "")).endswith(browser):
                return base
        if time.monotonic() > deadline:
            return None
        time.sleep(0.2)


def _get(base: str, path: str, method: str = "GET") -> Any:
    """DevTools' answer to ``path``: JSON, or its text (``/json/close`` says "Target is closing")."""
    request = urllib.request.Request(base + path, method=method)
    with urllib.request.urlopen(request, timeout=5) as reply:
        body = reply.read().decode("utf-8", "replace")
    try:
        return json.loads(body)
    except ValueError:
        return body


def pages(base: str) -> list[dict[str, Any]]:
    """The browser's tabs, the most recently active first (DevTools' own order)."""
    return [t for t in _get(base, "/json/list") if t.get("type") == "page"]


def open_tabs(home: Path, urls: list[str]) -> dict[str, Any]:
    """Open each URL in a new tab, in order, each loaded (or given up on) before the next, as
    OSWorld's ``chrome_open_tabs`` does; the last one opened is the active tab."""
    base = endpoint(home)
    if base is None:
        return {"error": "the browser's DevTools endpoint did not come up", "opened": []}
    opened: list[str] = []
    title = ""
    for url in urls:
        # A step that fails is reported and the next one runs (a browser that quit meanwhile, a
        # URL DevTools refuses): the episode goes on, as OSWorld's setup does.
        try:
            tab = _get(base, "/json/new?" + urllib.parse.quote(url, safe=":/?&=#%~+,;@!$'()*[]"), "PUT")
            if not isinstance(tab, dict):
                raise ValueError(f"DevTools answered {str(tab)[:200]!r}")
            title = _wait_loaded(base, str(tab.get("id")))
        except (OSError, ValueError) as exc:
            return {"error": f"could not open {url!r}: {exc}", "opened": opened, "title": title}
        opened.append(url)
    return {"opened": opened, "title": title}


def _wait_loaded(base: str, tab_id: str) -> str:
    """The tab's title once it has one (Chromium sets it once the document is parsed), or ""
    after a deadline."""
    deadline = time.monotonic() + LOAD_TIMEOUT
    while time.monotonic() < deadline:
        tab = next((t for t in pages(base) if t.get("id") == tab_id), None)
        if tab is None:
            return ""
        if tab.get("title") and tab.get("title") != tab.get("url"):
            return str(tab["title"])
        time.sleep(0.1)
    return ""


def close_tabs(home: Path, urls: list[str]) -> dict[str, Any]:
    """Close every tab showing one of ``urls`` (OSWorld's ``chrome_close_tabs``)."""
    base = endpoint(home)
    if base is None:
        return {"error": "the browser's DevTools endpoint did not come up", "closed": []}
    wanted = {_plain(u) for u in urls}
    closed = []
    try:
        tabs = pages(base)
    except (OSError, ValueError) as exc:
        return {"error": f"could not list the browser's tabs: {exc}", "closed": []}
    for tab in tabs:
        if _plain(str(tab.get("url"))) in wanted:
            with contextlib.suppress(OSError, ValueError):
                _get(base, f"/json/close/{tab['id']}")
                closed.append(tab["url"])
    return {"closed": closed}


#: The addresses of Chromium's New Tab page (a task's ``chrome://newtab`` shows as the others).
NEW_TAB = ("chrome://newtab", "chrome://new-tab-page", "chrome://new-tab-page-third-party")


def _plain(url: str) -> str:
    url = url.rstrip("/")
    return NEW_TAB[0] if url in NEW_TAB else url


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
