"""Checks that an agent class given as ``module:Class`` has the shape runs call, made when it is named.

Someone coming from BrowserGym or AgentLab writes ``get_action(self, obs)``, a plain ``def aact``,
or an ``aact`` that returns the action string. Each of these would otherwise be found one episode at
a time, as a Python error from inside the runner (``Can't instantiate abstract class``, ``object
AgentStep can't be used in 'await' expression``, ``'str' object has no attribute 'stop'``); here the
class is refused before the run starts, and an answer of the wrong type is refused with the fix.
"""

from __future__ import annotations

import inspect
from typing import Any

from palaestra.agents.base import Agent, AgentStep
from palaestra.config import ConfigError
from palaestra.envs.obs import Observation
from palaestra.errors import PalaestraError

#: What other harnesses call the one method an agent implements.
FOREIGN_METHODS = {
    "get_action": "BrowserGym's and AgentLab's",
    "predict": "OSWorld's",
    "act": "Palaestra's synchronous face (runs call `aact`)",
    "step": "a Gymnasium-style",
}

SHAPE = "`async def aact(self, obs) -> AgentStep`"
SEE = "(docs/agents.md, Agents)"


class AgentAnswerError(PalaestraError, TypeError):
    """An agent's ``aact`` answered something other than an `AgentStep`."""


def check_agent_class(path: str, cls: type[Agent]) -> None:
    """Refuse an agent class runs could not call, naming the fix (a `ConfigError`)."""
    if inspect.isabstract(cls):
        own = [name for name in FOREIGN_METHODS if _defined_below_agent(cls, name)]
        found = f" It defines `{own[0]}`, {FOREIGN_METHODS[own[0]]} name for it." if own else ""
        raise ConfigError(
            f"Agent `{path}` does not implement {SHAPE}, the one method an agent has.{found} "
            f"Fix: define {SHAPE} returning AgentStep(action=\"click('12')\") {SEE}."
        )
    aact = inspect.getattr_static(cls, "aact")
    if not inspect.iscoroutinefunction(aact):
        raise ConfigError(
            f"Agent `{path}`: its `aact` is a plain function, and runs await it. "
            f"Fix: {SHAPE} (add `async`) {SEE}."
        )
    try:
        inspect.signature(aact).bind(None, {})
    except TypeError:
        raise ConfigError(
            f"Agent `{path}`: its `aact{inspect.signature(aact)}` cannot take the observation. "
            f"Fix: {SHAPE}; `obs` is a dict (obs['goal'], obs['axtree'], ...) {SEE}."
        ) from None


def _defined_below_agent(cls: type, name: str) -> bool:
    """Whether a class between ``cls`` and `Agent` defines ``name`` (the user's own method)."""
    return any(name in vars(klass) for klass in cls.__mro__ if klass not in Agent.__mro__)


async def next_step(agent: Agent, obs: Observation) -> AgentStep:
    """The agent's answer to ``obs``, refused with the fix unless it is an `AgentStep`."""
    step: Any = await agent.aact(obs)
    if not isinstance(step, AgentStep):
        shown = repr(step) if len(repr(step)) <= 80 else repr(step)[:77] + "..."
        fix = f"AgentStep(action={step!r})" if isinstance(step, str) else "AgentStep(action=...)"
        raise AgentAnswerError(
            f"{type(agent).__name__}.aact answered {type(step).__name__} {shown}, not an AgentStep. "
            f"Fix: return {fix} (from palaestra.agents import AgentStep)."
        )
    return step
