"""Shell commands a task runs in an episode's HOME: setup steps before and after its apps start
(OSWorld's ``execute``), and the commands a judge reads the output of (OSWorld's ``vm_command_line``).

Part of the session process (imported beside `session`, not through Palaestra). Commands run as the
desktop user, in the episode's HOME with its environment, bounded in time and output, so a task's
command can neither hang the session nor fill its memory.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mss
import six
import Xlib

#: The longest any one command may run, and the most output kept of each stream.
MAX_SECONDS = 60.0
MAX_OUTPUT = 1_000_000
#: How often a running command's ``while_running`` is called (`run`).
POLL = 0.05

Popen = Callable[..., "subprocess.Popen[bytes]"]
#: Our pyautogui (`pyautogui_shim/pyautogui.py`): what ``import pyautogui`` finds in a task's command.
SHIM_DIR = Path(__file__).with_name("pyautogui_shim")


#: ``sudo`` in a task's commands: OSWorld's setups run ``echo 'password' | sudo -S CMD`` on its VM.
#: Here they already run as the desktop user, who has no root: CMD runs as that user (what needs
#: root fails as it would for them), its options and, with ``-S``, the password line read first.
SUDO = """#!/bin/sh
password=
while [ $# -gt 0 ]; do
  case "$1" in
    -S|--stdin) password=1; shift ;;
    -u|-g|-p|-C|-D|-h|-r|-t|-T|-U) shift 2 ;;
    --) shift; break ;;
    -*) shift ;;
    *) break ;;
  esac
done
[ -n "$password" ] && read -r _ignored
[ $# -gt 0 ] || exit 0
exec "$@"
"""


def command_env(env: dict[str, str], base: Path) -> dict[str, str]:
    """The environment of a task's commands: the episode's, where ``python`` and ``python3`` run
    the session's own Python, ``import pyautogui`` drives this display (our `pyautogui_shim`) and
    ``sudo`` runs its command as the desktop user (`SUDO`).

    OSWorld's tasks save files with ``python -c "import pyautogui; pyautogui.hotkey('ctrl', 's')"``;
    PyPI's pyautogui needs python3-Xlib, whose ``Xlib`` package would replace python-xlib's. The
    wrappers are scripts, not links (a link to a venv's python starts the bare system Python), and
    fall back to the system's python3 when the desktop user may not run the session's (a venv
    whose base Python lives in root's home): the shim's few pure-Python packages are linked into
    ``pylib`` for that one.
    """
    folder, lib = base / "bin", base / "pylib"
    if not folder.is_dir():
        lib.mkdir(exist_ok=True)
        for module in (Xlib, six, mss):
            source = Path(str(module.__file__))
            package = source.parent if source.name == "__init__.py" else source
            (lib / package.name).symlink_to(package)
        folder.mkdir()
        for name in ("python", "python3"):
            candidates = " ".join(shlex.quote(p) for p in (sys.executable, "/usr/bin/python3"))
            script = (
                f'#!/bin/sh\nfor py in {candidates}; do [ -x "$py" ] && exec "$py" "$@"; done\nexit 127\n'
            )
            (folder / name).write_text(script)
            (folder / name).chmod(0o755)  # ours, run by the desktop user
        (folder / "sudo").write_text(SUDO)
        (folder / "sudo").chmod(0o755)
    path = f"{folder}:{env.get('PATH', '/usr/bin:/bin')}"
    return dict(env, PATH=path, PYTHONPATH=f"{SHIM_DIR}:{lib}")


def swap_home(arg: str, alias: str, home: Path) -> str:
    """``arg`` with ``~/`` at its start, and every ``alias`` path in it, pointing into ``home``.

    A task written for another machine names its home by that machine's path (OSWorld's
    ``/home/user``); the alias matches whole path components only (``/home/username`` stays).
    """
    if arg == "~" or arg.startswith("~/"):
        arg = str(home) + arg[1:]
    if alias:
        arg = re.sub(re.escape(alias.rstrip("/")) + r"(?![\w.-])", lambda _: str(home), arg)
    return arg


def fill_screen(arg: str, width: int, height: int) -> str:
    """``arg`` with OSWorld's screen placeholders filled in: its VLC tasks click the middle of the
    screen with ``pyautogui.click({SCREEN_WIDTH_HALF}, {SCREEN_HEIGHT_HALF})``."""
    sizes = {"SCREEN_WIDTH": width, "SCREEN_HEIGHT": height}
    sizes |= {"SCREEN_WIDTH_HALF": width // 2, "SCREEN_HEIGHT_HALF": height // 2}
    return re.sub(r"\{(SCREEN_(?:WIDTH|HEIGHT)(?:_HALF)?)\}", lambda m: str(sizes[m.group(1)]), arg)


def run(
    popen: Popen,
    argv: list[str],
    timeout: float,
    log: Any = None,
    while_running: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run one command to its end (killed after ``timeout`` seconds); its exit status and output.

    With ``log``, the output goes there and is not returned (setup steps); else it is captured.
    ``while_running`` is called every `POLL` seconds while it runs (the session answers keys the
    command presses through our pyautogui: Ctrl+Alt+T opens a terminal, `terminal_key`).
    """
    timeout = min(max(float(timeout), 0.1), MAX_SECONDS)
    if log is not None:
        proc = popen(argv, stdout=log, stderr=log)
    else:
        proc = popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timed_out = False
    deadline = time.monotonic() + timeout
    while True:
        try:
            out, err = proc.communicate(timeout=min(POLL, max(deadline - time.monotonic(), 0.0)))
            break
        except subprocess.TimeoutExpired:
            if time.monotonic() < deadline:
                if while_running is not None:
                    while_running()
                continue
            proc.kill()
            out, err = proc.communicate()
            timed_out = True
            break
    return {
        "returncode": proc.returncode,
        "stdout": (out or b"")[:MAX_OUTPUT].decode("utf-8", "replace"),
        "stderr": (err or b"")[:MAX_OUTPUT].decode("utf-8", "replace"),
        "timed_out": timed_out,
    }
