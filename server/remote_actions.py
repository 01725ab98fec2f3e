"""The action set a server names, rebuilt on the client (`palaestra.server.remote.RemoteEnv`)."""

from __future__ import annotations

from palaestra.envs.actions import ALL_ACTIONS, ActionSet, get_action_set
from palaestra.envs.actions.types import TOOL_ACTIONS
from palaestra.errors import UnknownNameError

_WEB_ACTIONS = {a.name: a for a in (*ALL_ACTIONS, *TOOL_ACTIONS)}
TOOLS_SUFFIX = "+tools"


def action_set_of(name: str, actions: list[str]) -> ActionSet:
    """The action set a server names, as the local environment has it: a desktop task's parses and
    describes PyAutoGUI (or OSWorld's computer_13) calls, not web ones. A set this side does not
    know by name (a server's own) is rebuilt from the web actions it lists."""
    base_name = name.removesuffix(TOOLS_SUFFIX)
    try:
        known = get_action_set(base_name)
    except UnknownNameError:
        return ActionSet(name, [_WEB_ACTIONS[n] for n in actions if n in _WEB_ACTIONS])
    chosen = known.with_tools() if name.endswith(TOOLS_SUFFIX) else known
    return chosen if list(chosen.actions) == list(actions) else chosen.restricted(actions, name)
