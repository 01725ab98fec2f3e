"""The agent registry: agents by name, each with a typed configuration dataclass."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from palaestra.agents.base import Agent
from palaestra.config import ConfigError, build_config
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
    # Import them all even when one is already imported (and so registered) elsewhere.
    from palaestra.agents import baselines, memory_agent, oracle, synapse  # noqa: F401  (they register)


def list_agents() -> dict[str, AgentSpec]:
    _load_builtin()
    return dict(_agents)


@dataclass(frozen=True)
class NoConfig:
    """The configuration of an agent class that declares none: it takes no arguments."""


def get_agent_spec(name: str) -> AgentSpec:
    """A registered agent, or an agent class given by import path (`package.module:ClassName`).

    An imported class may declare its configuration dataclass as ``config_cls``; without one it
    takes no arguments and is built with none.
    """
    if ":" in name:
        return _spec_from_path(name)
    agents = list_agents()
    if name not in agents:
        raise UnknownNameError(
            "agent", name, agents, hint="`palaestra list agents` lists them; or give package.module:Class."
        )
    return agents[name]


def _spec_from_path(path: str) -> AgentSpec:
    module_name, _, attr = path.partition(":")
    try:
        target = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownNameError("agent", path, list_agents(), hint=f"Importing it failed: {exc}") from None
    if not (isinstance(target, type) and issubclass(target, Agent)):
        raise ConfigError(f"Agent `{path}` is not a subclass of palaestra.agents.Agent.")
    config_cls = getattr(target, "config_cls", None) or NoConfig
    if config_cls is NoConfig:
        return AgentSpec(path, lambda _config: target(), NoConfig)
    return AgentSpec(path, target, config_cls)


def check_agent(name: str, args: Mapping[str, Any] | None = None) -> None:
    """Raise the error `make_agent` would, without building the agent (no model is loaded), and
    whatever the configuration's own `check()` finds wrong (see `palaestra.agents.checks`)."""
    spec = get_agent_spec(name)
    config = build_config(spec.config_cls, args or {}, where=f"agent `{name}` arguments")
    check = getattr(config, "check", None)
    if callable(check):
        check()


def make_agent(name: str, args: Mapping[str, Any] | None = None) -> Agent:
    """Build agent ``name`` with configuration ``args`` (strings are converted to the fields' types)."""
    spec = get_agent_spec(name)
    return spec.factory(build_config(spec.config_cls, args or {}, where=f"agent `{name}` arguments"))
