"""The agent registry: agents by name, each with a typed configuration dataclass.

Agents plug in through entry points in the group ``palaestra.agents`` (the built-in ones are
declared in our own ``pyproject.toml`` the same way), each naming an ``AgentSpec`` or an ``Agent``
subclass. Names are listed without importing anything; an agent's module is imported when it is
asked for, so listing agents never loads a model::

    [project.entry-points."palaestra.agents"]
    myagent = "mypackage.agent:SPEC"
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from palaestra.agents.agent_shape import check_agent_class
from palaestra.agents.base import Agent
from palaestra.config import ConfigError, build_config
from palaestra.errors import PluginError, RegistrationError, UnknownNameError


@dataclass(frozen=True)
class AgentSpec:
    name: str
    factory: Callable[[Any], Agent]
    config_cls: type[Any]
    description: str = ""


AGENTS_GROUP = "palaestra.agents"

_agents: dict[str, AgentSpec] = {}


def register_agent(spec: AgentSpec) -> None:
    """Register an agent by hand (agents in packages use the entry point instead)."""
    if spec.name in _agents or spec.name in _entry_points():
        raise RegistrationError(
            f"Agent {spec.name!r} is registered already (by hand or by a package's {AGENTS_GROUP!r} "
            "entry point): register this one under another name."
        )
    _agents[spec.name] = spec


def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=AGENTS_GROUP)}


def agent_names() -> list[str]:
    """Every registered agent's name, without importing any agent."""
    return sorted({*_agents, *_entry_points()})


def _load(name: str, ep: EntryPoint) -> AgentSpec:
    try:
        target = ep.load()
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"Agent `{name}` ({ep.value}) failed to load: {exc}") from exc
    if isinstance(target, AgentSpec):
        return target
    return _spec_of_class(name, ep.value, target)


def list_agents() -> dict[str, AgentSpec]:
    """Every registered agent's spec (this imports every agent's module)."""
    for name, ep in _entry_points().items():
        if name not in _agents:
            _agents[name] = _load(name, ep)
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
    if name in _agents:
        return _agents[name]
    found = _entry_points().get(name)
    if found is None:
        raise UnknownNameError("agent", name, agent_names(), hint=_unknown_agent_hint(name))
    _agents[name] = _load(name, found)
    return _agents[name]


def _unknown_agent_hint(name: str) -> str:
    """How to name an agent of one's own when it was named as its file (`myagent.py`, `./agents/x.py`)."""
    if name.endswith(".py"):
        module = name.removesuffix(".py").removeprefix("./").replace("/", ".")
        return (
            f"An agent class in a file is named module:Class, not by its file: `{module}:YourClass` "
            "(run from the file's folder, or from the package's root for a dotted module)."
        )
    return "`palaestra list agents` lists them; or give package.module:Class."


def _spec_from_path(path: str) -> AgentSpec:
    module_name, _, attr = path.partition(":")
    try:
        module = import_from_here(module_name)
    except ImportError as exc:
        hint = f"Importing it failed: {exc} (looked in the installed packages and in {os.getcwd()})."
        raise UnknownNameError("agent", path, agent_names(), hint=hint) from None
    target = getattr(module, attr, None)
    if target is None:
        classes = [
            f"{module_name}:{name}" for name, value in vars(module).items()
            if isinstance(value, type) and issubclass(value, Agent) and value.__module__ == module.__name__
        ]  # fmt: skip
        hint = f"{module_name} has no `{attr}`; its agent classes: {', '.join(classes) or 'none'}."
        raise UnknownNameError("agent", path, classes, hint=hint)
    return _spec_of_class(path, path, target)


def import_from_here(module_name: str) -> Any:
    """The module, found on the path or, as `python -m` would find it, in the current directory.

    The `palaestra` command's path holds its own script's folder, not the directory it was run
    from, so an agent in `./myagent.py` would not import. The directory is appended, not put first,
    so it never shadows an installed module; worker processes inherit the path (they are spawned).
    """
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        here = os.getcwd()
        top = module_name.partition(".")[0]
        if exc.name != top or here in sys.path or not _has_module(Path(here), top):
            raise
    sys.path.append(here)
    return importlib.import_module(module_name)


def agent_source(name: str) -> dict[str, str]:
    """The source file of an agent given by import path and a hash of its text, for a run's record:
    the git commit pins the built-in agents, nothing else would pin a user's own (empty for a
    registered name, or when the file cannot be read)."""
    if ":" not in name:
        return {}
    try:
        module = import_from_here(name.partition(":")[0])
        file = Path(inspect.getsourcefile(module) or "")
        digest = hashlib.sha256(file.read_bytes()).hexdigest()[:16]
    except (ImportError, OSError, TypeError):
        return {}
    return {"file": str(file), "sha256": digest}


def _has_module(folder: Path, name: str) -> bool:
    return (folder / f"{name}.py").is_file() or (folder / name).is_dir()


def _spec_of_class(name: str, path: str, target: Any) -> AgentSpec:
    if not (isinstance(target, type) and issubclass(target, Agent)):
        raise ConfigError(f"Agent `{path}` is neither an AgentSpec nor a subclass of palaestra.agents.Agent.")
    check_agent_class(path, target)
    config_cls = getattr(target, "config_cls", None) or NoConfig
    if config_cls is NoConfig:
        return AgentSpec(name, lambda _config: target(), NoConfig)
    return AgentSpec(name, target, config_cls)


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
