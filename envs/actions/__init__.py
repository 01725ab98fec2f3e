"""Typed high-level actions: types, a parser (no ``exec``), action sets and their executor."""

from palaestra.envs.actions.action_set import (
    ACTION_SETS,
    MINIWOB_ACTIONS,
    WEB_ACTIONS,
    ActionSet,
    get_action_set,
)
from palaestra.envs.actions.parser import parse_actions
from palaestra.envs.actions.types import ALL_ACTIONS, Action

__all__ = [
    "ACTION_SETS",
    "ALL_ACTIONS",
    "MINIWOB_ACTIONS",
    "WEB_ACTIONS",
    "Action",
    "ActionSet",
    "get_action_set",
    "parse_actions",
]
