"""BrowserGym's keyboard and coordinate actions beyond our first set (its ``coord`` subset):
``keyboard_down``, ``keyboard_up``, ``keyboard_insert_text``, ``scroll_at`` and
``mouse_upload_file``, with BrowserGym's signatures, so that an agent written for that subset runs
here unchanged. They are in the ``web`` set; MiniWoB++'s set leaves them out (as BrowserGym's
``miniwob_all`` does), and ``--action-set web`` offers them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from palaestra.envs.actions.types import Action


@dataclass(frozen=True)
class KeyboardDown(Action):
    """Press a key and keep it down until keyboard_up (Shift held over several clicks)."""

    name: ClassVar[str] = "keyboard_down"
    example: ClassVar[str] = "keyboard_down('Shift')"
    key: str


@dataclass(frozen=True)
class KeyboardUp(Action):
    """Release a key that keyboard_down pressed."""

    name: ClassVar[str] = "keyboard_up"
    example: ClassVar[str] = "keyboard_up('Shift')"
    key: str


@dataclass(frozen=True)
class KeyboardInsertText(Action):
    """Insert text where the focus is, in one input event and without key presses (as pasting)."""

    name: ClassVar[str] = "keyboard_insert_text"
    example: ClassVar[str] = "keyboard_insert_text('Hello world!')"
    text: str


@dataclass(frozen=True)
class ScrollAt(Action):
    """Scroll by dx, dy pixels with the mouse at viewport point x, y (what is under it scrolls)."""

    name: ClassVar[str] = "scroll_at"
    example: ClassVar[str] = "scroll_at(400, 300, 0, 200)"
    x: float
    y: float
    dx: float
    dy: float


@dataclass(frozen=True)
class MouseUploadFile(Action):
    """Click at x, y and give the file chooser it opens files of the environment's upload directory."""

    name: ClassVar[str] = "mouse_upload_file"
    example: ClassVar[str] = "mouse_upload_file(120, 340, 'report.pdf')"
    aliases: ClassVar[dict[str, str]] = {"file": "files"}
    x: float
    y: float
    files: str | tuple[str, ...]


COORD_ACTIONS: tuple[type[Action], ...] = (
    KeyboardDown,
    KeyboardUp,
    KeyboardInsertText,
    ScrollAt,
    MouseUploadFile,
)
