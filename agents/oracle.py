"""The MiniWoB++ scripted solutions as an agent, so runs can use them as a yardstick.

An oracle must know which task it plays, which no real agent is told: it is `privileged`, the runner
reveals the task's name to it alone, and results mark it. It measures the platform (throughput,
the ceiling of a task), never an agent's skill.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.registry import AgentSpec
from palaestra.envs.obs import Observation
from palaestra.errors import UnknownNameError

#: Suites with no oracle at all: WebArena's official files (the paper's, Verified's, Lite's).
NO_ORACLE_SUITES = ("webarena", "webarena-verified", "webarena-lite")


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
        self._oracles: Mapping[str, Callable[[Any], Generator[str, Any, None]]] = {}
        self._plan: Generator[str, Observation, None] | None = None

    def reveal_task(self, task: str) -> None:
        suite = task.split(".", 1)[0] if "." in task else ""
        short = task.split(".", 1)[-1]
        if suite in NO_ORACLE_SUITES:  # WebArena's files hold references to check, not solutions
            hint = f"WebArena's own tasks have none. {_have_oracles()}"
            raise UnknownNameError("oracle", task, (), hint=hint)
        oracles = _oracles(task)
        if short not in oracles:
            raise UnknownNameError("oracle", short, oracles, hint=_have_oracles())
        self.task_name, self._oracles = short, oracles

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        self._plan = None

    async def aact(self, obs: Observation) -> AgentStep:
        if not self.task_name:
            raise RuntimeError("The oracle agent plays only in runs, which reveal the task to it.")
        try:
            if self._plan is None:
                self._plan = self._oracles[self.task_name](obs)
                action = next(self._plan)
            else:
                action = self._plan.send(obs)
        except StopIteration:
            return AgentStep(action="noop(0)", stop=True)
        step = AgentStep(action=action)
        self.history.append(step)
        return step


def _have_oracles() -> str:
    """Which suites have scripted solutions, for the error of a task without one."""
    from palaestra.tasks.webarena import SITE_SUITES

    return (
        f"Oracles play most MiniWoB++ tasks, the site suites ({', '.join(SITE_SUITES)}), "
        "the desktop tasks, the bundled osworld-json tasks and OmniACT's (its gold scripts); "
        "a suite of your own gives a task one with TaskSpec(oracle='package.module:function')."
    )


def _oracles(task: str) -> Mapping[str, Callable[[Any], Generator[str, Any, None]]]:
    """The scripted solutions of the task's suite, by short task name: the task's own
    (``TaskSpec.oracle``, how a suite of your own gives one), else its suite's."""
    from palaestra.tasks.registry import all_tasks, resolve

    spec = all_tasks().get(task)
    if spec is not None and spec.oracle is not None:
        return {task.split(".", 1)[1]: resolve(spec.oracle, f"oracle of task `{task}`")}
    if task.startswith("omniact."):  # replays the gold script
        from palaestra.tasks.registry import get_task_spec

        gold = str(getattr(get_task_spec(task).make(), "gold_script", ""))

        def replay(obs: Any) -> Generator[str, Any, None]:
            yield gold

        return {task.split(".", 1)[1]: replay}
    if task.startswith("osworld-json."):  # the bundled OSWorld-format tasks' own
        from palaestra.tasks.desktop.osworld.oracles import oracles_for

        return oracles_for(task)
    if task.startswith("desktop."):
        from palaestra.tasks.desktop.oracles import load

        return load()
    from palaestra.tasks.webarena import SITE_SUITES, site_oracle

    if task.split(".", 1)[0] in SITE_SUITES:  # the template's oracle, bound to the task's instance
        return {task.split(".", 1)[1]: site_oracle(task)}
    if not task.startswith("miniwob."):  # a suite with no scripted solutions (its own or none)
        return {}
    from palaestra.tasks.miniwob.oracles import ORACLES

    return ORACLES


#: Built-in suites whose tasks find their oracles by name when played (told by the episode).
ORACLE_SUITES_BY_NAME = ("desktop", "osworld-json", "omniact")


def lacks_oracle(task: str) -> bool:
    """Whether `task` surely has no scripted solution, told cheaply before a run (WebArena's own
    files, a MiniWoB++ task without one, a task of another suite whose spec names none); the
    desktop, OSWorld-format, OmniACT and site suites are left to the episode to find out."""
    from palaestra.tasks.registry import all_tasks
    from palaestra.tasks.webarena import SITE_SUITES

    suite, _, short = task.partition(".")
    if suite in NO_ORACLE_SUITES:
        return True
    if suite == "miniwob":
        from palaestra.tasks.miniwob.oracles import ORACLES

        return short not in ORACLES
    if suite in ORACLE_SUITES_BY_NAME or suite in SITE_SUITES:
        return False
    spec = all_tasks().get(task)
    return spec is not None and spec.oracle is None


SPEC = AgentSpec(
    "oracle",
    OracleAgent,
    OracleConfig,
    "scripted MiniWoB++, site-suite, desktop and OmniACT solutions (privileged)",
)
