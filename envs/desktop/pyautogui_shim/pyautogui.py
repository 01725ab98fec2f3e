"""``pyautogui`` as a task's commands find it on this desktop: its keyboard and mouse calls, sent to
the episode's display ($DISPLAY) through XTEST by the session's own input code (`xinput`).

Only for commands a task runs in its episode (OSWorld's ``execute`` steps, such as
``python -c "import pyautogui; pyautogui.hotkey('ctrl', 's')"``), in a process of their own; the
agent's actions never come here. PyPI's pyautogui is not used: it needs python3-Xlib, whose
``Xlib`` package would replace python-xlib's. A call it lacks raises AttributeError naming the
calls it has, so the command fails with that on its stderr.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from functools import cache
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import xinput

#: Seconds to pause after each call, as pyautogui's PAUSE; FAILSAFE has no corner to watch here.
PAUSE = 0.1
FAILSAFE = False


@cache
def _x() -> Any:
    return xinput.XSession(os.environ["DISPLAY"])


def _done() -> None:
    time.sleep(PAUSE)


def _keys(keys: str | Iterable[str]) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)


def hotkey(*keys: str | Iterable[str], **_options: Any) -> None:
    """The keys as arguments, or as one list (``hotkey(["ctrl", "q"])``, as OSWorld's GIMP tasks
    call it; pyautogui takes both)."""
    if len(keys) == 1 and not isinstance(keys[0], str):
        keys = tuple(keys[0])
    _x().hotkey([str(k) for k in keys])
    _done()


def press(keys: str | Iterable[str], presses: int = 1, interval: float = 0.0, **_options: Any) -> None:
    for _ in range(presses):
        for key in _keys(keys):
            _x().press(key)
            time.sleep(interval)
    _done()


def keyDown(key: str, **_options: Any) -> None:
    _x().key_down(key)
    _done()


def keyUp(key: str, **_options: Any) -> None:
    _x().key_up(key)
    _done()


def write(message: str | Iterable[str], interval: float = 0.0, **_options: Any) -> None:
    """Type ``message``: a string's characters, or a list's key names (as pyautogui does)."""
    for item in message if not isinstance(message, str) else [message]:
        if isinstance(message, str):
            _x().write(item)
        else:
            _x().press(item)
        time.sleep(interval)
    _done()


typewrite = write


def moveTo(x: float, y: float, duration: float = 0.0, **_options: Any) -> None:
    _x().move(x, y)
    _done()


def click(
    x: float | None = None, y: float | None = None, clicks: int = 1, button: str = "left", **_options: Any
) -> None:
    if x is not None and y is not None:
        _x().move(x, y)
    _x().click(button, clicks)
    _done()


def doubleClick(x: float | None = None, y: float | None = None, **options: Any) -> None:
    click(x, y, clicks=2, **options)


def rightClick(x: float | None = None, y: float | None = None, **options: Any) -> None:
    click(x, y, button="right", **options)


def scroll(clicks: int, x: float | None = None, y: float | None = None, **_options: Any) -> None:
    if x is not None and y is not None:
        _x().move(x, y)
    _x().scroll(int(clicks), horizontal=False)
    _done()


def position() -> tuple[int, int]:
    return _x().pointer()


def size() -> tuple[int, int]:
    return _x().width, _x().height


SUPPORTED = (
    *("click", "doubleClick", "hotkey", "keyDown", "keyUp", "moveTo", "position", "press"),
    *("rightClick", "scroll", "size", "typewrite", "write"),
)


def __getattr__(name: str) -> Any:
    raise AttributeError(
        f"pyautogui.{name} is not available to a task's commands on this desktop; "
        f"these are: {', '.join(SUPPORTED)}"
    )
