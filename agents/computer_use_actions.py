"""Computer-use tool calls (Anthropic's ``computer`` tool, OpenAI's computer-use actions) written as
Palaestra actions, the same vocabulary on web and desktop tasks.

Computer-use models answer with JSON, not code: ``{"action": "left_click", "coordinate": [640,
400]}`` (Anthropic) or ``{"type": "click", "button": "left", "x": 640, "y": 400}`` (OpenAI), in the
pixels of the screenshot they were shown, which is often scaled down (to 1280 x 800 or less).
`ComputerUseActions` maps the point back to the screen and writes the call in the environment's
action set: BrowserGym's coordinate actions in a browser (``mouse_click(x, y)``), PyAutoGUI's on the
desktop (``click(x, y)``). Key names go through as written (``ctrl+s``, ``Return``, ``Page_Down``):
both environments read the common spellings. A call that cannot be written (an unknown action, a
point off the model's screen, a missing argument) is `ComputerUseError` naming the fix, which the
agent reports back to the model instead of playing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from palaestra.envs.actions import ActionSet
from palaestra.errors import ActionError, ConfigError

#: Pixels a browser scrolls for one wheel click (Anthropic's ``scroll_amount`` counts clicks).
WHEEL_PX = 100
#: OpenAI's pointer buttons by our names (its ``wheel`` is the middle one).
_BUTTONS = {"left": "left", "right": "right", "middle": "middle", "wheel": "middle"}


class ComputerUseError(ActionError):
    """A computer-use call that cannot be played; the message is for the model."""


@dataclass(frozen=True)
class ScreenScale:
    """The screen as the model saw it (``model``) and as it is (``screen``), both (width, height)."""

    screen: tuple[int, int]
    model: tuple[int, int]

    @classmethod
    def fit(cls, screen: tuple[int, int], largest: tuple[int, int]) -> ScreenScale:
        """The model's screen: ``screen`` scaled down, keeping its shape, to fit in ``largest``
        (never scaled up)."""
        factor = min(1.0, largest[0] / screen[0], largest[1] / screen[1])
        return cls(screen, (max(1, round(screen[0] * factor)), max(1, round(screen[1] * factor))))

    def to_screen(self, x: Any, y: Any) -> tuple[int, int]:
        """A point of the model's screenshot on the real screen; off the screenshot is an error
        naming its range."""
        for value in (x, y):
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise ComputerUseError(
                    f"Coordinates are numbers of pixels, got {value!r}; "
                    f"x runs from 0 to {self.model[0] - 1} and y from 0 to {self.model[1] - 1}."
                )
        if not (0 <= x < self.model[0] and 0 <= y < self.model[1]):
            raise ComputerUseError(
                f"The point ({x:g}, {y:g}) is off the screenshot; x runs from 0 to {self.model[0] - 1} "
                f"and y from 0 to {self.model[1] - 1}."
            )
        sx, sy = self.screen[0] / self.model[0], self.screen[1] / self.model[1]
        return min(self.screen[0] - 1, int(x * sx)), min(self.screen[1] - 1, int(y * sy))


def _point(value: Any, what: str) -> tuple[Any, Any]:
    """``[x, y]`` (Anthropic's ``coordinate``) or ``{"x": .., "y": ..}`` (OpenAI's path points)."""
    if isinstance(value, Mapping) and "x" in value and "y" in value:
        return value["x"], value["y"]
    if isinstance(value, list | tuple) and len(value) == 2:
        return value[0], value[1]
    raise ComputerUseError(f"`{what}` must be a point [x, y], got {value!r}.")


class ComputerUseActions:
    """Writes computer-use calls in one environment's action set, remembering where the pointer is
    (a click without a point clicks there, as the tools' own clicks do)."""

    def __init__(self, action_set: ActionSet, scale: ScreenScale) -> None:
        if "mouse_click" in action_set:
            self.web = True
        elif action_set.name in ("pyautogui", "desktop"):
            self.web = False
        else:
            raise ConfigError(
                f"Computer-use calls are written as BrowserGym's coordinate actions or PyAutoGUI's; "
                f"the action set `{action_set.name}` has neither. Use `web`/`miniwob` in a browser "
                "or `pyautogui` on the desktop."
            )
        self.action_set, self.scale = action_set, scale
        self.pointer: tuple[int, int] | None = None

    # The calls' two dialects -----------------------------------------------------------------------

    def write(self, call: Mapping[str, Any]) -> list[str]:
        """The action lines for one call, in Anthropic's form (``action``) or OpenAI's (``type``)."""
        if not isinstance(call, Mapping):
            raise ComputerUseError(f"A computer call is a JSON object, got {call!r}.")
        if "action" in call:
            return self._anthropic(call)
        if "type" in call:
            return self._openai(call)
        raise ComputerUseError(
            'A computer call names what to do in `action` (Anthropic: {"action": "left_click", '
            '"coordinate": [x, y]}) or `type` (OpenAI: {"type": "click", "x": x, "y": y}).'
        )

    def _anthropic(self, call: Mapping[str, Any]) -> list[str]:
        action, text = call["action"], call.get("text")
        if not isinstance(action, str):
            raise ComputerUseError(f"`action` names the action, a string; got {action!r}.")
        at = self._at(call.get("coordinate"), "coordinate")
        held = [k for k in str(text).split("+") if k] if text and action.endswith("click") else []
        match action:
            case "left_click" | "right_click" | "middle_click" | "double_click" | "triple_click":
                button = "left" if action in ("left_click", "double_click", "triple_click") else action[:-6]
                return self._holding(
                    held, self.click(at, button, {"double": 2, "triple": 3}.get(action[:-6], 1))
                )
            case "mouse_move":
                return [self.move(self._needed(at, "coordinate"))]
            case "left_click_drag":
                start = self._at(call.get("start_coordinate"), "start_coordinate") or self.pointer
                return self.drag(self._needed(start, "start_coordinate"), self._needed(at, "coordinate"))
            case "left_mouse_down" | "left_mouse_up":
                return [self.button(action.endswith("down"), at)]
            case "scroll":
                amount = call.get("scroll_amount", 3)
                return self.scroll(at, str(call.get("scroll_direction", "down")), amount)
            case "type":
                return [self.type_text(self._text(text, action))]
            case "key":
                return [self.keys(k) for k in self._text(text, action).split()]
            case "hold_key":
                return self.hold(self._text(text, action), call.get("duration", 1))
            case "wait":
                return [self.wait(call.get("duration", 1))]
            case "screenshot" | "cursor_position":
                return [self.wait(0)]  # the next observation is the screenshot
        raise ComputerUseError(
            f"Unknown computer action {action!r}; the actions are left_click, right_click, "
            "middle_click, double_click, triple_click, mouse_move, left_click_drag, left_mouse_down, "
            "left_mouse_up, scroll, type, key, hold_key, wait, screenshot."
        )

    def _openai(self, call: Mapping[str, Any]) -> list[str]:
        kind = call["type"]
        at = self._at((call.get("x"), call.get("y")) if "x" in call or "y" in call else None, "x, y")
        match kind:
            case "click":
                button = _BUTTONS.get(str(call.get("button", "left")))
                if button is None:
                    raise ComputerUseError(
                        f"`button` is one of left, right, wheel; got {call.get('button')!r}."
                    )
                return self.click(at, button, 1)
            case "double_click":
                return self.click(at, "left", 2)
            case "move":
                return [self.move(self._needed(at, "x, y"))]
            case "drag":
                path = call.get("path")
                if not isinstance(path, list) or len(path) < 2:
                    raise ComputerUseError("`path` must be a list of at least two points {x, y}.")
                points = [self._needed(self._at(_point(p, "path"), "path"), "path") for p in path]
                return self.drag(points[0], points[-1])
            case "scroll":
                dx, dy = call.get("scroll_x", 0), call.get("scroll_y", 0)
                return self.scroll_px(at, dx, dy)
            case "type":
                return [self.type_text(self._text(call.get("text"), kind))]
            case "keypress":
                keys = call.get("keys")
                if not isinstance(keys, list) or not keys or not all(isinstance(k, str) for k in keys):
                    raise ComputerUseError('`keys` must be a list of key names, e.g. ["CTRL", "S"].')
                return [self.keys("+".join(keys))]
            case "wait":
                return [self.wait(call.get("ms", 1000) / 1000 if "ms" in call else 1)]
            case "screenshot":
                return [self.wait(0)]
        raise ComputerUseError(
            f"Unknown computer action type {kind!r}; the types are click, double_click, move, drag, "
            "scroll, type, keypress, wait, screenshot."
        )

    # Reading arguments ------------------------------------------------------------------------------

    def _at(self, value: Any, what: str) -> tuple[int, int] | None:
        if value is None:
            return None
        return self.scale.to_screen(*_point(value, what))

    def _needed(self, at: tuple[int, int] | None, what: str) -> tuple[int, int]:
        if at is None:
            raise ComputerUseError(f"This action needs `{what}`: the point on the screenshot.")
        return at

    @staticmethod
    def _text(text: Any, action: str) -> str:
        if not isinstance(text, str) or not text:
            raise ComputerUseError(f"`{action}` needs `text`, a non-empty string.")
        return text

    # Writing actions (lines of the environment's set) -------------------------------------------------

    def click(self, at: tuple[int, int] | None, button: str, count: int) -> list[str]:
        x, y = at or self._needed(self.pointer, "coordinate")
        self.pointer = (x, y)
        if not self.web:
            name = {1: "click", 2: "doubleClick", 3: "tripleClick"}[count]
            return [f"{name}({x}, {y}, button={button!r})"]
        if count == 3:  # BrowserGym's mouse_click has no count; ours takes one
            return [f"mouse_click({x}, {y}, button={button!r}, click_count=3)"]
        name = "mouse_dblclick" if count == 2 else "mouse_click"
        return [f"{name}({x}, {y}, button={button!r})"]

    def move(self, at: tuple[int, int]) -> str:
        self.pointer = at
        return f"mouse_move({at[0]}, {at[1]})" if self.web else f"moveTo({at[0]}, {at[1]})"

    def drag(self, start: tuple[int, int], end: tuple[int, int]) -> list[str]:
        self.pointer = end
        if self.web:
            return [f"mouse_drag_and_drop({start[0]}, {start[1]}, {end[0]}, {end[1]})"]
        return [f"moveTo({start[0]}, {start[1]})", f"dragTo({end[0]}, {end[1]}, button='left')"]

    def button(self, down: bool, at: tuple[int, int] | None) -> str:
        x, y = at or self._needed(self.pointer, "coordinate")
        self.pointer = (x, y)
        if self.web:
            return f"mouse_{'down' if down else 'up'}({x}, {y})"
        return f"{'mouseDown' if down else 'mouseUp'}({x}, {y})"

    def scroll(self, at: tuple[int, int] | None, direction: str, amount: Any) -> list[str]:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
            raise ComputerUseError(
                f"`scroll_amount` counts wheel clicks, a whole number >= 0; got {amount!r}."
            )
        steps = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}.get(direction)
        if steps is None:
            raise ComputerUseError(f"`scroll_direction` is up, down, left or right; got {direction!r}.")
        if self.web:
            return self.scroll_px(at, steps[0] * amount * WHEEL_PX, steps[1] * amount * WHEEL_PX)
        x, y = at or self._needed(self.pointer, "coordinate")
        self.pointer = (x, y)
        # PyAutoGUI's clicks go up (scroll) and right (hscroll) when positive.
        if steps[1]:
            return [f"scroll({-steps[1] * amount}, x={x}, y={y})"]
        return [f"hscroll({steps[0] * amount}, x={x}, y={y})"]

    def scroll_px(self, at: tuple[int, int] | None, dx: Any, dy: Any) -> list[str]:
        for value in (dx, dy):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ComputerUseError(f"Scroll distances are numbers of pixels, got {value!r}.")
        x, y = at or self._needed(self.pointer, "x, y")
        self.pointer = (x, y)
        if self.web:  # a wheel over the point: the `miniwob` set has no scroll_at
            return [f"mouse_move({x}, {y})", f"scroll({dx:g}, {dy:g})"]
        lines = [f"scroll({-round(dy / WHEEL_PX)}, x={x}, y={y})"] if dy else []
        return lines + ([f"hscroll({round(dx / WHEEL_PX)}, x={x}, y={y})"] if dx else [])

    def type_text(self, text: str) -> str:
        return f"keyboard_type({text!r})" if self.web else f"write({text!r})"

    def keys(self, combination: str) -> str:
        names = [k for k in combination.split("+") if k] or ["+"]
        if self.web:
            return f"keyboard_press({'+'.join(names)!r})"
        if len(names) == 1:
            return f"press({names[0]!r})"
        return f"hotkey({', '.join(repr(n) for n in names)})"

    def hold(self, keys: str, duration: Any) -> list[str]:
        names = [k for k in keys.split("+") if k]
        if self.web:
            if "keyboard_down" not in self.action_set:
                raise ComputerUseError(f"The `{self.action_set.name}` action set cannot hold keys down.")
            return [
                *(f"keyboard_down({k!r})" for k in names),
                self.wait(duration),
                *(f"keyboard_up({k!r})" for k in reversed(names)),
            ]
        return [
            *(f"keyDown({k!r})" for k in names),
            self.wait(duration),
            *(f"keyUp({k!r})" for k in reversed(names)),
        ]

    def _holding(self, keys: list[str], lines: list[str]) -> list[str]:
        """Lines with modifier ``keys`` held around them (Anthropic's click ``text``: "shift")."""
        if not keys:
            return lines
        held = self.hold("+".join(keys), 0)  # the keys down, a wait of 0, the keys up
        return [*held[: len(keys)], *lines, *held[len(keys) + 1 :]]

    def wait(self, seconds: Any) -> str:
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not 0 <= seconds <= 10:
            raise ComputerUseError(f"`duration` is seconds from 0 to 10, got {seconds!r}.")
        return f"noop({round(seconds * 1000)})" if self.web else f"wait({seconds:g})"

    def finish(self, answer: str) -> str:
        """The model's last word: its answer sent to the user; on the desktop, then OSWorld's
        ``DONE``, which ends the episode and has it judged."""
        message = f"send_msg_to_user({answer!r})"
        if self.web:
            return message
        return f"{message}\nDONE" if answer else "DONE"
