"""Named sets of actions. A task suite restricts what its agents may do by choosing a set.

Each set describes itself for prompts, as text and as OpenAI tool schemas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import MISSING, fields
from typing import Any

from palaestra.envs.actions.coord import COORD_ACTIONS
from palaestra.envs.actions.limits import DEFAULT_LIMITS, ActionLimits
from palaestra.envs.actions.parser import ID_FIELDS, parse_actions
from palaestra.envs.actions.types import ALL_ACTIONS, TOOL_ACTIONS, Action
from palaestra.errors import UnknownNameError


class ActionSet:
    """An ordered, named collection of action types."""

    def __init__(self, name: str, actions: Iterable[type[Action]]) -> None:
        self.name = name
        self.actions: dict[str, type[Action]] = {a.name: a for a in actions}

    def parse(self, text: str, limits: ActionLimits = DEFAULT_LIMITS) -> list[Action]:
        return parse_actions(text, self.actions, limits)

    def __contains__(self, name: object) -> bool:
        return name in self.actions

    def restricted(self, names: Iterable[str], name: str | None = None) -> ActionSet:
        chosen = []
        for n in names:
            if n not in self.actions:
                raise UnknownNameError("action", n, self.actions)
            chosen.append(self.actions[n])
        return ActionSet(name or f"{self.name}-subset", chosen)

    def with_tools(self) -> ActionSet:
        """This set plus `call_api` and `search_apis`, for tasks that declare tools."""
        extra = [a for a in TOOL_ACTIONS if a.name not in self.actions]
        return ActionSet(f"{self.name}+tools", [*self.actions.values(), *extra])

    def describe(self) -> str:
        """A text listing for prompts: signature, what it does, an example."""
        lines = [f"Actions ({self.name}). Write one or more calls, one per line:"]
        for cls in self.actions.values():
            lines.append(f"- {cls.signature()}: {(cls.__doc__ or '').strip()} Example: {cls.example}")
        return "\n".join(lines)

    def tool_schemas(self) -> list[dict[str, Any]]:
        """The actions as OpenAI "function" tools."""
        return [_tool_schema(cls) for cls in self.actions.values()]


def _json_type(field_name: str, annotation: str) -> dict[str, Any]:
    if field_name in ID_FIELDS:
        return {"type": "string", "description": "element id from the observation, such as '12'"}
    if "tuple[str" in annotation:
        return {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
    if annotation.startswith("str"):
        return {"type": "string"}
    if annotation == "int":
        return {"type": "integer"}
    if annotation == "bool":
        return {"type": "boolean"}
    if annotation.startswith("dict"):
        return {"type": "object", "description": "the tool's arguments"}
    return {"type": "number"}


def _tool_schema(cls: type[Action]) -> dict[str, Any]:
    props = {f.name: _json_type(f.name, str(f.type)) for f in fields(cls)}
    required = [
        f.name
        for f in fields(cls)
        if f.default is MISSING and f.default_factory is MISSING and "None" not in str(f.type)
    ]
    return {
        "type": "function",
        "function": {
            "name": cls.name,
            "description": (cls.__doc__ or "").strip(),
            "parameters": {
                "type": "object",
                "properties": props,
                "required": required,
                "additionalProperties": False,
            },
        },
    }


WEB_ACTIONS = ActionSet("web", (*ALL_ACTIONS, *COORD_ACTIONS))
#: What MiniWoB++ pages lack: navigation (one tab, no goto or history) and file inputs; and, as
#: BrowserGym's `miniwob_all`, the keyboard and coordinate actions of its `coord` subset we added.
MINIWOB_LEFT_OUT = frozenset({
    "goto", "go_back", "go_forward", "new_tab", "tab_focus", "tab_close", "report_infeasible", "upload_file",
    *(a.name for a in COORD_ACTIONS),
})  # fmt: skip
MINIWOB_ACTIONS = WEB_ACTIONS.restricted(
    [a.name for a in ALL_ACTIONS if a.name not in MINIWOB_LEFT_OUT],
    name="miniwob",
)
ACTION_SETS = {s.name: s for s in (WEB_ACTIONS, MINIWOB_ACTIONS)}


def get_action_set(name: str) -> ActionSet:
    if name not in ACTION_SETS:  # the desktop's sets load on first use, and are among the suggestions
        from palaestra.envs.desktop.parse import DESKTOP_SETS

        ACTION_SETS.update(DESKTOP_SETS)
    if name not in ACTION_SETS:
        raise UnknownNameError(
            "action set", name, ACTION_SETS, f"Available: {', '.join(sorted(ACTION_SETS))}."
        )
    return ACTION_SETS[name]
