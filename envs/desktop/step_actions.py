"""One step's action text turned into the session's X operations, before anything is sent.

Kept apart from `env.py` because it is pure: it parses and lowers, and reports what the text
said (messages to the user, ``done()``, ``fail()``) without touching the session. A parse or
lowering error becomes the step's ``last_action_error``, never an exception; the actions before
a failing one still count (their messages are kept, their operations are not sent on their own).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from palaestra.envs.actions import ActionSet
from palaestra.envs.desktop import actions as A
from palaestra.errors import ActionError


@dataclass
class LoweredStep:
    """What one step's text asks of the session, and what it says."""

    ops: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""
    messages: list[str] = field(default_factory=list)
    said_done: bool = False
    said_fail: bool = False
    #: Whether the text parsed to any action: the session is asked even when none has an operation.
    acted: bool = False


def check_on_screen(action: A.Action, screen: tuple[int, int]) -> None:
    """Refuse a point off the screen, naming its range, as a browser refuses one off its viewport.

    X (and PyAutoGUI) would move the pointer to the nearest edge instead, so a model's wrong
    coordinates clicked something it never aimed at, with no error to learn from.
    """
    target = getattr(action, "target", None)
    if not isinstance(target, tuple):
        return
    x, y = target
    width, height = screen
    if not (0 <= x < width and 0 <= y < height):
        raise ActionError(
            f"{action.name}({x:g}, {y:g}): the point is off the screen; x runs from 0 to {width - 1} "
            f"and y from 0 to {height - 1} (screen pixels, the screenshot's)."
        )


def lower_step(
    action_set: ActionSet, text: str, point_of: A.Resolve, screen: tuple[int, int] | None = None
) -> LoweredStep:
    """Parse ``text`` with ``action_set`` and lower each action to X operations (`actions.lower`),
    stopping at the first that cannot be lowered (or, given the ``screen``'s size, whose point is
    off it)."""
    step = LoweredStep()
    try:
        actions = action_set.parse(text)
    except ActionError as exc:
        step.error = str(exc)
        return step
    step.acted = bool(actions)
    for action in actions:
        try:
            if screen is not None:
                check_on_screen(action, screen)
            step.ops += A.lower(action, point_of)
        except ActionError as exc:
            step.error = str(exc)
            break
        if isinstance(action, A.SendMsgToUser):
            step.messages.append(action.text)
        step.said_done = step.said_done or isinstance(action, A.Done)
        step.said_fail = step.said_fail or isinstance(action, A.Fail)
    return step
