"""Agents that misbehave on purpose, loaded by the runner's workers by import path.

The tests put this folder on `sys.path`; spawned workers inherit it, so `--agent
runner_agents:HangingAgent` resolves in them as a user's own agent class would.
"""

from __future__ import annotations

import asyncio

from palaestra.agents.base import Agent, AgentStep, Obs


class HangingAgent(Agent):
    """Never answers: only the runner's episode timeout can end its episodes."""

    async def aact(self, obs: Obs) -> AgentStep:
        await asyncio.sleep(3600)
        return AgentStep(action="noop(0)")


class CrashingAgent(Agent):
    """Raises on its first decision: a bug in the agent, an error that retrying cannot fix."""

    async def aact(self, obs: Obs) -> AgentStep:
        raise ZeroDivisionError("the agent's own bug")


class IdleAgent(Agent):
    """Waits on every step: its episodes end at the step limit, a failure and not an error."""

    async def aact(self, obs: Obs) -> AgentStep:
        return AgentStep(action="noop(0)")
