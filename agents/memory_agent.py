"""The offline memory agent: replays the nearest demonstrated trajectory on the new page. No LLM.

At its first step it retrieves exemplars whose goals resemble the task's goal, and chooses among
them by the goal's template and the first page's make-up as well (``palaestra.agents.retrieval``);
then it aligns the two goals. At each step it takes the exemplar's next action, rewrites the task's
arguments into it (substitutions, re-formatted values, values read off the page) and grounds every
element the action names in the current page (``palaestra.agents.memory_transfer``, over
``palaestra.agents.grounding``). It paces the
replay by the page (``palaestra.agents.replay``): it skips navigation the page does not need (the
file is in view already), waits while a step's element is not on the page yet (a menu opening), and
takes a navigation step again on another element when the way differs (another folder).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields
from typing import Any

from palaestra.agents import replay
from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.checks import require_memory
from palaestra.agents.grounding import Alignment, ground
from palaestra.agents.memory_transfer import DemoTransfer
from palaestra.agents.registry import AgentSpec
from palaestra.agents.retrieval import (
    ExemplarSource,
    RetrievalWeights,
    choose,
    open_exemplar_source,
    page_signature,
)
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar, Hit

__all__ = ["MemoryAgent", "MemoryAgentConfig"]

WAIT_MS = 250


@dataclass(frozen=True)
class MemoryAgentConfig:
    memory: str = ""  # directory of an ExemplarMemory
    #: Candidates fetched from the memory by goal embedding, then re-ranked by template and page.
    k: int = 50
    #: How often one step may wait for its element to appear before it acts anyway.
    max_waits: int = 3
    #: How often an episode may take a navigation step again on another element (another folder)
    #: when the element the next step needs did not appear.
    max_explorations: int = 8

    def check(self) -> None:
        """The agent replays demonstrations: without a memory of them it can do nothing."""
        require_memory(self.memory, "memory", required=True)


@dataclass
class Progress:
    """Where an episode's replay stands."""

    position: int = 0  # the exemplar's next step
    waits: int = 0  # noops spent waiting for that step's element
    explorations: int = 0  # navigation steps taken again on other elements
    tried: dict[int, set[str]] = field(default_factory=dict)  # step -> elements it acted on
    hover_first: bool = False  # hover the next click's element before clicking it


class MemoryAgent(DemoTransfer, Agent):
    name = "memory"

    def __init__(
        self,
        config: MemoryAgentConfig,
        source: ExemplarSource | None = None,
        weights: RetrievalWeights | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        if source is None:
            source = open_exemplar_source(config.memory)
        self.source = source
        self.weights = weights or RetrievalWeights()
        self.candidates: list[Hit] = []
        self.exemplar: Exemplar | None = None
        self.alignment = Alignment(())
        self.progress = Progress()

    async def awarm(self) -> None:
        """A first search loads the memory's embedding model."""
        await asyncio.to_thread(self.source.search, "warm up", 1)

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        # Off the event loop: embedding the goal takes a while, and the browser shares the loop
        # (blocked for seconds, its connection drops).
        self.candidates = await asyncio.to_thread(self.source.search, task.goal, self.config.k)
        self.exemplar = None
        self.alignment = Alignment(())
        self.progress = Progress()

    def retrieve(self, obs: Observation) -> None:
        """Choose the exemplar on the first page: its make-up tells apart families whose goals read
        alike."""
        assert self.task is not None
        self.exemplar = choose(self.task.goal, page_signature(obs), self.candidates, self.weights)
        if self.exemplar is not None:
            self.alignment = Alignment.between(self.exemplar.goal, self.task.goal)

    async def aact(self, obs: Observation) -> AgentStep:
        if self.exemplar is None and not self.history:
            self.retrieve(obs)
        exemplar = self.exemplar
        if exemplar is None or self.progress.position >= len(exemplar.trajectory):
            step = AgentStep(action="noop(0)", stop=True, extra={"exhausted": True})
        else:
            step = self.next_step(exemplar, obs)
        self.history.append(step)
        return step

    def next_step(self, exemplar: Exemplar, obs: Observation) -> AgentStep:
        """Skip navigation the page does not need; wait while the step's element is not in view;
        once waiting is over, take the navigation step before it again on another element."""
        trajectory, goal, p = exemplar.trajectory, exemplar.goal, self.progress
        skipped = replay.skip_ahead(trajectory, p.position, obs, self.alignment, goal)
        if skipped != p.position:
            # The skipped way hovered before it clicked (icons that load on hover): so will we.
            p.hover_first = replay.hovers(trajectory[p.position : skipped])
            p.position, p.waits = skipped, 0
        demo = trajectory[p.position]
        if not replay.ready(demo, obs, self.alignment, goal):
            # Exploring, the page has no reason to be slow: look once, then try the next element.
            patience = 1 if p.explorations else self.config.max_waits
            if p.waits < patience:
                p.waits += 1
                return AgentStep(
                    action=f"noop({WAIT_MS})",
                    thoughts=f"waiting for the page of step {p.position + 1}",
                    extra={"exemplar_goal": goal, "waiting": True},
                )
            back = replay.navigation_before(trajectory, p.position, obs, self.alignment, goal)
            if back is not None and p.explorations < self.config.max_explorations:
                p.explorations += 1
                p.position = back
                demo = trajectory[back]
        if p.hover_first:
            p.hover_first = False
            hover = self.hover(demo, obs)
            if hover is not None:
                return AgentStep(
                    action=hover,
                    thoughts=f"hovering before step {p.position + 1}, as the exemplar did",
                    extra={"exemplar_goal": goal, "exemplar_action": demo["action"]},
                )
        index = p.position
        p.position += 1
        p.waits = 0
        action = self.transfer(demo, obs, frozenset(p.tried.get(index, ())))
        p.tried.setdefault(index, set()).update(self.acted_on(action))
        return AgentStep(
            action=action,
            thoughts=f"step {index + 1} of the exemplar for {goal!r}",
            extra={"exemplar_goal": goal, "exemplar_action": demo["action"]},
        )

    def hover(self, demo: dict[str, Any], obs: Observation) -> str | None:
        """A hover over the element a single-click step clicks, if it is one."""
        try:
            actions = WEB_ACTIONS.parse(demo["action"])
        except ActionError:
            return None
        target = demo.get("targets", {}).get(getattr(actions[0], "id", "")) if len(actions) == 1 else None
        if actions[0].name != "click" or target is None:
            return None
        found = ground(target, obs, self.alignment)
        return f"hover('{found['id']}')" if found is not None else None

    @staticmethod
    def acted_on(action: str) -> set[str]:
        try:
            return {
                getattr(a, f.name) for a in WEB_ACTIONS.parse(action) for f in fields(a)
                if f.name in ID_FIELDS and isinstance(getattr(a, f.name), str)
            }  # fmt: skip
        except ActionError:
            return set()


def _make(config: MemoryAgentConfig) -> MemoryAgent:
    return MemoryAgent(config)


SPEC = AgentSpec("memory", _make, MemoryAgentConfig, "replays the nearest demonstration; no LLM")
