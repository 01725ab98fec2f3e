"""Windows found by title or class, brought to the front or asked to close, as the window manager's
own pager would ask (EWMH client messages to the root window: ``_NET_ACTIVE_WINDOW``,
``_NET_CLOSE_WINDOW``). OSWorld's setup steps do this with wmctrl; the rules for which window a name
matches are wmctrl's (see `matches`), the means python-xlib's, already on the session's connection.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import time
from typing import Any

from Xlib import X
from Xlib.error import XError
from Xlib.protocol import event

#: How long a step waits for its window to appear (an app started just before it) and to come up.
FIND_TIMEOUT = 3.0
ACTIVATE_TIMEOUT = 2.0
#: A pager's request (source indication 2): window managers honour it without focus-stealing checks.
SOURCE_PAGER = 2


def matches(title: str, wm_class: tuple[str, str], name: str, strict: bool, by_class: bool) -> bool:
    """wmctrl's rule: the title (or, ``by_class``, "instance.Class") contains ``name`` ignoring
    case, or equals it exactly when ``strict``."""
    target = ".".join(wm_class) if by_class else title
    return target == name if strict else name.lower() in target.lower()


def _text(x: Any, window: Any, *names: str) -> str:
    for name in names:
        value = x._property(window, name)
        if value:
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ""


def find(x: Any, name: str, strict: bool, by_class: bool, timeout: float = FIND_TIMEOUT) -> Any | None:
    """The first client window (in the window manager's list) that ``name`` matches, waiting up to
    ``timeout`` seconds for one; None if none came."""
    deadline = time.monotonic() + timeout
    while True:
        for wid in x._property(x.root, "_NET_CLIENT_LIST") or []:
            window = x.d.create_resource_object("window", int(wid))
            try:
                title = _text(x, window, "_NET_WM_NAME", "WM_NAME")
                instance, klass = window.get_wm_class() or ("", "")
            except XError:
                continue  # closed meanwhile
            if matches(title, (instance, klass), name, strict, by_class):
                return window
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def _send(x: Any, window: Any, message: str, data: list[int]) -> None:
    ev = event.ClientMessage(window=window, client_type=x.d.intern_atom(message), data=(32, data))
    x.root.send_event(ev, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
    x.d.sync()


def activate(x: Any, window: Any) -> bool:
    """Bring ``window`` to the front with the focus; whether it became the active window in time."""
    _send(x, window, "_NET_ACTIVE_WINDOW", [SOURCE_PAGER, X.CurrentTime, 0, 0, 0])
    deadline = time.monotonic() + ACTIVATE_TIMEOUT
    while time.monotonic() < deadline:
        active = x._property(x.root, "_NET_ACTIVE_WINDOW")
        if active is not None and len(active) and int(active[0]) == window.id:
            return True
        time.sleep(0.02)
    return False


def close(x: Any, window: Any) -> None:
    """Ask ``window`` to close, as its close button would (an app may ask to save first)."""
    _send(x, window, "_NET_CLOSE_WINDOW", [X.CurrentTime, SOURCE_PAGER, 0, 0, 0])
