"""A real parser for action strings: Python call syntax, literal arguments only, never ``exec``.

``parse_actions("fill('7', 'Kasey')\\nclick('12')", ACTIONS)`` returns ``[Fill('7', 'Kasey'),
Click('12')]``. Anything else (attribute access, variables, arithmetic, unknown functions, wrong
arguments) raises ``ActionError`` with a message that names the problem and shows the signature.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError, did_you_mean

#: Fields that hold element ids: an agent writing click(12) means click('12').
ID_FIELDS = {"id", "from_id", "to_id"}


def strip_code_fence(text: str) -> str:
    """Accept actions wrapped in a Markdown code block, as models often write them."""
    text = text.strip()
    if text.startswith("```"):
        body = text.split("\n", 1)[1] if "\n" in text else ""
        return body.rsplit("```", 1)[0].strip()
    return text


def parse_actions(text: str, actions: Mapping[str, type[Action]]) -> list[Action]:
    """Parse one or more calls (one per line or separated by ';') into typed actions."""
    source = strip_code_fence(text)
    if not source:
        raise ActionError("Empty action. Write a call such as click('12'); noop() waits.")
    try:
        tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        raise ActionError(
            f"Cannot parse {source!r}: {exc.msg} (line {exc.lineno}). "
            "Write calls such as click('12'), one per line."
        ) from None
    parsed = []
    for statement in tree.body:
        if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
            raise ActionError(
                f"{ast.unparse(statement)!r} is not an action call. "
                "Write calls such as click('12'), one per line."
            )
        parsed.append(_parse_call(statement.value, actions))
    return parsed


def _parse_call(call: ast.Call, actions: Mapping[str, type[Action]]) -> Action:
    if not isinstance(call.func, ast.Name):
        raise ActionError(
            f"{ast.unparse(call.func)!r} is not an action name. Available: {', '.join(sorted(actions))}."
        )
    name = call.func.id
    cls = actions.get(name)
    if cls is None:
        raise ActionError(
            f"Unknown action `{name}`.{did_you_mean(name, actions)} Available: {', '.join(sorted(actions))}."
        )
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords if k.arg is not None}
    except (ValueError, TypeError, SyntaxError):
        raise ActionError(
            f"Arguments of {name}() must be literals (strings, numbers, lists): "
            f"{ast.unparse(call)!r}. Usage: {cls.signature()}"
        ) from None
    if any(k.arg is None for k in call.keywords) or any(isinstance(a, ast.Starred) for a in call.args):
        raise ActionError(f"{name}() does not take *args or **kwargs. Usage: {cls.signature()}")
    return bind(cls, args, kwargs)


def bind(cls: type[Action], args: list[Any], kwargs: dict[str, Any]) -> Action:
    """Check and convert arguments against the action's fields; build the action."""
    specs = fields(cls)
    if cls.name == "press" and len(args) == 1 and "keys" not in kwargs:
        args = [None, *args]  # press('Enter') presses on the page
    if len(args) > len(specs):
        raise ActionError(
            f"{cls.name}() takes at most {len(specs)} arguments, got {len(args)}. Usage: {cls.signature()}"
        )
    values: dict[str, Any] = dict(zip((f.name for f in specs), args, strict=False))
    for key, value in kwargs.items():
        known = [f.name for f in specs]
        if key not in known:
            raise ActionError(
                f"{cls.name}() has no argument `{key}`.{did_you_mean(key, known)} Usage: {cls.signature()}"
            )
        if key in values:
            raise ActionError(f"{cls.name}() got `{key}` twice. Usage: {cls.signature()}")
        values[key] = value
    for spec in specs:
        if spec.name not in values:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise ActionError(f"{cls.name}() is missing `{spec.name}`. Usage: {cls.signature()}")
            continue
        values[spec.name] = _convert(cls, spec.name, str(spec.type), values[spec.name])
    return cls(**values)


def _convert(cls: type[Action], field: str, annotation: str, value: Any) -> Any:
    usage = f"Usage: {cls.signature()}"
    if value is None and "None" in annotation:
        return None
    if field in ID_FIELDS:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise ActionError(
            f"{cls.name}(): `{field}` must be an element id such as '12', got {value!r}. {usage}"
        )
    if annotation.startswith("dict"):
        if isinstance(value, str):  # models often write the arguments as a JSON string
            try:
                value = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ActionError(f"{cls.name}(): `{field}` is not valid JSON ({exc.msg}). {usage}") from None
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        raise ActionError(
            f"{cls.name}(): `{field}` must be a dict such as {{'x': 1}}, got {value!r}. {usage}"
        )
    if "tuple[str" in annotation and isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise ActionError(f"{cls.name}(): `{field}` must be a string or a list of strings. {usage}")
        return tuple(value)
    if annotation.startswith("str"):
        if isinstance(value, str):
            return value
        raise ActionError(f"{cls.name}(): `{field}` must be a string, got {value!r}. {usage}")
    if annotation == "float":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ActionError(f"{cls.name}(): `{field}` must be a number, got {value!r}. {usage}")
    if annotation == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ActionError(f"{cls.name}(): `{field}` must be a whole number, got {value!r}. {usage}")
    return value
