"""VLC 3.0 as an app of the desktop session: how it is launched, its settings, when it is ready.

VLC keeps its settings in ``~/.config/vlc`` (``vlcrc``, written when its preferences are saved);
every episode has a fresh HOME, so a fresh settings folder. Every launch starts quietly: no
first-run privacy dialog (the one that asks whether VLC may fetch metadata over the network), no
metadata fetched over the network, and sound to the dummy output (the desktop has no sound server).
Linux builds of VLC have no update check.

OSWorld reads what VLC plays through VLC's HTTP interface, which its VM starts on port 8080 with the
password "password". Here every launch gets a loopback port of its own and a random password, so
that parallel sessions on one machine never answer for each other; a task's own ``--http-*``
options are replaced. The port is on VLC's command line; the password is not (any local user may
read a command line, and the interface lists and plays the user's files): it goes into the
episode's ``vlcrc``, as OSWorld's VM keeps its own there, and into a file in the session's private
runtime folder named after the port, where the judge reads it. The judge finds the episode's VLC
(its ``DISPLAY``) and asks that port (`palaestra.tasks.desktop.osworld.vlc_getters`).

Readiness is VLC's main window, active, titled "VLC media player", or, started with a file,
titled after what it plays ("chime.wav - VLC media player"): it shows its plain title a moment
before the file starts. When the episode starts other apps too (OSWorld plays music in VLC beside
a PDF), VLC's window need not be the active one.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import posixpath
import re
import secrets
import socket
from pathlib import Path
from typing import Any

PROGRAM = "vlc"
#: Options for every launch: no privacy dialog, no network metadata, the dummy sound output.
FLAGS = ("--no-qt-privacy-ask", "--no-metadata-network-access", "--aout=adummy")
#: The HTTP interface's options, which the session sets for each launch.
HTTP_OPTIONS = ("--extraintf", "--http-host", "--http-port", "--http-password")
TITLE = "VLC media player"
#: How long VLC may take to quit when asked (seconds) before it is killed.
QUIT_TIMEOUT = 5.0


def is_vlc(argv: list[str]) -> bool:
    return bool(argv) and posixpath.basename(argv[0]) in (PROGRAM, "cvlc")


def free_port() -> int:
    """A loopback port nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _without_http(args: list[str]) -> list[str]:
    """``args`` without a task's own HTTP interface options (``--http-port 8080``, ``--http-port=8080``)."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in HTTP_OPTIONS:
            skip = "=" not in arg
            continue
        kept.append(arg)
    return kept


#: VLC's settings file in HOME, and the line of it that holds the HTTP interface's password.
VLCRC = ".config/vlc/vlcrc"
PASSWORD_LINE = re.compile(r"^#?\s*http-password=.*$", re.MULTILINE)


def password_file(runtime: Path, port: int) -> Path:
    """Where the judge finds the password of the VLC listening on ``port``."""
    return runtime / f"vlc-http-{port}"


def with_password(vlcrc: str, password: str) -> str:
    """A vlcrc's text with the HTTP interface's password set (its line replaced, or added)."""
    line = f"http-password={password}"
    if PASSWORD_LINE.search(vlcrc):
        return PASSWORD_LINE.sub(line, vlcrc, count=1)
    return vlcrc + ("" if vlcrc.endswith("\n") or not vlcrc else "\n") + f"[lua]\n{line}\n"


def launch_argv(argv: list[str], home: Path, runtime: Path) -> tuple[list[str], list[Path]]:
    """``argv`` with the quiet-start options and the HTTP interface (a fresh loopback port) put in
    after the program, and the paths written for it: the password in the vlcrc and beside the
    port in ``runtime`` (the caller hands them to the desktop user)."""
    port, password = free_port(), secrets.token_hex(12)
    settings = home / VLCRC
    settings.parent.mkdir(parents=True, exist_ok=True)
    old = settings.read_text(encoding="utf-8", errors="replace") if settings.is_file() else ""
    settings.write_text(with_password(old, password), encoding="utf-8")
    secret = password_file(runtime, port)
    secret.write_text(password)
    secret.chmod(0o600)
    http = ("--extraintf=http", "--http-host=127.0.0.1", f"--http-port={port}")
    return [argv[0], *FLAGS, *http, *_without_http(argv[1:])], [settings.parent, secret]


def opens_a_file(argv: list[str]) -> bool:
    return any(not a.startswith("-") for a in argv[1:])


def ready(windows: list[dict[str, Any]], with_file: bool, active: bool = True) -> bool:
    """Whether VLC's main window is shown (and active, with ``active``: not so when the episode
    starts another app, which may come in front), titled after its file when it was started with one."""
    for window in windows:
        title = str(window["title"])
        if (window["active"] or not active) and (
            title.endswith(f" - {TITLE}") or (not with_file and title == TITLE)
        ):
            return True
    return False
