"""The typed high-level actions. Each action is a frozen dataclass; its fields are its arguments.

The parser turns ``click("12")`` into ``Click(id="12")``; the executor runs it. Docstrings are
shown to agents (``ActionSet.describe``), so they say what the action does in one line.
"""

from __future__ import annotations

import json
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

#: BrowserGym's names for the arguments our element actions share (its ``bid`` is our ``id``).
_BID = {"bid": "id"}
#: The key modifiers BrowserGym's click and dblclick take (Playwright's names).
MODIFIERS = ("Alt", "Control", "ControlOrMeta", "Meta", "Shift")


@dataclass(frozen=True)
class Action:
    """Base class. ``name`` is the function name agents write.

    ``aliases`` maps BrowserGym's argument names to ours (``bid`` -> ``id``, ``wait_ms`` -> ``ms``):
    agents written for BrowserGym, and models shown its action docs, write its keyword arguments.
    """

    name: ClassVar[str] = ""
    example: ClassVar[str] = ""
    aliases: ClassVar[dict[str, str]] = {}

    def to_call(self) -> str:
        """The action as the string an agent would write (parsing it gives back an equal action)."""
        values = [getattr(self, f.name) for f in fields(self)]
        defaults = [f.default for f in fields(self)]
        while values and values[-1] == defaults[len(values) - 1]:
            values.pop()
        if self.name == "press" and values and values[0] is None:
            values = values[1:]
        shown = [repr(list(v) if isinstance(v, tuple) else v) for v in values]
        return f"{self.name}({', '.join(shown)})"

    @classmethod
    def signature(cls) -> str:
        parts = []
        for f in fields(cls):
            if f.default is not MISSING:
                parts.append(f"{f.name}={f.default!r}")
            elif f.default_factory is not MISSING:
                parts.append(f"{f.name}={f.default_factory()!r}")
            else:
                parts.append(f.name)
        return f"{cls.name}({', '.join(parts)})"


# Element actions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Click(Action):
    """Click an element. button: "left", "middle" or "right"; modifiers: keys held, such as ["Shift"]."""

    name: ClassVar[str] = "click"
    example: ClassVar[str] = "click('12')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str
    button: str = "left"
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class DblClick(Action):
    """Double-click an element."""

    name: ClassVar[str] = "dblclick"
    example: ClassVar[str] = "dblclick('12')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str
    button: str = "left"
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hover(Action):
    """Move the mouse over an element."""

    name: ClassVar[str] = "hover"
    example: ClassVar[str] = "hover('12')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str


@dataclass(frozen=True)
class Fill(Action):
    """Replace the text of an input, textarea or editable element (enable_autocomplete_menu: type
    the last character as a key press, so that the page's suggestions open)."""

    name: ClassVar[str] = "fill"
    example: ClassVar[str] = "fill('7', 'hello world')"
    aliases: ClassVar[dict[str, str]] = {"bid": "id", "value": "text"}
    id: str
    text: str
    enable_autocomplete_menu: bool = False


@dataclass(frozen=True)
class Clear(Action):
    """Empty an input, textarea or editable element."""

    name: ClassVar[str] = "clear"
    example: ClassVar[str] = "clear('7')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str


@dataclass(frozen=True)
class SelectOption(Action):
    """Choose one option (or a list of options) of a <select>, by label or value."""

    name: ClassVar[str] = "select_option"
    example: ClassVar[str] = "select_option('9', 'Blue')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str
    options: str | tuple[str, ...]


@dataclass(frozen=True)
class Check(Action):
    """Tick a checkbox or radio button (no change when it is ticked already)."""

    name: ClassVar[str] = "check"
    example: ClassVar[str] = "check('5')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str


@dataclass(frozen=True)
class Uncheck(Action):
    """Untick a checkbox (no change when it is unticked already)."""

    name: ClassVar[str] = "uncheck"
    example: ClassVar[str] = "uncheck('5')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str


