"""The X side of a desktop session: synthetic input through XTEST, the window list, pixels, and
waiting for the screen to settle, all on one connection to the session's display.

Runs in the desktop session process (python-xlib and mss, both pure Python over libX11/ctypes).
Input goes through XTEST, as a physical keyboard and mouse would: the applications cannot tell it
from a person. Characters missing from the keyboard map (é, €, ✓) are typed by binding a spare
keycode to them for the keystroke, as xdotool does.
"""

from __future__ import annotations

import difflib
import select
import time
from typing import Any

import mss
from Xlib import XK, X, display, error
from Xlib.error import XError
from Xlib.ext import damage, xtest

#: pyautogui's key names that are not X keysym names, mapped to keysym names.
KEY_ALIASES = {
    "enter": "Return",
    "return": "Return",
    "\n": "Return",
    "\r": "Return",
    "tab": "Tab",
    "\t": "Tab",
    "space": "space",
    " ": "space",
    "backspace": "BackSpace",
    "delete": "Delete",
    "del": "Delete",
    "esc": "Escape",
    "escape": "Escape",
    "up": "Up",
    "down": "Down",
    "left": "Left",
    "right": "Right",
    # Playwright's names (a browser agent's keys), so that one vocabulary works on both.
    "arrowup": "Up",
    "arrowdown": "Down",
    "arrowleft": "Left",
    "arrowright": "Right",
    "meta": "Super_L",
    "contextmenu": "Menu",
    "home": "Home",
    "end": "End",
    "pageup": "Prior",
    "pgup": "Prior",
    "pagedown": "Next",
    "pgdn": "Next",
    "insert": "Insert",
    "ctrl": "Control_L",
    "control": "Control_L",
    "ctrlleft": "Control_L",
    "ctrlright": "Control_R",
    "shift": "Shift_L",
    "shiftleft": "Shift_L",
    "shiftright": "Shift_R",
    "alt": "Alt_L",
    "altleft": "Alt_L",
    "altright": "Alt_R",
    "option": "Alt_L",
    "win": "Super_L",
    "winleft": "Super_L",
    "winright": "Super_R",
    "super": "Super_L",
    "command": "Super_L",
    "cmd": "Super_L",
    "capslock": "Caps_Lock",
    "numlock": "Num_Lock",
    "scrolllock": "Scroll_Lock",
    "printscreen": "Print",
    "prtsc": "Print",
    "prtscr": "Print",
    "print": "Print",
    "pause": "Pause",
    "menu": "Menu",
    "apps": "Menu",
    "add": "KP_Add",
    "subtract": "KP_Subtract",
    "multiply": "KP_Multiply",
    "divide": "KP_Divide",
    "decimal": "KP_Decimal",
    "separator": "KP_Separator",
    "clear": "Clear",
}
BUTTONS = {"left": 1, "middle": 2, "right": 3}
#: Key names to suggest when one is unknown (the session cannot import palaestra.errors).
NAMED_KEYS = sorted({k for k in KEY_ALIASES if len(k) > 1} | {f"f{i}" for i in range(1, 25)})
#: Typing: a pause between characters (xdotool types at 12 ms too); galculator drops keys typed 2 ms apart.
TYPE_INTERVAL = 0.012
#: The least time between two presses of the same key: galculator ignores a key pressed again within
#: about 0.1 s (its button for the key is still shown pressed), so '7311' typed at 12 ms read as '731'.
REPEAT_INTERVAL = 0.15


class InputError(ValueError):
    """A key or button that X does not know."""


def keysym_for(key: str) -> int:
    """The keysym of a pyautogui key name or of one character."""
    name = KEY_ALIASES.get(key.lower() if len(key) > 1 else key, key)
    if len(name) > 1 and name.lower().startswith("num") and name[3:].isdigit():
        name = f"KP_{name[3:]}"
    if len(name) > 1 and name[0] in "fF" and name[1:].isdigit():
        name = f"F{name[1:]}"
    if len(name) == 1:
        code = ord(name)
        return code if code < 0x100 else 0x01000000 | code
    keysym = XK.string_to_keysym(name)
    if keysym == X.NoSymbol:
        keysym = XK.string_to_keysym(name.capitalize())
    if keysym == X.NoSymbol:
        close = difflib.get_close_matches(key.lower(), NAMED_KEYS, n=3, cutoff=0.6)
        hint = f" Did you mean: {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise InputError(f"Unknown key {key!r}.{hint} Use pyautogui's names: 'enter', 'ctrl', 'f5', 'a'...")
    return int(keysym)


