"""The page's own copy of the goal, and the marks it shows besides words.

MiniWoB++ prints the goal above the task, and some goals are partly pictures: "click on the item
with the icon" shows the icon (``<span class="ui-icon ui-icon-disk">``) beside the words. The copy
must never be taken for what the goal is about (its words name every argument), while its marks
are arguments the goal's text leaves out: the element to act on carries the same mark.
"""

from __future__ import annotations

from typing import Any

from palaestra.agents.alignment import norm
from palaestra.envs.obs import Observation

#: How deep below an element its marks are looked for (a menu item's icon is its child).
MARK_DEPTH = 3


def goal_echo(obs: Observation) -> set[str]:
    """The ids of the page's copy of the goal and everything inside it: the innermost element whose
    text is the goal (its wrappers hold the task too), and its descendants."""
    goal = norm(obs.get("goal", ""))
    if not goal:
        return set()
    elements = obs.get("elements", [])
    same = {el["id"] for el in elements if norm(el["text"]) == goal}
    wrappers = {el["parent"] for el in elements if el["id"] in same}
    echo = same - wrappers
    for el in elements:  # parents come before their children
        if el["parent"] in echo:
            echo.add(el["id"])
    return echo


def _classes(el: dict[str, Any]) -> set[str]:
    return set(el["attributes"].get("class", "").split())


def goal_marks(obs: Observation) -> frozenset[str]:
    """The classes of the elements inside the page's copy of the goal (its icon, its swatch)."""
    echo = goal_echo(obs)
    roots = {el["id"] for el in obs.get("elements", []) if el["id"] in echo and el["parent"] not in echo}
    marks: set[str] = set()
    for el in obs.get("elements", []):
        if el["id"] in echo and el["id"] not in roots:
            marks |= _classes(el)
    return frozenset(marks)


def marks_by_element(obs: Observation) -> dict[str, set[str]]:
    """Each element's classes together with those of its descendants down to ``MARK_DEPTH``; the
    goal's copy lends its marks to nothing (the page around it does not carry its icon)."""
    elements = obs.get("elements", [])
    parent = {el["id"]: el["parent"] for el in elements}
    echo = goal_echo(obs)
    out: dict[str, set[str]] = {el["id"]: set() for el in elements}
    for el in elements:
        if el["id"] in echo:
            continue
        classes = _classes(el)
        node = el["id"]
        for _ in range(MARK_DEPTH + 1):
            if node not in out:
                break
            out[node] |= classes
            node = parent.get(node, "")
    return out


def element_marks(obs: Observation, element_id: str) -> list[str]:
    """The goal's marks the element carries (itself or below): what ties it to a pictured goal."""
    marks = goal_marks(obs)
    return sorted(marks_by_element(obs).get(element_id, set()) & marks) if marks else []
