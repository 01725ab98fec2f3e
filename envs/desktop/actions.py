"""Desktop actions: the PyAutoGUI subset that OmniACT and OSWorld scripts use, as typed actions.

``pyautogui.click(640, 400)``, ``click('12')`` (an element id from the observation),
``hotkey('ctrl', 's')`` and ``write('hello')`` parse (see `parse`, never ``exec``) into the frozen
dataclasses below; the environment lowers them to input requests for the X server (`lower`).
OSWorld's ``computer_13`` JSON actions parse into the same types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from palaestra.envs.actions.action_set import ActionSet
from palaestra.envs.actions.limits import DEFAULT_LIMITS, ActionLimits
from palaestra.envs.actions.parser import check_text
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError

#: Where a pointer action goes: an element id ('12'), screen coordinates, or None (where it is).
Target = str | tuple[float, float] | None
BUTTONS = ("left", "middle", "right")


@dataclass(frozen=True)
class DesktopAction(Action):
    """Base of the desktop actions; prints as the PyAutoGUI call it parses from."""

    def to_call(self) -> str:
        """Positional: the target and a first argument such as the text; the rest by name, since
        PyAutoGUI's positions differ from ours (``click(x, y, clicks, interval, button)``)."""
        args: list[str] = []
        for i, f in enumerate(fields(self)):
            value = getattr(self, f.name)
            if value == f.default:
                continue
            if f.name == "target":
                if isinstance(value, tuple):
                    x, y = _num(value[0]), _num(value[1])
                    args += [x, y] if i == 0 else [f"x={x}", f"y={y}"]
                else:
                    args.append(repr(value) if i == 0 else f"id={value!r}")
            elif f.name == "keys" and self.name == "hotkey":
                args += [repr(k) for k in value]
            else:
                shown = repr(
                    (value[0] if len(value) == 1 else list(value)) if isinstance(value, tuple) else value
                )
                args.append(shown if i == 0 else f"{f.name}={shown}")
        return f"{self.name}({', '.join(args)})"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


@dataclass(frozen=True)
class Click(DesktopAction):
    """Click at an element ('12') or at x, y (the pointer's place if neither). button: left, middle, right."""

    name: ClassVar[str] = "click"
    example: ClassVar[str] = "click('12') or click(640, 400)"
    target: Target = None
    clicks: int = 1
    button: str = "left"


@dataclass(frozen=True)
class DoubleClick(DesktopAction):
    """Double-click at an element or at x, y."""

    name: ClassVar[str] = "doubleClick"
    example: ClassVar[str] = "doubleClick('12')"
    target: Target = None


@dataclass(frozen=True)
class TripleClick(DesktopAction):
    """Triple-click at an element or at x, y (selects a line of text)."""

    name: ClassVar[str] = "tripleClick"
    example: ClassVar[str] = "tripleClick('12')"
    target: Target = None


@dataclass(frozen=True)
class RightClick(DesktopAction):
    """Right-click at an element or at x, y."""

    name: ClassVar[str] = "rightClick"
    example: ClassVar[str] = "rightClick(300, 200)"
    target: Target = None


@dataclass(frozen=True)
class MiddleClick(DesktopAction):
    """Middle-click at an element or at x, y."""

    name: ClassVar[str] = "middleClick"
    example: ClassVar[str] = "middleClick(300, 200)"
    target: Target = None


@dataclass(frozen=True)
class MoveTo(DesktopAction):
    """Move the pointer to an element or to x, y."""

    name: ClassVar[str] = "moveTo"
    example: ClassVar[str] = "moveTo(640, 400)"
    target: Target = None


@dataclass(frozen=True)
class DragTo(DesktopAction):
    """Hold a button and drag the pointer from where it is to an element or to x, y."""

    name: ClassVar[str] = "dragTo"
    example: ClassVar[str] = "dragTo(700, 420)"
    target: Target = None
    duration: float = 0.2
    button: str = "left"


@dataclass(frozen=True)
class MoveRel(DesktopAction):
    """Move the pointer by dx, dy pixels from where it is (PyAutoGUI's move and moveRel)."""

    name: ClassVar[str] = "moveRel"
    example: ClassVar[str] = "moveRel(0, 40)"
    dx: float = 0.0
    dy: float = 0.0


