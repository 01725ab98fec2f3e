"""The offline memory agent: replays the nearest demonstrated trajectory on the new page. No LLM.

At reset it retrieves exemplars whose goals resemble the task's goal (with a vote over task families,
as Synapse does), keeps the one whose goal has the closest shape, and aligns the two goals. At each
step it takes the exemplar's next action, substitutes the task's arguments and grounds every element
the action names in the current page (``palaestra.agents.grounding``).
"""

from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass, fields, replace
from typing import Any, Protocol

from palaestra.agents.base import Agent, AgentStep, Obs, TaskInfo
from palaestra.agents.grounding import Alignment, ground, norm, tokens
from palaestra.agents.registry import AgentSpec, register_agent
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError

LIST_ACTIONS = ("click", "check", "uncheck")


@dataclass(frozen=True)
class Exemplar:
    """What the agent needs of a stored demonstration."""

    goal: str
    family: str
    trajectory: list[dict[str, Any]]
    score: float = 0.0


class ExemplarSource(Protocol):
    def search(self, goal: str, k: int) -> list[Exemplar]:
        """The ``k`` exemplars nearest to ``goal``, best first."""
        ...


@dataclass(frozen=True)
class MemoryAgentConfig:
    memory: str = ""  # directory of an ExemplarMemory
    k: int = 10


def vote(candidates: list[Exemplar]) -> list[Exemplar]:
    """Keep the family most of the top candidates belong to (ties: the higher total score)."""
    if not candidates:
        return []
    counts = Counter(c.family for c in candidates)
    totals: dict[str, float] = {}
    for c in candidates:
        totals[c.family] = totals.get(c.family, 0.0) + c.score
    family = max(counts, key=lambda f: (counts[f], totals[f]))
    return [c for c in candidates if c.family == family]


def closest_shape(goal: str, candidates: list[Exemplar]) -> Exemplar:
    """The exemplar whose goal reads most like ``goal`` word for word (same template, same length)."""
    mine = tokens(goal)

    def shape(c: Exemplar) -> tuple[float, float]:
        theirs = tokens(c.goal)
        ratio = difflib.SequenceMatcher(None, mine, theirs, autojunk=False).ratio()
        return (ratio + (0.5 if len(theirs) == len(mine) else 0.0), c.score)

    return max(candidates, key=shape)


class MemoryAgent(Agent):
    name = "memory"

    def __init__(self, config: MemoryAgentConfig, source: ExemplarSource | None = None) -> None:
        super().__init__()
        self.config = config
        if source is None:
            from palaestra.agents.exemplars import open_exemplar_source

            source = open_exemplar_source(config.memory)
        self.source = source
        self.exemplar: Exemplar | None = None
        self.alignment = Alignment(())
        self.position = 0

    async def areset(self, task: TaskInfo) -> None:
        await super().areset(task)
        family = vote(self.source.search(task.goal, self.config.k))
        self.exemplar = closest_shape(task.goal, family) if family else None
        self.alignment = Alignment.between(self.exemplar.goal, task.goal) if self.exemplar else Alignment(())
        self.position = 0

    async def aact(self, obs: Obs) -> AgentStep:
        exemplar = self.exemplar
        if exemplar is None or self.position >= len(exemplar.trajectory):
            step = AgentStep(action="noop(0)", extra={"exhausted": True})
        else:
            demo = exemplar.trajectory[self.position]
            self.position += 1
            action = self.transfer(demo, obs)
            step = AgentStep(
                action=action,
                thoughts=f"step {self.position} of the exemplar for {exemplar.goal!r}",
                extra={"exemplar_goal": exemplar.goal, "exemplar_action": demo["action"]},
            )
        self.history.append(step)
        return step

    def transfer(self, demo: dict[str, Any], obs: Obs) -> str:
        """The demonstrated action, rewritten for this goal and grounded in this page."""
        try:
            actions: list[Action] = WEB_ACTIONS.parse(demo["action"])
        except ActionError:
            return "noop(0)"
        points = iter(demo.get("points", []))
        out: list[str] = []
        expanded: set[tuple[str, str, str, bool]] = set()
        for action in actions:
            group = self.list_group(action, demo)
            if group is not None:
                if group not in expanded:  # once per group: it covers every item of the new list
                    expanded.add(group)
                    members = self.list_members(group, obs)
                    out.extend(replace(action, **{"id": el["id"]}).to_call() for el in members)
                continue
            changes: dict[str, Any] = {}
            for f in fields(action):
                value = getattr(action, f.name)
                if f.name in ID_FIELDS and isinstance(value, str):
                    target = demo["targets"].get(value)
                    found = ground(target, obs, self.alignment) if target else None
                    changes[f.name] = found["id"] if found else value
                elif isinstance(value, str):
                    changes[f.name] = self.alignment.apply(value)
                elif isinstance(value, tuple):
                    changes[f.name] = tuple(self.alignment.apply(v) for v in value)
            if hasattr(action, "x") and hasattr(action, "y"):
                point = next(points, None)
                if point is not None and point.get("element"):
                    under = ground(point["element"], obs, self.alignment)
                    if under is not None:
                        x, y, w, h = under["bbox"]
                        changes["x"] = round(x + point["offset"][0] * w, 1)
                        changes["y"] = round(y + point["offset"][1] * h, 1)
            out.append(replace(action, **changes).to_call())
        return "\n".join(out)

    def list_group(self, action: Action, demo: dict[str, Any]) -> tuple[str, str, str, bool] | None:
        """Lists change length between goals ("Select A, B" vs "Select C, D, E"). A click, check or
        uncheck of an element named by the goal's arguments stands for the same action on every
        element the new goal names; an uncheck or check of an element the goal does not name stands
        for the same on every unnamed element of that kind. Returns (action, tag, role, named)."""
        target = demo["targets"].get(getattr(action, "id", None) or "")
        if action.name not in LIST_ACTIONS or target is None or self.exemplar is None:
            return None
        text = norm(target.get("text") or target.get("name") or "")
        if not text:
            return None
        if self.named(text, self.exemplar.goal, self.alignment.old_args):
            return (action.name, target["tag"], target["role"], True)
        if action.name in ("check", "uncheck") and f" {text} " not in f" {norm(self.exemplar.goal)} ":
            return (action.name, target["tag"], target["role"], False)
        return None

    def list_members(self, group: tuple[str, str, str, bool], obs: Obs) -> list[dict[str, Any]]:
        assert self.task is not None
        _, tag, role, named = group
        goal = norm(self.task.goal)
        members = []
        for el in obs.get("elements", []):
            text = norm(el["text"] or el["name"])
            if not el["visible"] or (el["tag"], el["role"]) != (tag, role) or not text:
                continue
            mentioned = f" {text} " in f" {goal} "
            if (named and self.named(text, self.task.goal, self.alignment.new_args)) or (
                not named and not mentioned
            ):
                members.append(el)
        return members

    @staticmethod
    def named(text: str, goal: str, args: frozenset[str]) -> bool:
        """Whether ``text`` is one of the goal's arguments (all its words differ between goals)."""
        return bool(args) and f" {text} " in f" {norm(goal)} " and set(text.split()) <= args


def _make(config: MemoryAgentConfig) -> MemoryAgent:
    return MemoryAgent(config)


register_agent(AgentSpec("memory", _make, MemoryAgentConfig, "replays the nearest demonstration; no LLM"))
