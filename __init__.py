"""Palaestra: train, evaluate and debug LLM agents on real computer tasks.

Importing the package registers every task suite with Gymnasium, so that
``gym.make("palaestra/miniwob.click-test")`` works after ``import palaestra``.
"""

import os
import signal
import sys
import threading
from types import FrameType


def _startup_interrupt(signum: int, frame: FrameType | None) -> None:
    """Ctrl-C while the `palaestra` command imports the package: one line and exit 130."""
    sys.stderr.write("palaestra: interrupted (Ctrl-C).\n")
    raise SystemExit(130)


def _quiet_interrupt_while_starting() -> None:
    """In the `palaestra` command only, a Ctrl-C before `cli.main` takes over (the suites take about
    0.35 s to register) ends it as `main` ends any other Ctrl-C, not with a traceback of the import.

    The command's script imports `palaestra.cli`, hence this package, before it calls anything, and a
    target outside the package would need a second package root in every install; so the package
    root installs the handler itself, first, and only when the process's script is the command: a
    program importing `palaestra` keeps its own Ctrl-C. Python's handler is back once the suites are
    registered (`_python_interrupt_again`), so nothing after the import (a command's own handling,
    a worker process started from the command) sees another Ctrl-C than Python's.
    """
    script = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if os.path.basename(script) != "palaestra" or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # not ignored, not someone's own
        signal.signal(signal.SIGINT, _startup_interrupt)


def _python_interrupt_again() -> None:
    if signal.getsignal(signal.SIGINT) is _startup_interrupt:
        signal.signal(signal.SIGINT, signal.default_int_handler)


_quiet_interrupt_while_starting()

from palaestra.tasks.registry import register_gymnasium_envs  # noqa: E402  (after the handler)

__version__ = "0.1.0"

register_gymnasium_envs()
_python_interrupt_again()
