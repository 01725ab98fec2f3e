"""Key names in the spellings models write, turned into Playwright's.

Playwright knows ``Enter``, ``Control``, ``ArrowDown``, ``PageDown``; computer-use models write the
names of the tools they were trained on: X keysyms and xdotool (``Return``, ``BackSpace``,
``Page_Down``, ``ctrl+s``, Anthropic's computer tool), PyAutoGUI (``enter``, ``pgdn``, ``esc``,
``win``) and macOS habits (``cmd+a``). The desktop's action sets already take those spellings
(`palaestra.envs.desktop.xinput`); here the browser's key actions take them too, so that one
vocabulary drives both. A name Playwright knows passes unchanged; a name neither knows is the
agent's error, naming the spellings that work.
"""

from __future__ import annotations

import difflib
from dataclasses import replace

from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions import coord as c
from palaestra.envs.actions import types as a
from palaestra.errors import ActionError

#: Lower-cased spellings (keysym, xdotool, PyAutoGUI, macOS) mapped to Playwright's key names.
_ALIASES = {
    "ctrl": "Control",
    "control": "Control",
    "control_l": "Control",
    "control_r": "Control",
    "ctrlleft": "Control",
    "ctrlright": "Control",
    "shift": "Shift",
    "shift_l": "Shift",
    "shift_r": "Shift",
    "shiftleft": "Shift",
    "shiftright": "Shift",
    "alt": "Alt",
    "alt_l": "Alt",
    "alt_r": "Alt",
    "altleft": "Alt",
    "altright": "Alt",
    "option": "Alt",
    "opt": "Alt",
    "meta": "Meta",
    "meta_l": "Meta",
    "meta_r": "Meta",
    "super": "Meta",
    "super_l": "Meta",
    "super_r": "Meta",
    "cmd": "Meta",
    "command": "Meta",
    "win": "Meta",
    "winleft": "Meta",
    "winright": "Meta",
    "windows": "Meta",
    "enter": "Enter",
    "return": "Enter",
    "kp_enter": "Enter",
    "esc": "Escape",
    "escape": "Escape",
    "backspace": "Backspace",
    "delete": "Delete",
    "del": "Delete",
    "tab": "Tab",
    "space": "Space",
    "up": "ArrowUp",
    "down": "ArrowDown",
    "left": "ArrowLeft",
    "right": "ArrowRight",
    "arrowup": "ArrowUp",
    "arrowdown": "ArrowDown",
    "arrowleft": "ArrowLeft",
    "arrowright": "ArrowRight",
    "home": "Home",
    "end": "End",
    "pageup": "PageUp",
    "page_up": "PageUp",
    "pgup": "PageUp",
    "prior": "PageUp",
    "pagedown": "PageDown",
    "page_down": "PageDown",
    "pgdn": "PageDown",
    "next": "PageDown",
    "insert": "Insert",
    "ins": "Insert",
    "capslock": "CapsLock",
    "caps_lock": "CapsLock",
    "menu": "ContextMenu",
    "apps": "ContextMenu",
    "print": "PrintScreen",
    "printscreen": "PrintScreen",
    "prtsc": "PrintScreen",
    # X keysym names of punctuation (xdotool key minus, ctrl+plus).
    "minus": "-",
    "plus": "+",
    "equal": "=",
    "comma": ",",
    "period": ".",
    "slash": "/",
    "backslash": "\\",
    "semicolon": ";",
    "apostrophe": "'",
    "grave": "`",
    "bracketleft": "[",
    "bracketright": "]",
}


def playwright_key(name: str) -> str:
    """One key's Playwright name: ``Return`` → ``Enter``, ``f5`` → ``F5``, ``a`` stays ``a``."""
    stripped = name.strip() or name  # " " is the space bar
    if len(stripped) == 1:
        return stripped
    lowered = stripped.lower()
    if lowered in _ALIASES:
        return _ALIASES[lowered]
    if lowered[0] == "f" and lowered[1:].isdigit():
        return f"F{lowered[1:]}"
    return stripped


def playwright_keys(keys: str) -> str:
    """A combination's Playwright spelling: ``ctrl+s`` → ``Control+s``, ``ctrl+plus`` → ``Control++``.

    A trailing ``+`` is the plus key (``Control++``), as Playwright reads it.
    """
    if len(keys) <= 1:
        return keys
    parts = keys.split("+")
    if keys.endswith("++"):  # "Control++": the last key is "+"
        parts = [*parts[:-2], "+"]
    return "+".join(playwright_key(p) for p in parts)


def with_playwright_keys(action: a.Action) -> a.Action:
    """The action with its keys in Playwright's names, so that scroll landing (which keys scroll)
    and Playwright read one spelling; actions without keys are returned as they are."""
    match action:
        case a.Press(keys=keys) | a.KeyboardPress(keys=keys):
            return replace(action, keys=playwright_keys(keys))
        case c.KeyboardDown(key=key) | c.KeyboardUp(key=key):
            return replace(action, key=playwright_keys(key))
    return action


def unknown_key_error(call: str, keys: str, exc: PlaywrightError) -> ActionError | None:
    """The agent's error for a key Playwright refused (None when ``exc`` is about something else)."""
    message = str(exc)
    if "Unknown key" not in message:
        return None
    bad = message.split("Unknown key:", 1)[-1].strip().strip('"')
    close = difflib.get_close_matches(bad.lower(), sorted(_ALIASES), n=3, cutoff=0.6)
    hint = f" Did you mean: {', '.join(f'`{c}`' for c in close)}?" if close else ""
    return ActionError(
        f"{call}: unknown key {bad!r} in {keys!r}.{hint} Keys are joined with '+' and named as "
        "Playwright ('Enter', 'Control+a', 'ArrowDown', 'PageDown'), X keysyms ('Return', "
        "'BackSpace', 'Page_Down') or PyAutoGUI ('enter', 'ctrl', 'esc', 'pgdn'), or are one character."
    )
