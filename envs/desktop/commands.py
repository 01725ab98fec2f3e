"""Shell commands a task runs in an episode's HOME: setup steps before and after its apps start
(OSWorld's ``execute``), and the commands a judge reads the output of (OSWorld's ``vm_command_line``).

Part of the session process (imported beside `session`, not through Palaestra). Commands run as the
desktop user, in the episode's HOME with its environment, bounded in time and output, so a task's
command can neither hang the session nor fill its memory.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The longest any one command may run, and the most output kept of each stream.
MAX_SECONDS = 60.0
MAX_OUTPUT = 1_000_000

Popen = Callable[..., "subprocess.Popen[bytes]"]


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


def run(popen: Popen, argv: list[str], timeout: float, log: Any = None) -> dict[str, Any]:
    """Run one command to its end (killed after ``timeout`` seconds); its exit status and output.

    With ``log``, the output goes there and is not returned (setup steps); else it is captured.
    """
    timeout = min(max(float(timeout), 0.1), MAX_SECONDS)
    if log is not None:
        proc = popen(argv, stdout=log, stderr=log)
    else:
        proc = popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        timed_out = True
    return {
        "returncode": proc.returncode,
        "stdout": (out or b"")[:MAX_OUTPUT].decode("utf-8", "replace"),
        "stderr": (err or b"")[:MAX_OUTPUT].decode("utf-8", "replace"),
        "timed_out": timed_out,
    }
