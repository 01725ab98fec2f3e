"""VS Code on this desktop: code-server (VS Code's own workbench, served by Node) shown in a Chromium
app window, started where a task launches ``code`` (Microsoft's build is not in Debian, and nothing
may download here; code-server is installed from npm by ``scripts/setup`` into `ROOT`).

Paths are OSWorld's: the user data folder is ``~/.config/Code`` (settings in ``User/settings.json``,
keybindings in ``User/keybindings.json``) and extensions go to ``~/.vscode/extensions``. Every
episode's HOME is fresh, so both are; the user settings are seeded with a quiet start (no welcome
page or walkthroughs, no telemetry, no update or extension-gallery lookups, no workspace-trust
question, no blinking caret or animations), and code-server gets no extension gallery at all
(``EXTENSIONS_GALLERY={}``), so it never reaches out of the machine.

Only this episode may reach its server: code-server listens on a loopback port of its own with a
password of its own (`vscode_launch` hands it over in code-server's environment; a command line is
readable by any local user). Chromium logs in through a page in the session's private runtime folder
that posts the password to code-server's login form and is sent on to the workbench; the cookie it
gets lives in the window's fresh profile. Another local user who finds the port meets the login
page.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import secrets
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atspi
import browser_app
import vlc_app

PROGRAMS = ("code", "code-server")
#: Where scripts/setup installs code-server (PALAESTRA_CODE_SERVER overrides it).
ROOT = Path(os.environ.get("PALAESTRA_CODE_SERVER", "/opt/palaestra/code-server"))
ENTRY = ROOT / "out" / "node" / "entry.js"
LAUNCHER = Path(__file__).with_name("vscode_launch.py")
#: OSWorld's paths, under HOME.
USER_DATA = ".config/Code"
EXTENSIONS = ".vscode/extensions"
#: The window's own Chromium profile (apart from a browser the task may start as well).
WINDOW_PROFILE = ".config/code-server/window"
#: Seconds VS Code gets to become ready (`ready`): code-server's Node server, the Chromium window
#: and the workbench's extensions start together, 8-16 s at load 4 on 2 cores and up to 23 s at
#: load 5, past the session's 15 s for other apps.
READY_TIMEOUT = 40.0
#: The name the workbench shows in its title, as VS Code's own windows end theirs (OSWorld's
#: tasks find the window by it).
APP_NAME = "Visual Studio Code"
#: A fresh user's settings: a quiet start.
QUIET_SETTINGS: dict[str, Any] = {
    "workbench.startupEditor": "none",
    "workbench.tips.enabled": False,
    "workbench.welcomePage.walkthroughs.openOnInstall": False,
    "workbench.enableExperiments": False,
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "extensions.autoCheckUpdates": False,
    "extensions.autoUpdate": False,
    "extensions.ignoreRecommendations": True,
    "security.workspace.trust.enabled": False,
    # No blinking caret or animation: the same state is the same pixels, and the screen settles as
    # soon as the workbench has drawn (the session's GTK settings do the same for the other apps).
    "editor.cursorBlinking": "solid",
    "workbench.reduceMotion": "on",
    "window.title": "${dirty}${activeEditorShort}${separator}${rootName}${separator}" + APP_NAME,
}
#: code-server's options for every launch (its port and password are the launcher's).
SERVER_FLAGS = (
    "--auth=password",
    "--disable-telemetry",
    "--disable-update-check",
    "--disable-workspace-trust",
    "--disable-getting-started-override",
    "--ignore-last-opened",
    f"--app-name={APP_NAME}",
)


def is_vscode(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) in PROGRAMS


def installed() -> bool:
    return ENTRY.is_file()


def seed_settings(home: Path) -> Path:
    """Write the quiet-start user settings (unless a task's file is there already); the folder
    written, for the caller to hand to the desktop user."""
    user = home / USER_DATA / "User"
    user.mkdir(parents=True, exist_ok=True)
    settings = user / "settings.json"
    if not settings.exists():
        settings.write_text(json.dumps(QUIET_SETTINGS, indent=4) + "\n", encoding="utf-8")
    return home / USER_DATA


def workbench_query(target: str, port: int) -> str:
    """The workbench address (relative to code-server's root) that opens ``target``: a folder, a
    ``.code-workspace`` file, or a file alone (VS Code's ``openFile`` payload); "" opens nothing."""
    if not target:
        return "./"
    if os.path.isdir(target):
        return "./?" + urllib.parse.urlencode({"folder": target})
    if target.endswith(".code-workspace"):
        return "./?" + urllib.parse.urlencode({"workspace": target})
    uri = f"vscode-remote://127.0.0.1:{port}{urllib.parse.quote(target)}"
    return "./?" + urllib.parse.urlencode({"payload": json.dumps([["openFile", uri]])})


#: How often the login page asks whether code-server serves yet (milliseconds).
LOGIN_POLL_MS = 50

#: An image code-server serves without a login once its routes are up. code-server listens before
#: it registers any route (it loads its plug-ins in between, seconds on a loaded machine), and
#: meanwhile answers every address, `/healthz` and `/login` too, with 404: a reply alone does not say
#: it serves. A cross-origin fetch from the page's file:// origin cannot read a status, but an image
#: loads only from a 2xx reply that holds one, and code-server registers `/_static` in the same pass
#: as `/login`.
READY_IMAGE = "/_static/src/browser/media/favicon.ico"


def login_page(port: int, password: str, to: str) -> str:
    """A page that posts the password to code-server's login form as soon as code-server serves it;
    code-server sets its session cookie and sends the window on to ``to``.

    The window starts beside code-server, not after it (`vscode_launch`), so that Chromium's own
    start overlaps the server's: the page loads `READY_IMAGE` until it loads (a refused connection
    and the 404 of a server without routes yet both fail it), then logs in."""
    origin = f"http://127.0.0.1:{port}"
    action = f"{origin}/login?" + urllib.parse.urlencode({"to": to})
    script = (
        'const form = document.getElementById("f");'
        "function attempt() {"
        " const image = new Image();"
        " image.onload = () => form.submit();"
        f" image.onerror = () => setTimeout(attempt, {LOGIN_POLL_MS});"
        f' image.src = "{origin}{READY_IMAGE}?" + Date.now();'
        "}"
        "attempt();"
    )
    return (
        "<!doctype html><html><head><title>Starting VS Code</title></head>"
        f'<body><form id="f" method="post" action="{html.escape(action)}">'
        f'<input type="hidden" name="password" value="{html.escape(password)}"></form>'
        f"<script>{script}</script></body></html>"
    )


def launch_argv(argv: list[str], home: Path, runtime: Path) -> tuple[list[str], list[Path]]:
    """The launcher's argv for ``code [OPTIONS] [PATH]`` and the files written for it (the caller
    hands them to the desktop user): the password, the login page, the user settings."""
    targets = [a for a in argv[1:] if not a.startswith("-")]
    target = str((home / targets[-1]).resolve()) if targets else ""
    port, password = vlc_app.free_port(), secrets.token_hex(16)
    secret = runtime / f"code-server-{port}.secret"
    secret.write_text(password)
    page = runtime / f"code-server-{port}-login.html"
    page.write_text(login_page(port, password, workbench_query(target, port)), encoding="utf-8")
    for path in (secret, page):
        path.chmod(0o600)
    (home / EXTENSIONS).mkdir(parents=True, exist_ok=True)  # code-server makes only its last folder
    written = [secret, page, seed_settings(home), home / ".vscode"]
    options = [
        *SERVER_FLAGS,
        f"--user-data-dir={home / USER_DATA}",
        f"--extensions-dir={home / EXTENSIONS}",
        f"--config={home / '.config/code-server/config.yaml'}",
    ]
    window = [
        browser_app.BINARY,
        f"--user-data-dir={home / WINDOW_PROFILE}",
        *browser_app.FLAGS,
        f"--app={page.as_uri()}",
    ]
    python = "/usr/bin/python3" if Path("/usr/bin/python3").exists() else sys.executable
    launch = [python, str(LAUNCHER), str(port), str(secret), str(ENTRY), "--", *options, "--", *window]
    return launch, written


def window_shown(windows: list[dict[str, Any]]) -> bool:
    """Whether the active window is the workbench's (its title ends with `APP_NAME`)."""
    return any(w["active"] and str(w["title"]).endswith(APP_NAME) for w in windows)


def opens_a_file(argv: list[str]) -> bool:
    """Whether ``code`` was given a file (not a folder or a workspace): its editor is then awaited."""
    return any(
        not a.startswith("-")
        and "." in posixpath.basename(a.rstrip("/"))
        and not a.endswith(".code-workspace")
        for a in argv[1:]
    )


#: Status bar items the workbench shows from the start (the remote indicator, notifications): more
#: than these means its contributions (problems, ports, the editor's position...) have loaded.
EARLY_STATUS_ITEMS = 2


def ready(windows: list[dict[str, Any]], snapshot: Callable[[], list[atspi.Node]], with_file: bool) -> bool:
    """Whether the workbench is up for an agent: its window active and titled, its status bar's
    items loaded (keys sent before then are lost), and, started with a file, its editor in the tree."""
    if not window_shown(windows):
        return False
    nodes = snapshot()
    by_key = {n.key: n for n in nodes}
    bars = [n for n in nodes if n.role == "statusbar"]
    items = sum(1 for n in nodes if n.role == "push button" and _under(n, bars, by_key))
    editor = any(n.role == "entry" for n in nodes if n.box and n.box[3] > 0) or not with_file
    return items > EARLY_STATUS_ITEMS and editor


def _under(node: atspi.Node, parents: list[atspi.Node], by_key: dict[str, atspi.Node]) -> bool:
    keys = {p.key for p in parents}
    parent = node.parent
    while parent is not None and parent in by_key:
        if parent in keys:
            return True
        parent = by_key[parent].parent
    return False