@dataclass(frozen=True)
class DragRel(DesktopAction):
    """Hold a button and drag the pointer by dx, dy pixels (PyAutoGUI's drag and dragRel)."""

    name: ClassVar[str] = "dragRel"
    example: ClassVar[str] = "dragRel(120, 0)"
    dx: float = 0.0
    dy: float = 0.0
    duration: float = 0.2
    button: str = "left"


@dataclass(frozen=True)
class MouseDown(DesktopAction):
    """Press a mouse button (at an element or x, y if given) and keep it down."""

    name: ClassVar[str] = "mouseDown"
    example: ClassVar[str] = "mouseDown(button='left')"
    target: Target = None
    button: str = "left"


@dataclass(frozen=True)
class MouseUp(DesktopAction):
    """Release a mouse button (at an element or x, y if given)."""

    name: ClassVar[str] = "mouseUp"
    example: ClassVar[str] = "mouseUp(button='left')"
    target: Target = None
    button: str = "left"


@dataclass(frozen=True)
class Scroll(DesktopAction):
    """Scroll by clicks of the wheel (positive: up), over an element or x, y if given."""

    name: ClassVar[str] = "scroll"
    example: ClassVar[str] = "scroll(-5)"
    clicks: int
    target: Target = None


@dataclass(frozen=True)
class HScroll(DesktopAction):
    """Scroll sideways by clicks (positive: right), over an element or x, y if given."""

    name: ClassVar[str] = "hscroll"
    example: ClassVar[str] = "hscroll(3)"
    clicks: int
    target: Target = None


@dataclass(frozen=True)
class Write(DesktopAction):
    """Type text into the focused control; '\\n' presses Enter."""

    name: ClassVar[str] = "write"
    example: ClassVar[str] = "write('Hello world')"
    text: str


@dataclass(frozen=True)
class Press(DesktopAction):
    """Press and release one key, or each of a list of keys in turn ('enter', 'tab', 'f2', 'a')."""

    name: ClassVar[str] = "press"
    example: ClassVar[str] = "press('enter')"
    keys: tuple[str, ...]
    presses: int = 1


@dataclass(frozen=True)
class Hotkey(DesktopAction):
    """Press keys together, in order, and release them in reverse: a shortcut."""

    name: ClassVar[str] = "hotkey"
    example: ClassVar[str] = "hotkey('ctrl', 's')"
    keys: tuple[str, ...]


@dataclass(frozen=True)
class KeyDown(DesktopAction):
    """Hold a key down (until keyUp)."""

    name: ClassVar[str] = "keyDown"
    example: ClassVar[str] = "keyDown('shift')"
    key: str


@dataclass(frozen=True)
class KeyUp(DesktopAction):
    """Release a held key."""

    name: ClassVar[str] = "keyUp"
    example: ClassVar[str] = "keyUp('shift')"
    key: str


@dataclass(frozen=True)
class Wait(DesktopAction):
    """Wait for seconds (let the application catch up)."""

    name: ClassVar[str] = "wait"
    example: ClassVar[str] = "wait(1)"
    seconds: float = 1.0


@dataclass(frozen=True)
class SendMsgToUser(DesktopAction):
    """Tell the user something, such as the answer to a question."""

    name: ClassVar[str] = "send_msg_to_user"
    example: ClassVar[str] = "send_msg_to_user('The total is 42')"
    text: str


@dataclass(frozen=True)
class Done(DesktopAction):
    """Say the task is finished. Ends the episode."""

    name: ClassVar[str] = "done"
    example: ClassVar[str] = "done()"


@dataclass(frozen=True)
class Fail(DesktopAction):
    """Say the task cannot be done, and why. Ends the episode."""

    name: ClassVar[str] = "fail"
    example: ClassVar[str] = "fail('There is no such file')"
    reason: str = ""


