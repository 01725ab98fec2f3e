"""The executor's words for the model: arguments read from what a model sends, schema violations
by path, the expected arguments in one line, exception texts as sentences.

Kept apart from `executor.py`, which decides what happens to a call; this module only says it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


def parse_arguments(arguments: Mapping[str, Any] | str | None) -> dict[str, Any] | str:
    """The arguments as a dict, or a problem description. Models often send JSON text."""
    if arguments is None:
        return {}
    if isinstance(arguments, str):
        if not arguments.strip():
            return {}
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as exc:
            return f"The arguments are not valid JSON ({exc.msg} at position {exc.pos})."
    if not isinstance(arguments, Mapping):
        return f"The arguments must be a JSON object of named arguments, not {type(arguments).__name__}."
    return dict(arguments)


def sentence(exc: BaseException) -> str:
    """An exception's text ending with one full stop (messages often bring their own)."""
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith((".", "!", "?")) else f"{text}."


def where(path: list[Any]) -> str:
    if not path:
        return "(arguments)"
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return f"`{text}`"


def expected(schema: dict[str, Any]) -> str:
    """A one-line summary of the expected arguments, for the model."""
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    if not properties:
        return "This API takes no arguments."
    parts = []
    for name, sub in properties.items():
        sub = sub if isinstance(sub, dict) else {}
        if "enum" in sub:
            kind = "one of " + ", ".join(json.dumps(v) for v in sub["enum"])
        else:
            declared = sub.get("type", "any")
            kind = "|".join(declared) if isinstance(declared, list) else str(declared)
        parts.append(f"{name} ({kind}{', required' if name in required else ''})")
    return "Expected arguments: " + "; ".join(parts) + "."
