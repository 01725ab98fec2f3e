"""How the memory agent carries one demonstrated step over to this goal and this page: the action's
elements grounded in the page, its typed values rewritten for the new goal (or read off the page),
and a step on one item of a list stretched to every item the new goal names.

A mixin of ``palaestra.agents.memory_agent.MemoryAgent``, kept apart from it because this is the
rewriting of one action, while the agent's own module paces the replay (which step, when to wait,
when to take a navigation step again).
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from palaestra.agents.base import TaskInfo
from palaestra.agents.demos import read_value
from palaestra.agents.echo import goal_echo
from palaestra.agents.grounding import Alignment, best_match, contains, ground, norm
from palaestra.agents.transforms import carry
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar

LIST_ACTIONS = ("click", "check", "uncheck")


class DemoTransfer:
    """Rewrites a demonstrated action for the agent's task, exemplar and goal alignment."""

    task: TaskInfo | None
    exemplar: Exemplar | None
    alignment: Alignment

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
