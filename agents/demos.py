"""Demonstrations: episodes written down as exemplar trajectories.

A trajectory is a list of steps; each step holds the abstracted state the actor saw, the action it
took, and, for every element the action names (or the element under a coordinate action's point),
a descriptor of that element: what it is, what it says, where it stands among its kind. An agent
replaying the trajectory on a new page looks for the element that plays the same part.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.echo import element_marks
from palaestra.agents.retrieval import page_signature
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.parser import ID_FIELDS
from palaestra.envs.actions.types import Action
from palaestra.envs.obs import Observation
from palaestra.errors import ActionError
from palaestra.memory.exemplar import Exemplar

DESCRIPTOR_ATTRIBUTES = ("id", "class", "name", "type", "placeholder", "aria-label", "title", "for", "value")
#: How many ancestors' texts a descriptor keeps ("the more button of the tweet by @leo" is 3 up).
ANCESTORS = 5
MAX_TEXT = 200
#: The fields of an action that carry a typed value (fill, keyboard_type, send_msg_to_user).
VALUE_FIELDS = ("text",)
#: Bump when what a step records changes: memories built by an older recorder should be rebuilt.
DEMO_FORMAT = 5


@dataclass
class Demonstration:
    """An episode as an exemplar: the goal, the steps, and how it ended."""

    goal: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    success: bool = False
    reward: float = 0.0

    def to_exemplar(self, suite: str, task: str, source: str, **metadata: Any) -> Exemplar:
        """The memory's exemplar of this demonstration (the one exemplar type there is)."""
        return Exemplar(
            goal=self.goal, suite=suite, task=task, trajectory=self.steps, success=self.success,
            reward=self.reward, source=source, metadata=metadata,
        )  # fmt: skip


def _key_attributes(attributes: dict[str, str]) -> dict[str, str]:
    """The attributes that say what an element is: the usual ones, and short ``data-*`` ones (a
    colour swatch is ``data-color="grey"``; long ones hold widget configuration, not identity)."""
    return {
        k: v for k, v in attributes.items()
        if k in DESCRIPTOR_ATTRIBUTES or (k.startswith("data-") and len(v) <= 40)
    }  # fmt: skip


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def descriptor(obs: Observation, element_id: str) -> dict[str, Any] | None:
    """What identifies an element across episodes: tag, role, name, text, key attributes, its
    rank among the visible elements of the same tag and role (the 2nd checkbox, the 5th row), and
    the texts of its ancestors (the tweet a button belongs to). An ancestor that holds the page's
    copy of the goal is kept blank: it would name every argument and locate nothing."""
    elements = obs.get("elements", [])
    by_id = {e["id"]: e for e in elements}
    target = by_id.get(element_id)
    if target is None:
        return None
    peers = [e for e in elements if e["visible"] and (e["tag"], e["role"]) == (target["tag"], target["role"])]
    rank = next((i for i, e in enumerate(peers) if e["id"] == element_id), -1)
    parent = by_id.get(target["parent"])
    goal = _squash(obs.get("goal", ""))
    ancestors: list[str] = []
    node = parent
    while node is not None and len(ancestors) < ANCESTORS:
        text = node["text"]
        ancestors.append("" if goal and goal in _squash(text) else text[:MAX_TEXT])
        node = by_id.get(node["parent"])
    return {
        "tag": target["tag"],
        "role": target["role"],
        "name": target["name"],
        "text": target["text"][:120],
        "attributes": _key_attributes(target["attributes"]),
        "rank": rank,
        "peers": len(peers),
        "bbox": list(target["bbox"]),
        "parent_text": parent["text"][:120] if parent else "",
        "ancestors": ancestors,
        "marks": element_marks(obs, element_id),
    }


