"""Run a VS Code extension's command in the episode's running editor and wait for the file it writes:
the judge's command behind OSWorld's ``vscode_config`` getter (`vscode_getters`).

Usage (as the desktop user, in the episode's HOME, with the session's ``python3``, whose
``pyautogui`` drives the episode's display): ``vscode_command.py COMMAND OUTPUT_FILE``.

Like OSWorld's getter, it brings up the command palette (Ctrl+Shift+P) in the editor's window, types
the command and presses Enter: code-server offers no way to run a command from outside the window
(its CLI pipe only opens files and manages extensions), and the palette runs it in the window the
user sees, with the folder the user opened. Unlike OSWorld's, it first checks that an installed
extension contributes the command (typing an unknown one does nothing, and would only time out),
removes the output file the command will write (so a file the agent wrote, or an older run's, never
counts), types the command's palette title from the extension's manifest, and tries twice (keys
typed before the palette is up are lost). Each way it can fail exits with its own status, which the
getter turns into a typed error: `NO_EXTENSION`, `NO_WINDOW`, `NO_FILE`.

It waits on the screen rather than for fixed pauses: after the shortcut until the palette has been
drawn, after typing until the filtered list has (the X DAMAGE extension reports every change of the
screen's pixels; `QUIET` without drawing says the workbench is done). The editor's accessibility
tree would say it more exactly, but the session's ``python3`` has no D-Bus client to read it.

Standard library and the session's own modules only: imported by nothing, run by the session.
"""

from __future__ import annotations

import json
import os
import select
import sys
import time
from pathlib import Path
from typing import Any

#: Exit statuses, one per failure (the getter names each).
NO_EXTENSION, NO_WINDOW, NO_FILE, USAGE = 3, 4, 5, 2
#: The editor's window: its title ends with this (`palaestra.envs.desktop.vscode_app.APP_NAME`).
WINDOW = "Visual Studio Code"
#: Where extensions are installed in HOME (OSWorld's path, code-server's ``--extensions-dir``).
EXTENSIONS = ".vscode/extensions"
#: Palette tries, the longest wait for the palette to be drawn open and filtered, and how long each
#: try waits for the file (seconds). Two tries fit well inside the judge's command timeout (30 s).
TRIES, PALETTE_WAIT, FILE_WAIT = 2, 3.0, 6.0
#: Seconds without drawing after which the workbench has done what the last keys asked (below the
#: half-second blink of a text caret, which draws every time it blinks).
QUIET = 0.2


def _manifests(extensions: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Each installed extension's folder and ``package.json`` (those VS Code marked removed left out)."""
    try:
        obsolete = json.loads((extensions / ".obsolete").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        obsolete = {}
    found = []
    for manifest in sorted(extensions.glob("*/package.json")):
        if isinstance(obsolete, dict) and obsolete.get(manifest.parent.name):
            continue
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            found.append((manifest.parent, data))
    return found


def _localized(text: str, folder: Path) -> str:
    """A manifest string, ``%key%`` looked up in the extension's ``package.nls.json``."""
    if not (len(text) > 2 and text.startswith("%") and text.endswith("%")):
        return text
    try:
        table = json.loads((folder / "package.nls.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return text
    value = table.get(text[1:-1]) if isinstance(table, dict) else None
    value = value.get("message") if isinstance(value, dict) else value
    return value if isinstance(value, str) else text


def palette_title(name: str, extensions: Path) -> str | None:
    """What the palette lists for the contributed command ``name`` (matched by its id or its
    title): its title; None when no installed extension contributes it."""
    for folder, data in _manifests(extensions):
        contributes = data.get("contributes")
        commands = contributes.get("commands") if isinstance(contributes, dict) else None
        for entry in commands if isinstance(commands, list) else [commands]:
            if not isinstance(entry, dict):
                continue
            title = entry.get("title")
            title = _localized(title, folder) if isinstance(title, str) else ""
            if name in (entry.get("command"), title):
                return title or name
    return None


def _written(path: Path, wait: float) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if path.is_file():
            time.sleep(0.2)  # the extension may still be writing it
            return True
        time.sleep(0.1)
    return path.is_file()


def _forget_drawing(x: Any) -> None:
    """Clear what the screen has drawn so far: `_drawn` then waits for what is drawn next."""
    x.d.damage_subtract(x.damage)
    x.d.sync()
    while x.d.pending_events():
        x.d.next_event()


def _drawn(x: Any, limit: float) -> None:
    """Wait until the screen draws something (at most ``limit`` s), then until it has drawn nothing
    for `QUIET` s: the keys sent after `_forget_drawing` have had their effect."""
    deadline = time.monotonic() + limit
    while (left := deadline - time.monotonic()) > 0:
        if not x.d.pending_events():
            select.select([x.d.fileno()], [], [], left)
        if any(
            x.d.next_event().type == x.d.extension_event.DamageNotify for _ in range(x.d.pending_events())
        ):
            break
    x.settle(QUIET, max(deadline - time.monotonic(), QUIET))


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: vscode_command.py COMMAND OUTPUT_FILE", file=sys.stderr)
        return USAGE
    name, output = argv[0], Path(argv[1])
    output.unlink(missing_ok=True)  # only what the command writes now counts
    title = palette_title(name, Path.home() / EXTENSIONS)
    if title is None:
        print(f"no installed VS Code extension contributes the command {name!r}", file=sys.stderr)
        return NO_EXTENSION
    import pyautogui  # the session's shim; it puts the session's modules on the path
    import window_ops
    import xinput

    x = xinput.XSession(os.environ["DISPLAY"])
    try:
        window = window_ops.find(x, WINDOW, strict=False, by_class=False)
        if window is None:
            print(f"no {WINDOW} window is open", file=sys.stderr)
            return NO_WINDOW
        for _ in range(TRIES):
            window_ops.activate(x, window)
            pyautogui.press("escape", presses=2)  # a dialog or an earlier palette left open
            _forget_drawing(x)
            pyautogui.hotkey("ctrl", "shift", "p")
            _drawn(x, PALETTE_WAIT)
            _forget_drawing(x)
            pyautogui.write(title)
            _drawn(x, PALETTE_WAIT)
            pyautogui.press("enter")
            if _written(output, FILE_WAIT):
                return 0
    finally:
        x.close()
    print(f"the command {name!r} ({title!r}) wrote no {output} within {TRIES} tries", file=sys.stderr)
    return NO_FILE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
