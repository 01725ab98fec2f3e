"""Parsing OSWorld's ``computer_13`` actions with `json`: ``{"action_type": "CLICK", "parameters":
{"x": 10, "y": 20}}``, a list of them, or the bare words WAIT, FAIL and DONE.

They become the same typed desktop actions as PyAutoGUI calls (`pyautogui_parser.py`), through the
same value checks (`parse_shared.py`); only the reading of the JSON is OSWorld's own.
"""

from __future__ import annotations

import json
from typing import Any

from palaestra.envs.actions.types import Action
from palaestra.envs.desktop import actions as A
from palaestra.envs.desktop.parse_shared import MAX_SCRIPT_CHARS, _button, _int, _keys, _target, code_blocks
from palaestra.errors import ActionError, did_you_mean

COMPUTER_13 = [
    "MOVE_TO",
    "CLICK",
    "MOUSE_DOWN",
    "MOUSE_UP",
    "RIGHT_CLICK",
    "DOUBLE_CLICK",
    "DRAG_TO",
    "SCROLL",
    "TYPING",
    "PRESS",
    "KEY_DOWN",
    "KEY_UP",
    "HOTKEY",
    "WAIT",
    "FAIL",
    "DONE",
]


def parse_computer_13(text: str) -> list[Action]:
    """Parse OSWorld's computer_13 actions: a JSON object ``{"action_type": "CLICK", "parameters":
    {"x": 10, "y": 20}}``, a list of them, or the bare words WAIT, FAIL and DONE."""
    return [action for block in code_blocks(text) for action in _computer_13_block(block)]


def _computer_13_block(source: str) -> list[Action]:
    if source.strip('"') in ("WAIT", "FAIL", "DONE"):
        source = json.dumps({"action_type": source.strip('"')})
    if len(source) > MAX_SCRIPT_CHARS:
        raise ActionError(f"The action has {len(source)} characters; at most {MAX_SCRIPT_CHARS} are allowed.")
    try:
        data = json.loads(source)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ActionError(
            f'Cannot parse {source[:80]!r} as JSON ({exc}). Write {{"action_type": "CLICK", '
            '"parameters": {"x": 100, "y": 200}}.'
        ) from None
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ActionError("Empty list of actions.")
    return [_computer_13(item) for item in items]


def _computer_13(item: Any) -> Action:
    if isinstance(item, str):
        item = {"action_type": item}
    if not isinstance(item, dict) or not isinstance(item.get("action_type"), str):
        raise ActionError(f'Each action is an object with an "action_type", got {str(item)[:80]!r}.')
    kind = item["action_type"].upper()
    params = item.get("parameters") or {}
    if kind not in COMPUTER_13 or not isinstance(params, dict):
        raise ActionError(
            f"Unknown action_type {item['action_type']!r}.{did_you_mean(kind, COMPUTER_13)} "
            f"Available: {', '.join(COMPUTER_13)}."
        )
    try:
        return _computer_13_action(kind, dict(params))
    except (TypeError, ValueError, KeyError) as exc:
        raise ActionError(f"{kind}: {exc}. Parameters given: {json.dumps(params)[:120]}") from None


def _computer_13_action(kind: str, p: dict[str, Any]) -> Action:
    if "element_id" in p:
        p["x"] = str(p.pop("element_id"))
    button = _button(p.get("button", "left"))
    if button not in A.BUTTONS:
        raise ValueError(f"button must be left, middle or right, got {button!r}")
    if kind in ("WAIT", "DONE", "FAIL"):
        return {"WAIT": A.Wait(float(p.get("seconds", 1.0))), "DONE": A.Done(), "FAIL": A.Fail()}[kind]
    if kind == "TYPING":
        if not isinstance(p.get("text"), str):
            raise ValueError("text must be a string")
        return A.Write(p["text"])
    if kind in ("PRESS", "KEY_DOWN", "KEY_UP"):
        key = p.get("key")
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a key name")
        return {"PRESS": A.Press((key,)), "KEY_DOWN": A.KeyDown(key), "KEY_UP": A.KeyUp(key)}[kind]
    if kind == "HOTKEY":
        return A.Hotkey(_keys(p.get("keys"), "HOTKEY"))
    if kind == "SCROLL":
        dx, dy = _int(p.get("dx", 0), "dx"), _int(p.get("dy", 0), "dy")
        if dx and dy:
            raise ValueError("scroll one direction at a time: dx or dy")
        return A.HScroll(dx) if dx else A.Scroll(dy)
    target = _target(p)
    if kind in ("MOVE_TO", "DRAG_TO") and target is None:
        raise ValueError("x and y are required")
    if kind == "CLICK":
        return A.Click(target, _int(p.get("num_clicks", 1), "num_clicks"), button)
    simple = {
        "MOVE_TO": A.MoveTo(target),
        "RIGHT_CLICK": A.RightClick(target),
        "DOUBLE_CLICK": A.DoubleClick(target),
        "DRAG_TO": A.DragTo(target),
    }
    if kind in simple:
        return simple[kind]
    return (A.MouseDown if kind == "MOUSE_DOWN" else A.MouseUp)(target, button)
