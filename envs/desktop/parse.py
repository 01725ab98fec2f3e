"""Parsing desktop actions, never running them: PyAutoGUI scripts with `ast`
(`pyautogui_parser.py`), OSWorld's ``computer_13`` actions with `json` (`computer13_parser.py`),
through the value checks both share (`parse_shared.py`).

This module is where the rest of Palaestra looks: the desktop action sets (`DESKTOP_SETS`, their
introductions for prompts) and the parsers, re-exported so that ``palaestra.envs.desktop.parse``
names everything it named before the parsers grew into modules of their own.
"""

from __future__ import annotations

from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.computer13_parser import COMPUTER_13, parse_computer_13
from palaestra.envs.desktop.parse_shared import BUTTON_NAMES, MAX_SCRIPT_CHARS, code_blocks
from palaestra.envs.desktop.pyautogui_parser import ALIASES, IGNORED, KNOWN, SIGNATURES, parse_pyautogui

__all__ = [
    "ALIASES",
    "BUTTON_NAMES",
    "COMPUTER_13",
    "COMPUTER_13_INTRO",
    "DESKTOP_SETS",
    "IGNORED",
    "KNOWN",
    "MAX_SCRIPT_CHARS",
    "PYAUTOGUI_INTRO",
    "SIGNATURES",
    "code_blocks",
    "parse_computer_13",
    "parse_pyautogui",
]

PYAUTOGUI_INTRO = (
    "Write PyAutoGUI calls, one per line (the `pyautogui.` prefix is optional). Where a call takes x, y\n"
    "you may give an element id from the accessibility tree instead: click('12')."
)
COMPUTER_13_INTRO = (
    'Write OSWorld computer_13 actions as JSON: {"action_type": "CLICK", "parameters": {"x": 100, "y": 200}}'
    "\n"
    "or a list of them; WAIT, FAIL and DONE alone. The same actions as PyAutoGUI calls:"
)
DESKTOP_SETS = {
    "desktop": A.DesktopActionSet("desktop", parse_pyautogui, PYAUTOGUI_INTRO),
    "computer_13": A.DesktopActionSet("computer_13", parse_computer_13, COMPUTER_13_INTRO),
}
DESKTOP_SETS["pyautogui"] = DESKTOP_SETS["desktop"]  # OSWorld's name for it (action_space="pyautogui")
