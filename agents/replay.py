"""Pacing a replay: when a demonstrated step can be taken on the page the agent sees now.

A demonstration is a path through pages that need not recur: the new goal's file may sit in
another folder, its menu item under another submenu, or already be in view; a menu may still be
opening. The steps whose element the goal determines (its text names one of the goal's arguments,
such as the file to click) say where the path must arrive; the steps whose element the goal does
not determine (open a folder, hover a submenu) are navigation, and may be skipped when the
destination is already in view, or repeated on another element of the same kind when it is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palaestra.agents.echo import marks_by_element
from palaestra.agents.grounding import Alignment, Wanted, best_match, norm
from palaestra.envs.obs import Observation

Step = dict[str, Any]
NAVIGATION_ACTIONS = ("click", "hover", "dblclick")


@dataclass(frozen=True)
class Named:
    """An element a step acts on whose text the goal determines."""

    descriptor: dict[str, Any]
    wanted: Wanted
    #: True when the text holds one of the goal's arguments (it changed between the goals), False
    #: when it is merely written in the goal (a "Submit" button).
    argument: bool


def named_targets(step: Step, obs: Observation, alignment: Alignment, exemplar_goal: str) -> list[Named]:
    """The step's elements whose whole text is one of the goal's arguments, a short text holding
    them ("Mute @leo", "Antarctica" for "starts with An"), or a phrase of the goal ("Submit"); and
    those that carry a mark of a pictured goal that has changed (the icon to click)."""
    goal = f" {norm(exemplar_goal)} "
    arguments = {norm(old) for old, _ in alignment.pairs}
    out = []
    for target in step.get("targets", {}).values():
        old = norm(target.get("text", ""))
        wanted = Wanted.of(target, alignment, obs)
        if wanted.marks:
            out.append(Named(target, wanted, True))
            continue
        if not old or not wanted.text:
            continue
        short = len(old.split()) <= 3  # "Mute @leo", "Antarctica"; not a whole list or paragraph
        argument = old in arguments or (short and (wanted.text != old or wanted.pattern is not None))
        if argument or f" {old} " in goal:
            out.append(Named(target, wanted, argument))
    return out


def present(named: Named, obs: Observation, alignment: Alignment) -> bool:
    """Whether the page shows the element (the best match says what the goal wants it to say)."""
    found, _ = best_match(named.descriptor, obs, alignment)
    if found is None:
        return False
    return named.wanted.exact(found, marks_by_element(obs)[found["id"]] if named.wanted.marks else None)


def ready(step: Step, obs: Observation, alignment: Alignment, exemplar_goal: str) -> bool:
    """Whether every element of the step that the goal determines is on this page. One that is not
    there yet means the page is still changing (a menu opening, results loading), or that the path
    to it differs from the demonstration's."""
    return all(present(n, obs, alignment) for n in named_targets(step, obs, alignment, exemplar_goal))


def is_navigation(step: Step, obs: Observation, alignment: Alignment, exemplar_goal: str) -> bool:
    """A single click or hover on an element the goal does not determine, typing nothing."""
    action = step.get("action", "").strip()
    if "\n" in action or not action.startswith(NAVIGATION_ACTIONS) or not step.get("targets"):
        return False
    return not named_targets(step, obs, alignment, exemplar_goal)


def hovers(steps: list[Step]) -> bool:
    return any(step.get("action", "").strip().startswith("hover") for step in steps)


def is_wait(step: Step) -> bool:
    return step.get("action", "").strip().startswith("noop")


def skip_ahead(
    trajectory: list[Step], position: int, obs: Observation, alignment: Alignment, exemplar_goal: str
) -> int:
    """The step to take now: a later one whose argument-named element is already in view, when only
    navigation and waits lie between (the file is at the top of the tree this time); else
    ``position``."""
    for later in range(position, len(trajectory)):
        step = trajectory[later]
        if is_wait(step):
            continue
        if later > position:
            named = named_targets(step, obs, alignment, exemplar_goal)
            if any(n.argument for n in named) and all(present(n, obs, alignment) for n in named):
                return later
        if not is_navigation(step, obs, alignment, exemplar_goal):
            break
    return position


def navigation_before(
    trajectory: list[Step], position: int, obs: Observation, alignment: Alignment, exemplar_goal: str
) -> int | None:
    """The navigation step that led to ``position`` (waits between are passed over), if any."""
    for earlier in range(position - 1, -1, -1):
        step = trajectory[earlier]
        if is_wait(step):
            continue
        return earlier if is_navigation(step, obs, alignment, exemplar_goal) else None
    return None
