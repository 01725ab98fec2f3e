"""The foreign-shaped observations runs hand the agents that ask for them (`palaestra.envs.obs.VIEWS`).

An agent written for BrowserGym or OSWorld reads their observation dicts, which hold more than our
observation does (BrowserGym's raw page objects, OSWorld's accessibility-tree XML) and are made
from the environment's last capture. In-process, the run makes them with the converters every
caller shares (`palaestra.envs.views`); an environment served by ``palaestra serve``
(``--env-server``, a `RemoteEnv` made with the views) has its session make them with the same
converters, and the run takes the ones served. Either way they reach the agent through
`Agent.see_views` before each ``aact`` (the agent still never holds the environment).
"""

from __future__ import annotations

from typing import Any

from palaestra.agents.base import Agent
from palaestra.config import ConfigError
from palaestra.envs.obs import VIEWS, Observation
from palaestra.envs.views import Converter, view_converter


class AgentViews:
    """The views among ``parts`` of ``env``'s observations, one episode's worth (BrowserGym's chat
    accumulates over an episode). A view the environment cannot give is a `ConfigError`
    (`palaestra.envs.views.ViewUnavailable`)."""

    def __init__(self, parts: frozenset[str], env: Any) -> None:
        self.converters: dict[str, Converter] = {}
        base = env.unwrapped if hasattr(env, "unwrapped") else env
        for name in sorted(parts & set(VIEWS)):
            self.converters[name] = _served(name, base) if _is_remote(base) else view_converter(name, base)

    def begin(self, agent: Agent, obs: Observation) -> None:
        """The reset's observation (a new episode)."""
        if self.converters:
            agent.see_views({name: convert(obs, None) for name, convert in self.converters.items()})

    def step(self, agent: Agent, obs: Observation, info: dict[str, Any]) -> None:
        """A step's observation; ``info`` carries the messages BrowserGym's chat shows."""
        if self.converters:
            agent.see_views({name: convert(obs, info) for name, convert in self.converters.items()})


def _is_remote(env: Any) -> bool:
    from palaestra.server.remote import RemoteEnv

    return isinstance(env, RemoteEnv)


def _served(name: str, env: Any) -> Converter:
    """The view its server made of the environment's last observation."""
    if name not in env.views:
        raise ConfigError(
            f"The agent reads the {name} view, and this served environment was made without it. "
            f"Fix: make it with RemoteEnv(..., views=[{name!r}]) (runs do when the agent asks)."
        )
    return lambda obs, info: env.served_views[name]