@dataclass(frozen=True)
class Press(Action):
    """Press a key combination on an element, or on the page when only the keys are given."""

    name: ClassVar[str] = "press"
    example: ClassVar[str] = "press('7', 'Enter')  or  press('Control+a')"
    aliases: ClassVar[dict[str, str]] = {"bid": "id", "key_comb": "keys"}
    id: str | None
    keys: str


@dataclass(frozen=True)
class Focus(Action):
    """Give an element the keyboard focus."""

    name: ClassVar[str] = "focus"
    example: ClassVar[str] = "focus('7')"
    aliases: ClassVar[dict[str, str]] = _BID
    id: str


@dataclass(frozen=True)
class Scroll(Action):
    """Scroll by dx, dy pixels: the element with the given id, or the page under the mouse."""

    name: ClassVar[str] = "scroll"
    example: ClassVar[str] = "scroll(0, 200)  or  scroll(0, 200, '14')"
    aliases: ClassVar[dict[str, str]] = {"delta_x": "dx", "delta_y": "dy", "bid": "id"}
    dx: float
    dy: float
    id: str | None = None


@dataclass(frozen=True)
class DragAndDrop(Action):
    """Drag one element onto another."""

    name: ClassVar[str] = "drag_and_drop"
    example: ClassVar[str] = "drag_and_drop('3', '8')"
    aliases: ClassVar[dict[str, str]] = {"from_bid": "from_id", "to_bid": "to_id"}
    from_id: str
    to_id: str


@dataclass(frozen=True)
class UploadFile(Action):
    """Choose files for a file input (or an element whose click opens a file chooser); files are
    names in the environment's upload directory."""

    name: ClassVar[str] = "upload_file"
    example: ClassVar[str] = "upload_file('14', 'report.pdf')  or  upload_file('14', ['a.png', 'b.png'])"
    aliases: ClassVar[dict[str, str]] = {"bid": "id", "file": "files"}
    id: str
    files: str | tuple[str, ...]


# Coordinate actions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MouseClick(Action):
    """Click at viewport coordinates x, y (CSS pixels); click_count=3 triple-clicks (selects a paragraph)."""

    name: ClassVar[str] = "mouse_click"
    example: ClassVar[str] = "mouse_click(80, 120)  or  mouse_click(80, 120, click_count=3)"
    x: float
    y: float
    button: str = "left"
    #: Beyond BrowserGym's signature (which has no count): computer-use models' triple click.
    click_count: int = 1


@dataclass(frozen=True)
class MouseDblClick(Action):
    """Double-click at viewport coordinates x, y."""

    name: ClassVar[str] = "mouse_dblclick"
    example: ClassVar[str] = "mouse_dblclick(80, 120)"
    x: float
    y: float
    button: str = "left"


@dataclass(frozen=True)
class MouseMove(Action):
    """Move the mouse to viewport coordinates x, y."""

    name: ClassVar[str] = "mouse_move"
    example: ClassVar[str] = "mouse_move(80, 120)"
    x: float
    y: float


@dataclass(frozen=True)
class MouseDown(Action):
    """Press a mouse button at x, y and keep it down (for drawing and dragging)."""

    name: ClassVar[str] = "mouse_down"
    example: ClassVar[str] = "mouse_down(10, 20)"
    x: float
    y: float
    button: str = "left"


@dataclass(frozen=True)
class MouseUp(Action):
    """Release a mouse button at x, y."""

    name: ClassVar[str] = "mouse_up"
    example: ClassVar[str] = "mouse_up(90, 120)"
    x: float
    y: float
    button: str = "left"


@dataclass(frozen=True)
class MouseDragAndDrop(Action):
    """Drag from (x1, y1) to (x2, y2) with the left button."""

    name: ClassVar[str] = "mouse_drag_and_drop"
    example: ClassVar[str] = "mouse_drag_and_drop(10, 20, 90, 120)"
    aliases: ClassVar[dict[str, str]] = {"from_x": "x1", "from_y": "y1", "to_x": "x2", "to_y": "y2"}
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class KeyboardType(Action):
    """Type text into whatever has the focus."""

    name: ClassVar[str] = "keyboard_type"
    example: ClassVar[str] = "keyboard_type('hello')"
    text: str


