"""The tools TRL's GRPOTrainer finds on a `ToolEnv` class, and their schemas, found as TRL does."""

from __future__ import annotations

import inspect
from typing import Any

from palaestra.envs.tool_env import ToolEnv


def trl_tools(env_class: type[ToolEnv]) -> dict[str, dict[str, Any]]:
    """{tool name: its schema} as TRL finds them: the class's public functions but ``reset`` and
    ``get_reward``, each through transformers' ``get_json_schema`` (which refuses an undocumented
    argument), on a fresh instance's bound methods."""
    from transformers.utils import get_json_schema

    names = [
        name
        for name, _ in inspect.getmembers(env_class, predicate=inspect.isfunction)
        if name not in ("reset", "get_reward") and not name.startswith("_")
    ]
    return {name: get_json_schema(getattr(env_class(), name))["function"] for name in names}