def open_display(display_name: str) -> display.Display:
    """A python-xlib connection whose X errors arrive as `XError`s.

    python-xlib's RandR module registers its three error classes at codes 0-2 instead of after the
    extension's first error code, so on a server with RandR (Xvfb has it) core `BadRequest` (1) and
    `BadValue` (2) replies are parsed by classes that cannot parse them: the reply parser itself then
    fails with ``AttributeError: 'BadRRModeError' object has no attribute 'sequence_number'``,
    which nothing expecting an `XError` catches. A window's title that changes between the two reads
    of `get_full_property` (VS Code renames its window while it loads) is such a `BadValue`: it
    failed a whole reset. The core classes are put back; RandR's own errors, which we never ask
    for, are parsed as plain `XError`s.
    """
    connection = display.Display(display_name)
    classes = connection.display.error_classes
    for code in (0, 1, 2):
        if code in error.xerror_class:
            classes[code] = error.xerror_class[code]
        else:
            classes.pop(code, None)
    return connection


class XSession:
    """Input, windows, screenshots and settling on one display."""

    def __init__(self, display_name: str) -> None:
        self.d = open_display(display_name)
        self.screen = self.d.screen()
        self.root = self.screen.root
        self.width, self.height = self.screen.width_in_pixels, self.screen.height_in_pixels
        self.d.damage_query_version()
        self.damage = self.root.damage_create(damage.DamageReportNonEmpty)
        self.grabber = mss.MSS(display=display_name)
        self._spare = self._find_spare_keycode()
        self.held: set[int] = set()
        self._last_key = (0, 0.0)  # keycode and when it was released
        #: Keycodes of presses of keys grabbed on this connection, not yet taken (`terminal_key`).
        self.grabbed_presses: list[int] = []

    def close(self) -> None:
        try:
            self.grabber.close()
            self.d.close()
        except (XError, OSError):
            pass

    # -- input --------------------------------------------------------------------------------

    def _find_spare_keycode(self) -> int:
        low, high = self.d.display.info.min_keycode, self.d.display.info.max_keycode
        mapping = self.d.get_keyboard_mapping(low, high - low + 1)
        for offset in range(len(mapping) - 1, -1, -1):
            if not any(mapping[offset]):
                return low + offset
        return high

    def _keycode(self, keysym: int) -> tuple[int, bool]:
        """A keycode for the keysym, and whether shift is needed for it."""
        for keycode, index in self.d.keysym_to_keycodes(keysym):
            if index in (0, 1):
                return keycode, index == 1
        self.d.change_keyboard_mapping(self._spare, [(keysym, keysym)])
        self.d.sync()
        return self._spare, False

    def key_down(self, key: str) -> None:
        keycode, _ = self._keycode(keysym_for(key))
        xtest.fake_input(self.d, X.KeyPress, keycode)
        self.held.add(keycode)
        self.d.sync()

    def key_up(self, key: str) -> None:
        keycode, _ = self._keycode(keysym_for(key))
        xtest.fake_input(self.d, X.KeyRelease, keycode)
        self.held.discard(keycode)
        self.d.sync()

    def hotkey(self, keys: list[str]) -> None:
        codes = [self._keycode(keysym_for(k))[0] for k in keys]
        for code in codes:
            xtest.fake_input(self.d, X.KeyPress, code)
        for code in reversed(codes):
            xtest.fake_input(self.d, X.KeyRelease, code)
        self.d.sync()

    def press(self, key: str, presses: int = 1) -> None:
        for _ in range(presses):
            self.type_key(keysym_for(key))

    def type_key(self, keysym: int) -> None:
        keycode, shifted = self._keycode(keysym)
        shift = self._keycode(XK.XK_Shift_L)[0]
        if shifted:
            xtest.fake_input(self.d, X.KeyPress, shift)
        last_code, released = self._last_key
        if keycode == last_code:  # the same key again: as a typist would, let the app see it come up
            time.sleep(max(0.0, released + REPEAT_INTERVAL - time.monotonic()))
        xtest.fake_input(self.d, X.KeyPress, keycode)
        xtest.fake_input(self.d, X.KeyRelease, keycode)
        if shifted:
            xtest.fake_input(self.d, X.KeyRelease, shift)
        self.d.sync()
        self._last_key = (keycode, time.monotonic())

    def write(self, text: str) -> None:
        for char in text:
            self.type_key(keysym_for(char))
            time.sleep(TYPE_INTERVAL)

    def move(self, x: float, y: float) -> None:
        x, y = self.clamp(x, y)
        xtest.fake_input(self.d, X.MotionNotify, x=x, y=y)
        self.d.sync()

    def clamp(self, x: float, y: float) -> tuple[int, int]:
        return min(max(round(x), 0), self.width - 1), min(max(round(y), 0), self.height - 1)

    def button(self, button: str, down: bool) -> None:
        if button not in BUTTONS:
            raise InputError(f"Unknown mouse button {button!r}; use 'left', 'middle' or 'right'.")
        xtest.fake_input(self.d, X.ButtonPress if down else X.ButtonRelease, BUTTONS[button])
        self.d.sync()

    def click(self, button: str, clicks: int) -> None:
        for i in range(clicks):
            self.button(button, True)
            self.button(button, False)
            if i + 1 < clicks:
                time.sleep(0.03)

    def drag(self, x: float, y: float, button: str, duration: float) -> None:
        start = self.pointer()
        self.button(button, True)
        steps = max(4, int(duration / 0.02))
        for i in range(1, steps + 1):
            self.move(start[0] + (x - start[0]) * i / steps, start[1] + (y - start[1]) * i / steps)
            time.sleep(max(duration / steps, 0.005))
        self.button(button, False)

    def scroll(self, clicks: int, horizontal: bool) -> None:
        button = (6 if clicks < 0 else 7) if horizontal else (4 if clicks > 0 else 5)
        for _ in range(abs(clicks)):
            xtest.fake_input(self.d, X.ButtonPress, button)
            xtest.fake_input(self.d, X.ButtonRelease, button)
        self.d.sync()

    def pointer(self) -> tuple[int, int]:
        reply = self.root.query_pointer()
        return int(reply.root_x), int(reply.root_y)

    def release_all(self) -> None:
        """Let go of keys an agent held down (keyDown without keyUp) and of the mouse buttons."""
        for keycode in list(self.held):
            xtest.fake_input(self.d, X.KeyRelease, keycode)
        self.held.clear()
        for button in BUTTONS.values():
            xtest.fake_input(self.d, X.ButtonRelease, button)
        self.d.sync()

    # -- windows and pixels -------------------------------------------------------------------

    def _property(self, window: Any, name: str) -> Any:
        atom = self.d.intern_atom(name)
        prop = window.get_full_property(atom, X.AnyPropertyType)
        return prop.value if prop is not None else None

    def window_manager_ready(self) -> bool:
        try:
            return bool(self._property(self.root, "_NET_SUPPORTING_WM_CHECK"))
        except XError:
            return False

    def windows(self) -> list[dict[str, Any]]:
        """The window manager's client windows, bottom to top, with title, class and screen box."""
        try:
            ids = self._property(self.root, "_NET_CLIENT_LIST_STACKING") or []
            active = self._property(self.root, "_NET_ACTIVE_WINDOW")
            active_id = int(active[0]) if active is not None and len(active) else 0
        except XError:
            return []
        out = []
        for wid in ids:
            window = self.d.create_resource_object("window", int(wid))
            try:
                title = self._property(window, "_NET_WM_NAME") or self._property(window, "WM_NAME") or b""
                wm_class = window.get_wm_class() or ("", "")
                geometry = window.get_geometry()
                origin = window.translate_coords(self.root, 0, 0)
            except XError:
                continue  # closed meanwhile
            out.append(
                {
                    "id": int(wid),
                    "title": title.decode("utf-8", "replace") if isinstance(title, bytes) else str(title),
                    "app": str(wm_class[1] or wm_class[0]),
                    "box": [-int(origin.x), -int(origin.y), int(geometry.width), int(geometry.height)],
                    "active": int(wid) == active_id,
                }
            )
        return out

    def screenshot(self) -> bytes:
        """The whole screen as BGRA bytes, row by row."""
        shot = self.grabber.grab({"left": 0, "top": 0, "width": self.width, "height": self.height})
        return bytes(shot.raw)

    def _read_events(self) -> bool:
        """Read the events that came; whether the screen was drawn. Presses of the keys this
        connection grabbed (`terminal_key`) are kept in `grabbed_presses` for the session."""
        drawn = False
        for _ in range(self.d.pending_events()):
            event = self.d.next_event()
            if event.type == self.d.extension_event.DamageNotify:
                drawn = True
            elif event.type == X.KeyPress:
                self.grabbed_presses.append(int(event.detail))
        return drawn

    def take_grabbed_presses(self) -> list[int]:
        """The keycodes of the grabbed keys pressed since the last call (each press once)."""
        self.d.sync()  # the events of input just sent are in by its reply
        self._read_events()
        presses, self.grabbed_presses = self.grabbed_presses, []
        return presses

    def settle(self, quiet: float, limit: float) -> float:
        """Wait until nothing has been drawn for `quiet` seconds (or `limit` passed); returns the wait.

        The DAMAGE extension tells us about every change of the screen's pixels, so this waits on
        the applications' own drawing, not on a fixed sleep.
        """
        started = time.monotonic()
        self.d.damage_subtract(self.damage)
        self.d.sync()
        last = started
        while True:
            now = time.monotonic()
            if now - last >= quiet or now - started >= limit:
                return now - started
            wait = min(quiet - (now - last), limit - (now - started))
            readable, _, _ = select.select([self.d.fileno()], [], [], max(wait, 0.0))
            drawn = False
            if readable or self.d.pending_events():
                drawn = self._read_events()
            if drawn:
                self.d.damage_subtract(self.damage)
                self.d.sync()
                last = time.monotonic()