def value_source(obs: Observation, value: str) -> dict[str, Any] | None:
    """Where on the page a typed value came from, when the goal does not hold it (the colour to
    pick is painted on a swatch): the element, the attribute (or "text") and the characters around
    the value there, so that the same place can be read on a new page. None if the goal holds it."""
    if len(value) < 3 or value.lower() in obs.get("goal", "").lower():
        return None
    needle = value.lower()
    for el in obs.get("elements", []):
        if not el["visible"] or el["editable"]:
            continue
        places = [("text", el["text"])] + [(k, v) for k, v in el["attributes"].items()]
        for where, text in places:
            at = text.lower().find(needle)
            if at < 0 or (where == "text" and _inner_holder(obs, el, needle)):
                continue  # the text is its child's: read it there
            found = descriptor(obs, el["id"])
            if found is None:
                continue
            return {
                "element": found, "where": where,
                "before": text[max(0, at - 16) : at], "after": text[at + len(value) : at + len(value) + 1],
            }  # fmt: skip
    return None


def _inner_holder(obs: Observation, el: dict[str, Any], needle: str) -> bool:
    return any(c["parent"] == el["id"] and needle in c["text"].lower() for c in obs.get("elements", []))


def read_value(source: dict[str, Any], element: dict[str, Any]) -> str | None:
    """The value at the place ``source`` describes, read from ``element`` of a new page."""
    where = source.get("where", "text")
    text = element["text"] if where == "text" else element["attributes"].get(where, "")
    before, after = source.get("before", ""), source.get("after", "")
    start = text.lower().find(before.lower()) if before else 0
    if start < 0:
        return None
    start += len(before)
    if after:
        end = text.find(after, start)
        value = text[start : end if end >= 0 else len(text)]
    else:  # the value ended its text: take the run of characters up to a separator
        value = re.match(r"[^;,\s\"']*", text[start:]).group(0)  # type: ignore[union-attr]
    return value.strip() or None


def element_at(obs: Observation, x: float, y: float) -> dict[str, Any] | None:
    """The smallest visible element whose box holds the point."""
    best, best_area = None, float("inf")
    for el in obs.get("elements", []):
        ex, ey, w, h = el["bbox"]
        if el["visible"] and ex <= x <= ex + w and ey <= y <= ey + h and w * h < best_area:
            best, best_area = el, w * h
    return best


def record_step(
    obs: Observation, action_text: str, config: AbstractionConfig | None = None
) -> dict[str, Any]:
    """One trajectory step: the abstracted state, the action, and descriptors of its targets."""
    targets: dict[str, Any] = {}
    points: list[dict[str, Any]] = []
    sources: dict[str, Any] = {}
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
            elif f.name in VALUE_FIELDS and isinstance(value, str) and value not in sources:
                source = value_source(obs, value)
                if source is not None:
                    sources[value] = source
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
        "sources": sources,
        "page": page_signature(obs),
        "url": obs.get("url", ""),
    }


def took_effect(action: str, error: str) -> bool:
    """Whether a step belongs in a demonstration: its action ran, or ran in part. A single call that
    failed (an unknown action, a missing element, a step after the end) changed nothing, and an
    exemplar holding it would teach the mistake; a sequence that failed later did its first calls."""
    if not error:
        return True
    try:
        return len(WEB_ACTIONS.parse(action)) > 1
    except ActionError:
        return False


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


def record_oracles(patterns: list[str], seeds: list[int], only_successful: bool = True) -> list[Exemplar]:
    """The MiniWoB++ oracles' episodes on ``seeds`` for the tasks matching the globs ``patterns``."""
    import fnmatch

    from palaestra.envs import BrowserEnv
    from palaestra.tasks.miniwob.oracles import ORACLES

    tasks = sorted(t for t in ORACLES if any(fnmatch.fnmatchcase(t, p) for p in patterns))
    out: list[Exemplar] = []
    for task in tasks:
        env = BrowserEnv(f"miniwob.{task}")
        demos: list[Demonstration] = []
        try:
            for number, seed in enumerate(seeds):
                # The seeds to come are known: the environment prepares (and starts) exactly their
                # pages ahead, instead of pages for seeds it would draw, which nothing would use.
                env.expect_seeds(seeds[number + 1 :])
                demos.append(record_episode(env, ORACLES[task], seed))
        finally:
            env.close()
        out += [d.to_exemplar("miniwob", task, "oracle") for d in demos if d.success or not only_successful]
    return out
