"""What both desktop action parsers share: the code of a model's reply (its fenced blocks), and the
checks that turn argument values into an action's target, button, counts and keys.

The PyAutoGUI parser (`pyautogui_parser.py`) and the computer_13 parser (`computer13_parser.py`)
accept the same values in the same way, so a model that switches between the two gets the same
errors. The underscored checks are private to those two modules; `parse.py` is the public face.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from palaestra.envs.actions.parser import strip_code_fence
from palaestra.envs.desktop import actions as A
from palaestra.errors import ActionError

MAX_SCRIPT_CHARS = 20_000
#: PyAutoGUI's button constants and other names for its buttons.
BUTTON_NAMES: dict[Any, str] = {
    "LEFT": "left",
    "MIDDLE": "middle",
    "RIGHT": "right",
    "PRIMARY": "left",
    "SECONDARY": "right",
    "primary": "left",
    "secondary": "right",
    1: "left",
    2: "middle",
    3: "right",
}
#: A fenced block of a model's reply (```python ... ```), or one line such as ```DONE```.
_FENCE = re.compile(
    r"^[ \t]*```(?:[ \t]*(?P<word>\w+)[ \t]*```[ \t]*$|[ \t]*[\w+.-]*[ \t]*\n(?P<body>.*?)^[ \t]*```)",
    re.MULTILINE | re.DOTALL,
)


def code_blocks(text: str) -> list[str]:
    """The code of a reply: the bodies of its fenced blocks in order, prose around them dropped (as
    OSWorld's agents read their model's replies); the whole text, less an unclosed fence, if it has none.
    Each is dedented: a model often indents the code of a reply (``    pyautogui.click(1, 2)``)."""
    blocks = [
        textwrap.dedent(m.group("word") or m.group("body") or "").strip() for m in _FENCE.finditer(text)
    ]
    if not blocks:
        return [strip_code_fence(textwrap.dedent(text))]
    blocks = [b for b in blocks if b]
    if not blocks:
        raise ActionError("The reply's code blocks hold no code. Put the calls inside the ``` fence.")
    return blocks


def _target(values: dict[str, Any]) -> A.Target:
    x, y = values.pop("x", None), values.pop("y", None)
    if x is None and y is None:
        return None
    if isinstance(x, str) and y is None:
        if not x.strip():
            raise ValueError("an element id must not be empty")
        return x.strip()
    if isinstance(x, int) and not isinstance(x, bool) and y is None:
        raise ValueError(f"give both x and y, or an element id as a string such as '{x}'")
    if isinstance(x, list | tuple) and y is None and len(x) == 2:
        x, y = x
    if _is_number(x) and _is_number(y):
        return (float(x), float(y))
    raise ValueError(f"the target must be x, y numbers or an element id string, got {x!r}, {y!r}")


def _button(value: Any) -> Any:
    """'left', 'middle' or 'right' for any of PyAutoGUI's names of a button; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return value
    return BUTTON_NAMES.get(value, value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e6


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    return int(value)


def _keys(value: Any, what: str) -> tuple[str, ...]:
    keys = (value,) if isinstance(value, str) else value
    if not isinstance(keys, list | tuple) or not keys or not all(isinstance(k, str) and k for k in keys):
        raise ActionError(f"{what}(): keys must be key names such as 'enter' or 'ctrl', got {value!r}.")
    for key in keys:
        parts = key.split("+")
        if len(parts) > 1 and all(parts):  # "ctrl+s", written as one key (PyAutoGUI has no such key)
            together = ", ".join(repr(p.strip()) for p in parts)
            raise ActionError(
                f"{what}(): {key!r} is a combination, not a key; press keys together with hotkey({together})."
            )
    return tuple(keys)
