"""An action string as the UI shows it: the typed calls it parses to, and where on the page they act.

Parsing is the environment's own (``ActionSet.parse``: Python's ``ast``, literals only, never
``exec``), so what the UI shows as "parsed" is exactly what the environment would run.
"""

from __future__ import annotations

import contextlib
from dataclasses import fields
from typing import Any

from palaestra.envs.actions import WEB_ACTIONS, ActionSet, get_action_set
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.errors import ActionError, UnknownNameError

#: What a recorded browser episode's actions are read with when its run named no action set: the
#: web set holds every browser action, and with the tools' calls it parses whatever a browser agent
#: may write. A desktop episode's are read with the desktop's set (`recorded_action_set`).
RECORDED_ACTIONS = WEB_ACTIONS.with_tools()


def recorded_action_set(settings: Any, task: str, desktop_figures: bool) -> ActionSet:
    """The action set an episode's environment parsed its actions with: the run's ``--action-set``
    (``settings``: the run's recorded settings), else the desktop's PyAutoGUI set for a desktop
    episode (its task runs in `DesktopEnv`, or, for a task not registered here, it has the
    resource figures only desktop episodes record), else the browser's."""
    from palaestra.runs.action_sets import DESKTOP_ENV
    from palaestra.tasks.registry import all_tasks

    named = settings.get("action_set") if isinstance(settings, dict) else None
    if isinstance(named, str) and named:
        with contextlib.suppress(UnknownNameError):
            return get_action_set(named)
    spec = all_tasks().get(task)
    desktop = spec.env == DESKTOP_ENV if spec is not None else desktop_figures
    if desktop:
        return get_action_set("pyautogui")
    return (_task_action_set(spec.factory) if spec is not None else None) or RECORDED_ACTIONS


def _task_action_set(factory: Any) -> ActionSet | None:
    """The action set a browser task's class names (`Task.action_set`: MiniWoB++'s has no `goto`),
    read from the class without building the task, with the tools' calls when the class offers
    tools; None when the factory is a function (WebArena's) or names no known set. Parsing with
    every browser action instead showed a `goto` on MiniWoB++ as parsed while the environment had
    refused it, and listed actions the agent was never offered."""
    from palaestra.errors import PluginError
    from palaestra.tasks.base import Task
    from palaestra.tasks.registry import resolve

    try:
        cls = resolve(factory, "task")
    except PluginError:
        return None
    named = getattr(cls, "action_set", None) if isinstance(cls, type) else None
    if not isinstance(named, str):
        return None
    try:
        chosen = get_action_set(named)
    except UnknownNameError:
        return None
    offers_tools = getattr(cls, "tools", Task.tools) is not Task.tools
    return chosen.with_tools() if offers_tools and "call_api" not in chosen else chosen


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
        target = args.get("target")  # the desktop's actions: an element id, or a point on screen
        if isinstance(target, str):
            targets.append(target)
        elif isinstance(target, tuple) and len(target) == 2:
            points.append([target[0], target[1]])
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
