"""A desktop task as an environment whose actions are tool calls (online RL with TRL, see
`palaestra.envs.tool_env`): the model reads the goal and the accessibility tree of the screen's
apps (``[12] push button 'Save'`` lines) and calls tools on those ids, each one PyAutoGUI action
of the desktop's action set (parsed, never executed); ``done``/``fail`` end the episode as
OSWorld's DONE/FAIL do, and the task is judged then, at the step limit, or when it ends itself.
"""

from __future__ import annotations

from palaestra.envs.tool_env import Reply, ToolEnv
from palaestra.envs.tool_forms import ToolForm, id_text
from palaestra.whole_numbers import whole_number

#: The desktop tools' call forms, which their action errors show (`palaestra.envs.tool_forms`).
CLICK = ToolForm('click(element_id="12")')
DOUBLE_CLICK = ToolForm('double_click(element_id="12")')
RIGHT_CLICK = ToolForm('right_click(element_id="12")')
TYPE_TEXT = ToolForm('type_text(text="hello")', {"message": "text"})
PRESS_KEYS = ToolForm('press_keys(keys="ctrl+s")')
SCROLL = ToolForm('scroll(clicks=-3, element_id="12")')
SEND_MESSAGE = ToolForm('send_message(text="The answer is 42.")')


def _element(value: object) -> object:
    """An element id for a pointer tool: ``None`` is written as an empty id, which the parser
    refuses (PyAutoGUI's ``click(None)`` would click wherever the pointer is)."""
    return "" if value is None else id_text(value)


class DesktopToolEnv(ToolEnv):
    """A desktop task's episode through the tools a computer-use agent needs."""

    VIEW = "The screen"  # the tools' docstrings speak of "the screen's text"

    def click(self, element_id: str) -> Reply:
        """Click an element on the screen.

        Args:
            element_id: The element's id, the number in brackets before it in the screen's text.
        """
        return self._act(f"click({_element(element_id)!r})", CLICK)

    def double_click(self, element_id: str) -> Reply:
        """Double-click an element on the screen (to open a file, select a word).

        Args:
            element_id: The element's id, the number in brackets before it in the screen's text.
        """
        return self._act(f"doubleClick({_element(element_id)!r})", DOUBLE_CLICK)

    def right_click(self, element_id: str) -> Reply:
        """Right-click an element on the screen (to open its context menu).

        Args:
            element_id: The element's id, the number in brackets before it in the screen's text.
        """
        return self._act(f"rightClick({_element(element_id)!r})", RIGHT_CLICK)

    def type_text(self, text: str) -> Reply:
        """Type text with the keyboard into whatever has the focus.

        Args:
            text: The text to type; "\\n" presses Enter.
        """
        return self._act(f"write({text!r})", TYPE_TEXT)

    def press_keys(self, keys: str) -> Reply:
        """Press a key, or keys together.

        Args:
            keys: One key ("enter", "tab", "esc") or a combination joined with "+" ("ctrl+s").
        """
        if not isinstance(keys, str):
            return self._act(f"press({keys!r})", PRESS_KEYS)  # the parser's error names what a key is
        names = [k.strip().lower() for k in keys.split("+") if k.strip()]
        if len(names) == 1:
            return self._act(f"press({names[0]!r})", PRESS_KEYS)
        return self._act(f"hotkey({', '.join(repr(n) for n in names)})", PRESS_KEYS)

    def scroll(self, clicks: int, element_id: str = "") -> Reply:
        """Scroll with the mouse wheel, over an element or where the pointer is.

        Args:
            clicks: Wheel clicks: positive scrolls up, negative down.
            element_id: The element to scroll over ("" for where the pointer is).
        """
        if element_id:
            return self._act(f"scroll({whole_number(clicks)!r}, {id_text(element_id)!r})", SCROLL)
        return self._act(f"scroll({whole_number(clicks)!r})", SCROLL)

    def send_message(self, text: str) -> Reply:
        """Send the user a message, such as the answer to their question.

        Args:
            text: The message.
        """
        return self._act(f"send_msg_to_user({text!r})", SEND_MESSAGE)

    def done(self) -> Reply:
        """Say the task is done: the episode ends and is judged."""
        return self._act("DONE")

    def fail(self) -> Reply:
        """Say the task cannot be done here: the episode ends and is judged."""
        return self._act("FAIL")
