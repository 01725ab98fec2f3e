"""Demonstrations: episodes written down as exemplar trajectories.

A trajectory is a list of steps; each step holds the abstracted state the actor saw, the action it
took, and, for every element the action names (or the element under a coordinate action's point),
a descriptor of that element: what it is, what it says, where it stands among its kind. An agent
replaying the trajectory on a new page looks for the element that plays the same part.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError

Obs = dict[str, Any]
DESCRIPTOR_ATTRIBUTES = ("id", "class", "name", "type", "placeholder", "aria-label", "title", "for", "value")


@dataclass
class Demonstration:
    """An episode as an exemplar: the goal, the steps, and how it ended."""

    goal: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    success: bool = False
    reward: float = 0.0


def descriptor(obs: Obs, element_id: str) -> dict[str, Any] | None:
    """What identifies an element across episodes: tag, role, name, text, key attributes, and its
    rank among the visible elements of the same tag and role (the 2nd checkbox, the 5th row)."""
    elements = obs.get("elements", [])
    target = next((e for e in elements if e["id"] == element_id), None)
    if target is None:
        return None
    peers = [e for e in elements if e["visible"] and (e["tag"], e["role"]) == (target["tag"], target["role"])]
    rank = next((i for i, e in enumerate(peers) if e["id"] == element_id), -1)
    parent = next((e for e in elements if e["id"] == target["parent"]), None)
    return {
        "tag": target["tag"],
        "role": target["role"],
        "name": target["name"],
        "text": target["text"][:120],
        "attributes": {
            k: target["attributes"][k] for k in DESCRIPTOR_ATTRIBUTES if k in target["attributes"]
        },
        "rank": rank,
        "peers": len(peers),
        "bbox": list(target["bbox"]),
        "parent_text": parent["text"][:120] if parent else "",
    }


def element_at(obs: Obs, x: float, y: float) -> dict[str, Any] | None:
    """The smallest visible element whose box holds the point."""
    best, best_area = None, float("inf")
    for el in obs.get("elements", []):
        ex, ey, w, h = el["bbox"]
        if el["visible"] and ex <= x <= ex + w and ey <= y <= ey + h and w * h < best_area:
            best, best_area = el, w * h
    return best


def record_step(obs: Obs, action_text: str, config: AbstractionConfig | None = None) -> dict[str, Any]:
    """One trajectory step: the abstracted state, the action, and descriptors of its targets."""
    targets: dict[str, Any] = {}
    points: list[dict[str, Any]] = []
    try:
        actions: list[Action] = WEB_ACTIONS.parse(action_text)
    except ActionError:
        actions = []
    for action in actions:
        for f in fields(action):
            value = getattr(action, f.name)
            if f.name in ID_FIELDS and isinstance(value, str):
                found = descriptor(obs, value)
                if found is not None:
                    targets[value] = found
        if hasattr(action, "x") and hasattr(action, "y"):
            under = element_at(obs, action.x, action.y)
            if under is not None:
                bx, by, bw, bh = under["bbox"]
                points.append({
                    "x": action.x, "y": action.y, "element": descriptor(obs, under["id"]),
                    "offset": [(action.x - bx) / bw if bw else 0.5, (action.y - by) / bh if bh else 0.5],
                })  # fmt: skip
    return {
        "state": abstract_state(obs, config).text,
        "action": action_text,
        "targets": targets,
        "points": points,
        "url": obs.get("url", ""),
    }


def record_episode(env: Any, solver: Any, seed: int, max_steps: int = 50) -> Demonstration:
    """Play one episode with ``solver`` (a function from the first observation to a generator of
    actions, as the MiniWoB++ oracles are) and write it down."""
    obs, _ = env.reset(seed=seed)
    demo = Demonstration(goal=obs["goal"])
    policy = solver(obs)
    try:
        action = next(policy)
        while len(demo.steps) < max_steps:
            demo.steps.append(record_step(obs, action))
            obs, reward, terminated, truncated, info = env.step(action)
            demo.reward, demo.success = float(reward), bool(info.get("success"))
            if terminated or truncated:
                break
            action = policy.send(obs)
    except StopIteration:
        pass
    return demo
