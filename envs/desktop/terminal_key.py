"""Ctrl+Alt+T opens a terminal, as it does on OSWorld's Ubuntu VM.

OSWorld's agents open a terminal with ``pyautogui.hotkey('ctrl', 'alt', 't')`` (GNOME's shortcut),
and many of its ``os`` tasks start with no app at all, counting on it. openbox binds no such key,
so here the press did nothing and those tasks could not be done. The session grabs the key on
the root window (so, as under GNOME, no app sees it) and, when an action presses it, starts
lxterminal in the episode's HOME as the episode's other processes start: as the desktop user, in
the episode's cgroup, killed at the episode's end. It is not one of the task's apps, so the agent
may close it (``exit``) without the episode failing.

Runs in the desktop session process, beside `xinput`.
"""

from __future__ import annotations

import time
from typing import Any

from Xlib import XK, X
from Xlib.error import BadAccess, CatchError

#: What the shortcut starts: this desktop's terminal (OSWorld's VM starts GNOME Terminal).
TERMINAL = ["lxterminal"]
#: How long to wait for the terminal's window before the step's observation (it usually takes
#: well under a second; one that never comes is the agent's to see, not a failed step).
WINDOW_TIMEOUT = 10.0
#: Lock and NumLock: the grab must hold whichever of them is on.
_LOCKS = (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)


def grab(x: Any) -> int | None:
    """Grab Ctrl+Alt+T on the display of ``x`` (an `xinput.XSession`); the keycode of its T, or
    None when another client holds the key already."""
    code = int(x.d.keysym_to_keycode(XK.XK_t))
    mods = X.ControlMask | _alt_mask(x)
    caught = CatchError(BadAccess)
    for lock in _LOCKS:
        x.root.grab_key(code, mods | lock, False, X.GrabModeAsync, X.GrabModeAsync, onerror=caught)
    x.d.sync()
    return None if caught.get_error() else code


def _alt_mask(x: Any) -> int:
    """The modifier bit Alt_L sets on this display (Mod1 in every common keymap)."""
    alt = int(x.d.keysym_to_keycode(XK.XK_Alt_L))
    for index, keycodes in enumerate(x.d.get_modifier_mapping()):
        if alt in keycodes:
            return 1 << index
    return int(X.Mod1Mask)


def asked(x: Any, code: int | None) -> bool:
    """Whether the key grabbed as ``code`` was pressed since the last call."""
    presses = x.take_grabbed_presses()
    return code is not None and code in presses


def wait_for_new_window(x: Any, before: set[int], timeout: float = WINDOW_TIMEOUT) -> bool:
    """Until a window not in ``before`` is the active one; whether it came within ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(w["active"] and w["id"] not in before for w in x.windows()):
            return True
        time.sleep(0.05)
    return False