DESKTOP_ACTIONS: tuple[type[DesktopAction], ...] = (
    Click,
    DoubleClick,
    TripleClick,
    RightClick,
    MiddleClick,
    MoveTo,
    DragTo,
    MoveRel,
    DragRel,
    MouseDown,
    MouseUp,
    Scroll,
    HScroll,
    Write,
    Press,
    Hotkey,
    KeyDown,
    KeyUp,
    Wait,
    SendMsgToUser,
    Done,
    Fail,
)


class DesktopActionSet(ActionSet):
    """The desktop actions, written as PyAutoGUI calls (`pyautogui.` prefix optional)."""

    def __init__(self, name: str, parser: Callable[[str], list[Action]], intro: str) -> None:
        super().__init__(name, DESKTOP_ACTIONS)
        self._parser, self._intro = parser, intro

    def parse(self, text: str, limits: ActionLimits = DEFAULT_LIMITS) -> list[Action]:
        check_text(text, limits)  # bounded and valid text before any parser sees it
        return self._parser(text)

    def describe(self) -> str:
        return self._intro + "\n" + super().describe().split("\n", 1)[1]


Resolve = Callable[[str], tuple[float, float]]


def lower(action: Action, resolve: Resolve) -> list[dict[str, Any]]:
    """The input requests for the desktop session that carry out `action` (none for answers).

    `resolve` turns an element id into the centre of its box on screen, or raises ActionError.
    """
    target = getattr(action, "target", None)
    at: dict[str, Any] = {}
    if isinstance(target, str):
        x, y = resolve(target)
        at = {"x": x, "y": y}
    elif isinstance(target, tuple):
        at = {"x": float(target[0]), "y": float(target[1])}
    button = getattr(action, "button", "left")
    if button not in BUTTONS:
        raise ActionError(f"{action.name}(): button must be one of {', '.join(BUTTONS)}, got {button!r}.")
    match action:
        case Click(clicks=clicks):
            if not 1 <= clicks <= 3:
                raise ActionError(f"click(): clicks must be 1, 2 or 3, got {clicks}.")
            return [dict(at, k="click", button=button, clicks=clicks)]
        case DoubleClick() | TripleClick() | RightClick() | MiddleClick():
            clicks = {"doubleClick": 2, "tripleClick": 3}.get(action.name, 1)
            button = {"rightClick": "right", "middleClick": "middle"}.get(action.name, "left")
            return [dict(at, k="click", button=button, clicks=clicks)]
        case MoveTo():
            return [dict(at, k="move")] if at else []
        case DragTo(duration=duration):
            if not at:
                raise ActionError("dragTo() needs where to: an element id or x, y.")
            return [dict(at, k="drag", button=button, duration=min(max(duration, 0.0), 5.0))]
        case MoveRel(dx=dx, dy=dy):
            return [{"k": "move", "dx": dx, "dy": dy}]
        case DragRel(dx=dx, dy=dy, duration=duration):
            return [
                {"k": "drag", "dx": dx, "dy": dy, "button": button, "duration": min(max(duration, 0.0), 5.0)}
            ]
        case MouseDown() | MouseUp():
            return [dict(at, k=action.name.lower(), button=button)]
        case Scroll(clicks=clicks) | HScroll(clicks=clicks):
            if abs(clicks) > 200:
                raise ActionError(f"{action.name}(): at most 200 clicks at a time, got {clicks}.")
            return [dict(at, k="scroll", clicks=clicks, horizontal=action.name == "hscroll")]
        case Write(text=text):
            if len(text) > 5000:
                raise ActionError(f"write(): at most 5000 characters at a time, got {len(text)}.")
            return [{"k": "write", "text": text}]
        case Press(keys=keys, presses=presses):
            if not 1 <= presses <= 100:
                raise ActionError(f"press(): presses must be 1 to 100, got {presses}.")
            return [{"k": "press", "keys": list(keys), "presses": presses}]
        case Hotkey(keys=keys):
            return [{"k": "hotkey", "keys": list(keys)}]
        case KeyDown(key=key) | KeyUp(key=key):
            return [{"k": action.name.lower(), "key": key}]
        case Wait(seconds=seconds):
            if not 0 <= seconds <= 30:
                raise ActionError(f"wait(): seconds must be 0 to 30, got {seconds}.")
            return [{"k": "wait", "seconds": seconds}]
    return []
