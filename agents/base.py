"""The agent interface: an agent is told the task's goal, sees observations, and answers actions.

Agents see only what an agent sees: the goal, the action set, the observations and their own
memory. They are never given a task's name, its evaluator, or the page's hidden state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from palaestra.envs import loop as loop_mod
from palaestra.envs.actions import ActionSet
from palaestra.envs.obs import Observation

if TYPE_CHECKING:
    from palaestra.agents.llm.completion import Completion

#: What a run's step limit (``--max-steps``) counts for an agent (`Agent.step_limit_counts`):
#: every action played (Palaestra's way), or every answer of the agent's model with all of its
#: actions played (OSWorld's loop: ``max_steps`` predictions, each prediction's actions all run).
StepUnit = Literal["actions", "answers"]
STEP_UNITS: tuple[StepUnit, ...] = ("actions", "answers")


@dataclass(frozen=True)
class TaskInfo:
    """What an agent is told when an episode starts."""

    goal: str
    action_set: ActionSet
    max_steps: int | None = None
    #: The registered suite the task belongs to (``miniwob``, ``webarena``...), which a benchmark's
    #: own harness tells its agents (AgentLab's ``set_benchmark``); never the task's own name.
    suite: str = ""


@dataclass
class AgentStep:
    """One decision, with everything a run records about it."""

    action: str
    thoughts: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)
    raw_response: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    latency: float = 0.0
    #: The agent has nothing more to do (its plan is exhausted); the runner ends the episode.
    stop: bool = False
    #: More actions of the same answer follow this one, played without asking the model again (an
    #: OSWorld answer with three code blocks is three steps, the first two with this set). Runs
    #: count the answer once its last action is played; agents whose step limit counts actions
    #: (`Agent.step_limit_counts`) are limited as before, whatever they say here.
    answer_continues: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def charge(self, completion: Completion) -> None:
        """Add one model call's spending to this step. An answer from the response cache was not
        paid for: it adds no tokens and no cost (so a rerun from the cache reports no spending, as
        the run's budget sees it) and is counted in ``extra["cached_calls"]``."""
        if completion.cached:
            self.extra["cached_calls"] = int(self.extra.get("cached_calls", 0)) + 1
            return
        self.tokens_in += completion.input_tokens
        self.tokens_out += completion.output_tokens
        self.cost += completion.cost


class Agent(ABC):
    """Base class. Subclasses implement ``aact``; ``reset``/``act`` are the synchronous face."""

    name: ClassVar[str] = ""
    #: A reference solution that must know which task it plays (the MiniWoB++ oracles). Runs call
    #: `reveal_task` on such agents only, and reports mark them: they are yardsticks, not agents.
    privileged: ClassVar[bool] = False
    #: What the run's step limit counts for this agent (`StepUnit`): its actions, unless it says
    #: otherwise (`palaestra.agents.foreign.osworld_agent` counts answers, as OSWorld's numbers do).
    step_limit_counts: StepUnit = "actions"

    def __init__(self) -> None:
        self.task: TaskInfo | None = None
        self.history: list[AgentStep] = []

    async def areset(self, task: TaskInfo) -> None:
        """Start an episode. Subclasses that override call ``super().areset(task)`` first."""
        self.task = task
        self.history = []

    @abstractmethod
    async def aact(self, obs: Observation) -> AgentStep:
        """Decide the next action from the latest observation."""

    def observation_parts(self) -> frozenset[str]:
        """The observation parts (`palaestra.envs.obs`: "axtree", "elements", "screenshot", "som"...)
        this agent reads. Runs switch them on when they make its environment, beside the run's own
        (`ObsConfig.including`), so an agent's options decide what is computed: a vision agent gets
        its set-of-marks screenshot without a run setting. Parts an environment cannot have (a
        desktop's DOM) are left out by the environment."""
        return frozenset()

    def see_views(self, views: Mapping[str, Any]) -> None:  # noqa: B027  (optional hook)
        """Handed, before each ``aact``, the step's observation in the foreign shapes it asked for
        among its `observation_parts` (`palaestra.envs.obs.VIEWS`: ``browsergym`` is BrowserGym's
        dict, ``osworld`` OSWorld's), by name. They are made from the same step with the converters
        of `palaestra.envs.views`: in-process by the run, by the session for a served environment
        (``--env-server``) and in the UI's live play, so an agent written for BrowserGym or OSWorld
        reads what it was written for wherever its environment runs."""

    def reveal_task(self, task: str) -> None:
        """Told the task's registered name; only ever called on `privileged` agents."""
        raise NotImplementedError(f"{type(self).__name__} is not a privileged agent")

    async def awarm(self) -> None:  # noqa: B027  (optional hook)
        """Load what the agent would load lazily (an embedding model, an index, a tokenizer). Runs
        call it before the first episode's clock starts, so that episode's time is its own."""

    async def aclose(self) -> None:  # noqa: B027  (optional hook)
        """Release what the agent holds (clients, files)."""

    def reset(self, task: TaskInfo) -> None:
        loop_mod.run_sync(self.areset(task))

    def act(self, obs: Observation) -> AgentStep:
        step = loop_mod.run_sync(self.aact(obs))
        return step

    def close(self) -> None:
        loop_mod.run_sync(self.aclose())
