"""An action string as the UI shows it: the typed calls it parses to, and where on the page they act.

Parsing is the environment's own (``ActionSet.parse``: Python's ``ast``, literals only, never
``exec``), so what the UI shows as "parsed" is exactly what the environment would run.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from palaestra.envs.actions import WEB_ACTIONS, ActionSet
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.errors import ActionError

#: Recorded runs do not say which action set their environment had; the web set holds every
#: browser action, and with the tools' calls it parses whatever a browser agent may write.
RECORDED_ACTIONS = WEB_ACTIONS.with_tools()


def describe_action(text: str, action_set: ActionSet | None = None) -> dict[str, Any]:
    """``{"calls": [{"name", "args", "call"}], "targets": [ids], "points": [[x, y]], "error"}``."""
    chosen = action_set or RECORDED_ACTIONS
    try:
        actions = chosen.parse(text) if text.strip() else []
    except ActionError as exc:
        return {"calls": [], "targets": [], "points": [], "error": str(exc)}
    calls, targets, points = [], [], []
    for action in actions:
        args = {f.name: getattr(action, f.name) for f in fields(action)}
        calls.append({"name": action.name, "args": _jsonable(args), "call": action.to_call()})
        targets += [v for k, v in args.items() if k in ID_FIELDS and isinstance(v, str)]
        x, y = args.get("x"), args.get("y")
        if isinstance(x, int | float) and isinstance(y, int | float):
            points.append([x, y])
    return {"calls": calls, "targets": targets, "points": points, "error": ""}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


#: The element fields the UI needs to draw and name boxes (the rest stay in the record).
ELEMENT_FIELDS = ("id", "tag", "role", "name", "value", "bbox", "visible", "in_viewport", "clickable",
                  "editable", "checked", "focused")  # fmt: skip
TEXT_CHARS = 120


def slim_elements(elements: Any) -> list[dict[str, Any]]:
    """The visible elements with boxes, trimmed to what the UI draws and names."""
    out = []
    for el in elements if isinstance(elements, list) else []:
        if not isinstance(el, dict) or not el.get("visible"):
            continue
        bbox = el.get("bbox")
        if not (isinstance(bbox, list | tuple) and len(bbox) == 4) or bbox[2] <= 0 or bbox[3] <= 0:
            continue
        slim = {k: el.get(k) for k in ELEMENT_FIELDS}
        slim["text"] = str(el.get("text") or "")[:TEXT_CHARS]
        out.append(slim)
    return out
