"""The foreign-shaped observations runs hand the agents that ask for them (`palaestra.envs.obs.VIEWS`).

An agent written for BrowserGym or OSWorld reads their observation dicts, which hold more than our
observation does (BrowserGym's raw page objects, OSWorld's accessibility-tree XML) and are made
from the environment's last capture. The run builds them here, with the same converters the
Gymnasium wrappers use (`BrowserGymConverter`, `osworld_observation`), and hands them to the agent
through `Agent.see_views` before each ``aact``: the agent still never holds the environment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.agents.base import Agent
from palaestra.config import ConfigError
from palaestra.envs.obs import VIEWS, Observation

Converter = Callable[[Observation, dict[str, Any] | None], dict[str, Any]]


class AgentViews:
    """The views among ``parts`` of ``env``'s observations, one episode's worth (BrowserGym's chat
    accumulates over an episode). A view the environment cannot give is a `ConfigError`."""

    def __init__(self, parts: frozenset[str], env: Any) -> None:
        self.converters: dict[str, Converter] = {}
        for name in sorted(parts & set(VIEWS)):
            self.converters[name] = _converter(name, env.unwrapped if hasattr(env, "unwrapped") else env)

    def begin(self, agent: Agent, obs: Observation) -> None:
        """The reset's observation (a new episode)."""
        if self.converters:
            agent.see_views({name: convert(obs, None) for name, convert in self.converters.items()})

    def step(self, agent: Agent, obs: Observation, info: dict[str, Any]) -> None:
        """A step's observation; ``info`` carries the messages BrowserGym's chat shows."""
        if self.converters:
            agent.see_views({name: convert(obs, info) for name, convert in self.converters.items()})


def _converter(name: str, env: Any) -> Converter:
    if name == "browsergym":
        from palaestra.envs.browser_env import BrowserEnv
        from palaestra.envs.browsergym_compat import BrowserGymConverter

        if not isinstance(env, BrowserEnv):
            raise ConfigError(
                f"The agent reads BrowserGym's observation, which a browser task's environment gives, "
                f"not {type(env).__name__} (a desktop task, or one played through --env-server). "
                "Fix: run it on a web suite (miniwob, webarena...), in-process."
            )
        converter = BrowserGymConverter(env)
        return lambda obs, info: converter.begin(obs) if info is None else converter.convert(obs, info)
    from palaestra.envs.desktop.env import DesktopEnv
    from palaestra.envs.desktop.osworld_compat import osworld_observation

    if not isinstance(env, DesktopEnv):
        raise ConfigError(
            f"The agent reads OSWorld's observation, which a desktop task's environment gives, not "
            f"{type(env).__name__}. Fix: run it on a desktop suite (desktop, osworld-json), in-process."
        )
    return lambda obs, info: osworld_observation(env, obs)