@dataclass(frozen=True)
class KeyboardPress(Action):
    """Press a key combination on whatever has the focus."""

    name: ClassVar[str] = "keyboard_press"
    example: ClassVar[str] = "keyboard_press('Control+c')"
    aliases: ClassVar[dict[str, str]] = {"key": "keys"}
    keys: str


# Navigation and tabs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Goto(Action):
    """Open a URL in the current tab."""

    name: ClassVar[str] = "goto"
    example: ClassVar[str] = "goto('http://localhost:8080/')"
    url: str


@dataclass(frozen=True)
class GoBack(Action):
    """Go back in the current tab's history."""

    name: ClassVar[str] = "go_back"
    example: ClassVar[str] = "go_back()"


@dataclass(frozen=True)
class GoForward(Action):
    """Go forward in the current tab's history."""

    name: ClassVar[str] = "go_forward"
    example: ClassVar[str] = "go_forward()"


@dataclass(frozen=True)
class NewTab(Action):
    """Open a new, empty tab and switch to it."""

    name: ClassVar[str] = "new_tab"
    example: ClassVar[str] = "new_tab()"


@dataclass(frozen=True)
class TabFocus(Action):
    """Switch to the tab at this index of open_pages."""

    name: ClassVar[str] = "tab_focus"
    example: ClassVar[str] = "tab_focus(0)"
    index: int


@dataclass(frozen=True)
class TabClose(Action):
    """Close the current tab."""

    name: ClassVar[str] = "tab_close"
    example: ClassVar[str] = "tab_close()"


# Talking to the user and waiting ------------------------------------------------------------------


@dataclass(frozen=True)
class SendMsgToUser(Action):
    """Send a message (such as the answer to a question) to the user."""

    name: ClassVar[str] = "send_msg_to_user"
    example: ClassVar[str] = "send_msg_to_user('The total is 42')"
    text: str


@dataclass(frozen=True)
class ReportInfeasible(Action):
    """Say that the task cannot be done, and why. Ends the episode."""

    name: ClassVar[str] = "report_infeasible"
    example: ClassVar[str] = "report_infeasible('There is no such product')"
    reason: str


@dataclass(frozen=True)
class Noop(Action):
    """Do nothing for ms milliseconds (let the page change)."""

    name: ClassVar[str] = "noop"
    example: ClassVar[str] = "noop(500)"
    aliases: ClassVar[dict[str, str]] = {"wait_ms": "ms"}
    ms: float = 1000


# Tools a task declares (a calculator, a converter, its manuals) ---------------------------------


@dataclass(frozen=True)
class CallApi(Action):
    """Call one of the task's tools with JSON arguments; its result shows in the next observation."""

    name: ClassVar[str] = "call_api"
    example: ClassVar[str] = "call_api('calc/evaluate', {'expression': '12 * (3 + 4)'})"
    api: str
    arguments: dict[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:  # arguments is a dict; hash what identifies the call
        return hash((self.api, json.dumps(self.arguments, sort_keys=True, default=str)))


@dataclass(frozen=True)
class SearchApis(Action):
    """Find the task's tools that fit a need, described in words; matches show in the next observation."""

    name: ClassVar[str] = "search_apis"
    example: ClassVar[str] = "search_apis('convert miles to kilometers')"
    query: str
    k: int = 5


#: Added to a task's action set when the task declares tools.
TOOL_ACTIONS: tuple[type[Action], ...] = (CallApi, SearchApis)

ALL_ACTIONS: tuple[type[Action], ...] = (
    Click,
    DblClick,
    Hover,
    Fill,
    Clear,
    SelectOption,
    Check,
    Uncheck,
    Press,
    Focus,
    Scroll,
    DragAndDrop,
    UploadFile,
    MouseClick,
    MouseDblClick,
    MouseMove,
    MouseDown,
    MouseUp,
    MouseDragAndDrop,
    KeyboardType,
    KeyboardPress,
    Goto,
    GoBack,
    GoForward,
    NewTab,
    TabFocus,
    TabClose,
    SendMsgToUser,
    ReportInfeasible,
    Noop,
)
