"""The MiniWoB++ scripted solutions as an agent, so runs can use them as a yardstick.

An oracle must know which task it plays, which no real agent is told: it is `privileged`, the runner
reveals the task's name to it alone, and results mark it. It measures the platform (throughput,
the ceiling of a task), never an agent's skill.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.registry import AgentSpec
from palaestra.envs.obs import Observation
from palaestra.errors import UnknownNameError


@dataclass(frozen=True)
class OracleConfig:
    pass


class OracleAgent(Agent):
    """Plays the registered scripted solution of the task the runner reveals."""

    name = "oracle"
    privileged = True

    def __init__(self, config: OracleConfig) -> None:
        super().__init__()
        self.task_name = ""
        self._plan: Generator[str, Observation, None] | None = None

    def reveal_task(self, task: str) -> None:
        from palaestra.tasks.miniwob.oracles import ORACLES

        short = task.split(".", 1)[-1]
        if short not in ORACLES:
            raise UnknownNameError("oracle", short, ORACLES, hint="Only some MiniWoB++ tasks have one.")
        self.task_name = short

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self._plan = None

    async def aact(self, obs: Observation) -> AgentStep:
        from palaestra.tasks.miniwob.oracles import ORACLES

        if not self.task_name:
            raise RuntimeError("The oracle agent plays only in runs, which reveal the task to it.")
        try:
            if self._plan is None:
                self._plan = ORACLES[self.task_name](obs)
                action = next(self._plan)
            else:
                action = self._plan.send(obs)
        except StopIteration:
            return AgentStep(action="noop(0)", stop=True)
        step = AgentStep(action=action)
        self.history.append(step)
        return step


SPEC = AgentSpec("oracle", OracleAgent, OracleConfig, "scripted MiniWoB++ solutions (privileged)")
