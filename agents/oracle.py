"""The scripted solutions (MiniWoB++'s, and the site suites' template oracles) as an agent, so runs
can use them as a yardstick.

An oracle must know which task it plays, which no real agent is told: it is `privileged`, the runner
reveals the task's name to it alone, and results mark it. It measures the platform (throughput,
the ceiling of a task), never an agent's skill.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from palaestra.agents.base import Agent, AgentStep, Obs, TaskInfo
from palaestra.agents.registry import AgentSpec, register_agent
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
        self._oracle: Callable[[Obs], Generator[str, Obs, None]] | None = None
        self._plan: Generator[str, Obs, None] | None = None

    def reveal_task(self, task: str) -> None:
        from palaestra.tasks.miniwob.oracles import ORACLES
        from palaestra.tasks.webarena import SITE_SUITES, site_oracle

        suite, short = task.split(".", 1) if "." in task else ("miniwob", task)
        if suite in SITE_SUITES:
            self._oracle = site_oracle(task)
        elif short in ORACLES:
            self._oracle = ORACLES[short]
        else:
            raise UnknownNameError("oracle", short, ORACLES, hint="Only some MiniWoB++ tasks have one.")
        self.task_name = short

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self._plan = None

    async def aact(self, obs: Obs) -> AgentStep:
        if self._oracle is None:
            raise RuntimeError("The oracle agent plays only in runs, which reveal the task to it.")
        try:
            if self._plan is None:
                self._plan = self._oracle(obs)
                action = next(self._plan)
            else:
                action = self._plan.send(obs)
        except StopIteration:
            return AgentStep(action="noop(0)", stop=True)
        step = AgentStep(action=action)
        self.history.append(step)
        return step


register_agent(
    AgentSpec(
        "oracle", OracleAgent, OracleConfig, "scripted solutions: MiniWoB++ and the site suites (privileged)"
    )
)
