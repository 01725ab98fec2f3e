"""The agent registry: agents by name, each with a typed configuration dataclass."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from palaestra.agents.base import Agent
from palaestra.config import build_config
from palaestra.errors import UnknownNameError


@dataclass(frozen=True)
class AgentSpec:
    name: str
    factory: Callable[[Any], Agent]
    config_cls: type[Any]
    description: str = ""


_agents: dict[str, AgentSpec] = {}


def register_agent(spec: AgentSpec) -> None:
    if spec.name in _agents:
        raise ValueError(f"Agent {spec.name!r} is registered twice.")
    _agents[spec.name] = spec


def _load_builtin() -> None:
    if not _agents:
        from palaestra.agents import baselines, memory_agent, synapse  # noqa: F401  (they register)


def list_agents() -> dict[str, AgentSpec]:
    _load_builtin()
    return dict(_agents)


def make_agent(name: str, args: Mapping[str, Any] | None = None) -> Agent:
    """Build agent ``name`` with configuration ``args`` (strings are converted to the fields' types)."""
    agents = list_agents()
    if name not in agents:
        raise UnknownNameError("agent", name, agents, hint="`palaestra list agents` lists them.")
    spec = agents[name]
    return spec.factory(build_config(spec.config_cls, args or {}, where=f"agent `{name}` arguments"))
