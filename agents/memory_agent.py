"""The offline memory agent: replays the nearest demonstrated trajectory on the new page. No LLM.

At its first step it retrieves exemplars whose goals resemble the task's goal, and chooses among
them by the goal's template and the first page's make-up as well (``palaestra.agents.retrieval``);
then it aligns the two goals. At each step it takes the exemplar's next action, rewrites the task's
arguments into it (substitutions, re-formatted values, values read off the page) and grounds every
element the action names in the current page (``palaestra.agents.grounding``). It paces the
replay by the page (``palaestra.agents.replay``): it skips navigation the page does not need (the
file is in view already), waits while a step's element is not on the page yet (a menu opening), and
takes a navigation step again on another element when the way differs (another folder).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, fields, replace
from typing import Any

from palaestra.agents import replay
from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.checks import require_memory
from palaestra.agents.demos import read_value
from palaestra.agents.echo import goal_echo
from palaestra.agents.grounding import Alignment, best_match, contains, ground, norm
from palaestra.agents.registry import AgentSpec
from palaestra.agents.retrieval import (
    ExemplarSource,
    RetrievalWeights,
    choose,
    open_exemplar_source,
    page_signature,
)
from palaestra.agents.transforms import carry
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar, Hit

__all__ = ["MemoryAgent", "MemoryAgentConfig"]

LIST_ACTIONS = ("click", "check", "uncheck")
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


class MemoryAgent(Agent):
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

    def transfer(self, demo: dict[str, Any], obs: Observation, exclude: frozenset[str] = frozenset()) -> str:
        """The demonstrated action, rewritten for this goal and grounded in this page (on elements
        other than ``exclude``: those this step already tried)."""
        try:
            actions: list[Action] = WEB_ACTIONS.parse(demo["action"])
        except ActionError:
            return "noop(0)"
        points = iter(demo.get("points", []))
        out: list[str] = []
        expanded: dict[tuple[str, str, str, bool], bool] = {}  # group -> whether it had members
        for action in actions:
            group = self.list_group(action, demo)
            if group is not None:
                if group not in expanded:  # once per group: it covers every item of the new list
                    members = self.list_members(group, obs, exclude)
                    expanded[group] = bool(members)
                    out.extend(replace(action, **{"id": el["id"]}).to_call() for el in members)
                named = group[3]
                if expanded[group] or not named:
                    continue  # a named item not found: ground the demonstrated element as any other
            changes: dict[str, Any] = {}
            for f in fields(action):
                value = getattr(action, f.name)
                if f.name in ID_FIELDS and isinstance(value, str):
                    target = demo["targets"].get(value)
                    found = ground(target, obs, self.alignment, exclude) if target else None
                    if found is None and exclude:
                        return "noop(0)"  # every element of the kind was tried: nothing else to try
                    changes[f.name] = found["id"] if found else value
                elif isinstance(value, str):
                    changes[f.name] = self.value(value, demo, obs)
                elif isinstance(value, tuple):
                    listed = self.listed_options(value, changes.get("id"), obs)
                    changes[f.name] = listed or tuple(self.value(v, demo, obs) for v in value)
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

    def value(self, value: str, demo: dict[str, Any], obs: Observation) -> str:
        """A typed value for this task: read from the same place on this page if the exemplar read
        it off its page; else the new argument in the format the exemplar typed its argument in;
        else the exemplar's value with the arguments it mentions substituted."""
        source = demo.get("sources", {}).get(value)
        if source is not None:
            holder, _ = best_match(source["element"], obs, self.alignment, echo=True)
            read = read_value(source, holder) if holder is not None else None
            if read is not None:
                return read
        carried = carry(value, self.alignment.pairs)
        return carried if carried is not None else self.alignment.apply(value)

    def listed_options(
        self, old: tuple[str, ...], select_id: Any, obs: Observation
    ) -> tuple[str, ...] | None:
        """The options of a multiple choice the new goal lists. The goal's list replaces the
        exemplar's ("Corrine, Catherine" -> "Antigua and Barbuda"), and only the page knows how it
        splits into items (one country, not two): the select's options that the new list names,
        longest first, none inside another."""
        span = next(
            (new for prior, new in self.alignment.pairs if old and all(contains(prior, o) for o in old)), None
        )
        if span is None:
            return None
        options = [
            el for el in obs.get("elements", []) if el["parent"] == select_id and el["tag"] == "option"
        ]
        named = sorted(
            {o["text"].strip() for o in options if o["text"].strip() and contains(span, o["text"].strip())},
            key=len,
            reverse=True,
        )
        kept: list[str] = []
        for option in named:
            if not any(contains(longer, option) for longer in kept):
                kept.append(option)
        order = {o["text"].strip(): i for i, o in enumerate(options)}
        return tuple(sorted(kept, key=lambda o: order[o])) or None

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

    def list_members(
        self, group: tuple[str, str, str, bool], obs: Observation, exclude: frozenset[str] = frozenset()
    ) -> list[dict[str, Any]]:
        """The elements of the group on this page: for named items one per name the goal gives
        (the one written exactly as the goal writes it, else the first), in page order."""
        assert self.task is not None
        _, tag, role, named = group
        goal = norm(self.task.goal)
        echo = goal_echo(obs) | exclude
        members: dict[str, dict[str, Any]] = {}
        for el in obs.get("elements", []):
            raw = el["text"] or el["name"]
            text = norm(raw)
            if not el["visible"] or (el["tag"], el["role"]) != (tag, role) or not text or el["id"] in echo:
                continue
            if not named:
                if f" {text} " not in f" {goal} ":
                    members[el["id"]] = el
                continue
            if not self.named(text, self.task.goal, self.alignment.new_args):
                continue
            exact = raw.strip() in self.task.goal
            kept = members.get(text)
            if kept is None or (exact and (kept["text"] or kept["name"]).strip() not in self.task.goal):
                members[text] = el
        order = {el["id"]: i for i, el in enumerate(obs.get("elements", []))}
        return sorted(members.values(), key=lambda el: order[el["id"]])

    @staticmethod
    def named(text: str, goal: str, args: frozenset[str]) -> bool:
        """Whether ``text`` is one of the goal's arguments (all its words differ between goals)."""
        return bool(args) and f" {text} " in f" {norm(goal)} " and set(text.split()) <= args


def _make(config: MemoryAgentConfig) -> MemoryAgent:
    return MemoryAgent(config)


SPEC = AgentSpec("memory", _make, MemoryAgentConfig, "replays the nearest demonstration; no LLM")
