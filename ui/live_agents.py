"""The agents a live view asks (`palaestra.ui.live`): which one a view holds, how it is made, which
the browser may name, and what it observes of the session (its parts, which the session computes,
and its views, which the session makes with the converters runs use, `palaestra.envs.views`).

A browser names the agent, and an agent given as ``module:Class`` is imported, which runs the
module's code in the server: so only modules under a prefix the person starting the UI allowed
(``palaestra ui --allow-agent-module PREFIX``) are imported; registered agents (built-in, or
installed under the ``palaestra.agents`` entry point) are always allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from palaestra.agents.base import Agent
from palaestra.envs.obs import PARTS as ALL_PARTS
from palaestra.envs.obs import VIEWS
from palaestra.errors import PalaestraError


def parts_and_views(parts: tuple[str, ...], agent: Agent) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``parts`` and the parts ``agent`` reads, in the observation's own order (an unknown part is
    the session's to refuse); and the views it reads (`Agent.observation_parts`)."""
    asked = agent.observation_parts()
    wanted = {*parts, *(asked - set(VIEWS))}
    ordered = (*(p for p in ALL_PARTS if p in wanted), *sorted(wanted - set(ALL_PARTS)))
    return ordered, tuple(v for v in VIEWS if v in asked)


def views_for(agent: Agent, made: Mapping[str, Any]) -> dict[str, Any]:
    """The views among ``made`` (a session's step's) that ``agent`` reads."""
    asked = agent.observation_parts()
    return {name: view for name, view in made.items() if name in asked}


def agent_key(name: str, args: Mapping[str, str]) -> str:
    """Which agent a view holds: its name, its arguments, and when its memory last changed."""
    return json.dumps([name, sorted(args.items()), memory_stamp(args)])


class AgentNotAllowed(PalaestraError, PermissionError):
    """A ``module:Class`` agent whose module the UI was not started to import (403)."""


def check_agent_allowed(name: str, prefixes: Sequence[str]) -> None:
    """Refuse ``name`` when it is an import path (``module:Class``) outside ``prefixes`` (module
    names, each allowing itself and its submodules: ``mylab`` allows ``mylab.agents``, not
    ``mylabs``), before anything is imported. Registered names pass."""
    if ":" not in name:
        return
    module = name.partition(":")[0].strip()
    if any(module == p or module.startswith(f"{p}.") for p in (q.strip().rstrip(".") for q in prefixes) if p):
        return
    allowed = f" (allowed now: {', '.join(prefixes)})" if prefixes else " (none is allowed now)"
    raise AgentNotAllowed(
        f"Agent `{name}`: this UI imports no agent module a browser names unless it was started to"
        f"{allowed}, since importing runs the module's code in the server. Fix: restart it with "
        f"`palaestra ui --allow-agent-module {module}` (repeat the flag for several), or pick a registered "
        "agent (`palaestra list agents`)."
    )


def make_agent(name: str, args: dict[str, str]) -> Agent:
    from palaestra.agents.registry import make_agent as registered

    return registered(name, args)


def memory_stamp(args: Mapping[str, str]) -> float:
    """When the agent's memory last changed, so an agent is rebuilt after a demonstration is saved."""
    memory = args.get("memory")
    if not memory:
        return 0.0
    path = Path(memory)
    stamps = [p.stat().st_mtime for p in path.glob("*") if p.is_file()] if path.is_dir() else []
    return max(stamps, default=0.0)
