"""OSWorld's VLC getters, and the screen and window sizes its fullscreen check compares.

``vlc_playing_info``: VLC's status as its HTTP interface gives it (``/requests/status.xml``, the XML
text). OSWorld asks port 8080 with the password "password"; here every launch of VLC has a loopback
port and a password of its own (`palaestra.envs.desktop.vlc_app`), so the judge's command finds the
episode's VLC among the desktop user's processes (the one on its ``DISPLAY``, the newest if there
are several), reads the port off its command line and the password from the session's private
runtime folder (`palaestra.envs.desktop.vlc_app`), and asks that port. None when no VLC of the
episode answers.

``vlc_config``: VLC's ``vlcrc`` in HOME (``~/.config/vlc/vlcrc``, written when its preferences are
saved), or None when VLC has not written it.

``vm_screen_size`` and ``vm_window_size`` (``app_class_name``): ``{"width": ..., "height": ...}`` of
the screen and of the largest window of that class (OSWorld's ``is_vlc_fullscreen`` compares them).
"""

from __future__ import annotations

from typing import Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import Getter, Place
from palaestra.tasks.desktop.osworld.vlc_metrics import VlcRc

#: Where VLC keeps its settings file in HOME.
VLCRC = ".config/vlc/vlcrc"

#: Run as the desktop user in the episode (``python3`` is the session's): prints the status XML of
#: the episode's VLC, or nothing. A constant: no task text goes into it.
STATUS_SCRIPT = r"""
import base64, os, urllib.request
display, uid, found = os.environ.get("DISPLAY", ""), os.getuid(), []
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        if os.stat(f"/proc/{pid}").st_uid != uid:
            continue
        argv = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace").split("\0")
        env = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace").split("\0")
        started = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        continue
    if os.path.basename(argv[0]) not in ("vlc", "cvlc") or f"DISPLAY={display}" not in env:
        continue
    options = dict(a[2:].split("=", 1) for a in argv if a.startswith("--http-") and "=" in a)
    if options.get("http-port", "").isdigit():
        found.append((started, options["http-port"]))
for _, port in sorted(found, reverse=True):
    try:
        password = open(os.path.join(os.environ["XDG_RUNTIME_DIR"], f"vlc-http-{port}")).read()
    except (KeyError, OSError):
        continue
    request = urllib.request.Request(f"http://127.0.0.1:{port}/requests/status.xml")
    request.add_header("Authorization", "Basic " + base64.b64encode(f":{password}".encode()).decode())
    try:
        print(urllib.request.urlopen(request, timeout=5).read().decode("utf-8", "replace"))
        break
    except OSError:
        continue
"""
STATUS_COMMAND = ("python3", "-c", STATUS_SCRIPT)
SCREEN_COMMAND = (
    "python3",
    "-c",
    "from Xlib import display; s = display.Display().screen(); print(s.width_in_pixels, s.height_in_pixels)",
)


def vlc_playing_info(spec: dict[str, Any], place: Place) -> Getter:
    def read(outcome: DesktopOutcome) -> Any:
        result = outcome.command_results.get(STATUS_COMMAND)
        return result.stdout if result is not None and result.stdout.strip() else None

    return Getter("vlc_playing_info", read, (STATUS_COMMAND,))


def vlc_config(spec: dict[str, Any], place: Place) -> Getter:
    def read(outcome: DesktopOutcome) -> Any:
        path = outcome.path(VLCRC)
        return VlcRc(str(path), str(outcome.home)) if path.is_file() else None

    return Getter("vlc_config", read)


def vm_screen_size(spec: dict[str, Any], place: Place) -> Getter:
    def read(outcome: DesktopOutcome) -> Any:
        result = outcome.command_results.get(SCREEN_COMMAND)
        words = result.stdout.split() if result is not None else []
        if len(words) != 2 or not all(w.isdigit() for w in words):
            return None
        return {"width": int(words[0]), "height": int(words[1])}

    return Getter("vm_screen_size", read, (SCREEN_COMMAND,))


def vm_window_size(spec: dict[str, Any], place: Place) -> Getter:
    name = spec.get("app_class_name")
    if not isinstance(name, str) or not name.strip():
        raise OSWorldTaskError(
            place.source, place.where, f"`app_class_name` must name a window class (e.g. vlc), got {name!r}"
        )

    def read(outcome: DesktopOutcome) -> Any:
        boxes = [w["box"] for w in outcome.windows if str(w.get("app", "")).lower() == name.lower()]
        if not boxes:
            return None
        box = max(boxes, key=lambda b: b[2] * b[3])
        return {"width": box[2], "height": box[3]}

    return Getter("vm_window_size", read)


GETTERS = {
    "vlc_playing_info": vlc_playing_info,
    "vlc_config": vlc_config,
    "vm_screen_size": vm_screen_size,
    "vm_window_size": vm_window_size,
}
