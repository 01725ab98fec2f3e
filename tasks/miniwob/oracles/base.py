"""The oracle registry, the episode driver, and small helpers for reading observations."""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np

from palaestra.envs.obs import Observation
from palaestra.errors import PalaestraError

Oracle = Callable[[Observation], Generator[str, Observation, None]]
ORACLES: dict[str, Oracle] = {}


def oracle(*tasks: str) -> Callable[[Oracle], Oracle]:
    """Register a solution for one or more MiniWoB++ task names (without the ``miniwob.`` prefix)."""

    def register(fn: Oracle) -> Oracle:
        for task in tasks:
            if task in ORACLES:
                raise ValueError(f"Two oracles for {task}")
            ORACLES[task] = fn
        return fn

    return register


class OracleError(PalaestraError, RuntimeError):
    """An oracle could not find what it looks for in the observation."""


@dataclass
class EpisodeResult:
    reward: float
    success: bool
    steps: int
    actions: list[str]
    errors: list[str]


def run_oracle(env: Any, task: str, seed: int, max_steps: int = 50) -> EpisodeResult:
    """Play one episode of ``task`` with its oracle on a reset-able (sync) environment."""
    return play(env, ORACLES[task], seed, max_steps)


def play(env: Any, oracle: Oracle, seed: int, max_steps: int) -> EpisodeResult:
    """Play one episode with ``oracle`` (any suite's) on a reset-able (sync) environment: it gets
    the first observation, then each next one, and answers with the next action string."""
    obs, _ = env.reset(seed=seed)
    solver = oracle(obs)
    actions: list[str] = []
    errors: list[str] = []
    reward, success = 0.0, False
    try:
        action = next(solver)
        while len(actions) < max_steps:
            actions.append(action)
            obs, reward, terminated, truncated, info = env.step(action)
            success = bool(info.get("success"))
            if obs["last_action_error"]:
                errors.append(obs["last_action_error"])
            if terminated or truncated:
                break
            action = solver.send(obs)
    except StopIteration:
        pass
    return EpisodeResult(
        reward=float(reward), success=success, steps=len(actions), actions=actions, errors=errors
    )


# -- reading observations -------------------------------------------------------------------------


@dataclass
class El:
    """An element record with attribute access (``el.id``, ``el.text``, ``el.center``)."""

    raw: dict[str, Any]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.raw[key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def center(self) -> tuple[float, float]:
        x, y, w, h = self.raw["bbox"]
        return x + w / 2, y + h / 2

    @property
    def attrs(self) -> dict[str, str]:
        return dict(self.raw["attributes"])

    @property
    def classes(self) -> list[str]:
        return self.raw["attributes"].get("class", "").split()


def elements(
    obs: Observation,
    tag: str | None = None,
    text: str | None = None,
    visible: bool = True,
    exact: bool = True,
    **attrs: str,
) -> list[El]:
    """Elements matching a tag, their text (exact or contained, case-insensitive) and attributes."""
    found = []
    for raw in obs["elements"]:
        el = El(raw)
        if visible and not raw["visible"]:
            continue
        if tag is not None and raw["tag"] != tag:
            continue
        if text is not None:
            own = raw["text"].strip().lower()
            want = text.strip().lower()
            if (own != want) if exact else (want not in own):
                continue
        if any(raw["attributes"].get(k.rstrip("_")) != v for k, v in attrs.items()):
            continue
        found.append(el)
    return found


def find(
    obs: Observation,
    tag: str | None = None,
    text: str | None = None,
    visible: bool = True,
    exact: bool = True,
    **attrs: str,
) -> El:
    """The innermost (last in document order) element matching, or ``OracleError``."""
    found = elements(obs, tag=tag, text=text, visible=visible, exact=exact, **attrs)
    if not found:
        raise OracleError(f"no element tag={tag} text={text!r} attrs={attrs} in the observation")
    return found[-1]


def by_dom_id(obs: Observation, dom_id: str) -> El:
    """The element whose HTML ``id`` attribute is ``dom_id``."""
    return find(obs, visible=False, id=dom_id)


def quoted(goal: str) -> list[str]:
    """Strings between double quotes in the goal (MiniWoB++ quotes most arguments)."""
    return re.findall(r'"([^"]*)"', goal)


def pixel(obs: Observation, x: float, y: float) -> tuple[int, int, int]:
    """The screenshot's RGB colour at viewport point x, y."""
    shot: np.ndarray = obs["screenshot"]
    r, g, b = shot[int(y), int(x)][:3]
    return int(r), int(g), int(b)


def uncovered_point(el: El, others: list[El], margin: float = 2.0) -> tuple[float, float] | None:
    """The point of ``el``'s box nearest its centre that lies in none of ``others``' boxes (a click
    there reaches ``el`` whatever the stacking order), or None when they cover it entirely."""
    x, y, w, h = el.bbox
    cx, cy = el.center
    steps = 8
    points = [
        (x + margin + (w - 2 * margin) * i / steps, y + margin + (h - 2 * margin) * j / steps)
        for i in range(steps + 1)
        for j in range(steps + 1)
    ]
    points.sort(key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)

    def covered(px: float, py: float) -> bool:
        for other in others:
            ox, oy, ow, oh = other.bbox
            if ox - margin <= px <= ox + ow + margin and oy - margin <= py <= oy + oh + margin:
                return True
        return False

    return next(((px, py) for px, py in points if not covered(px, py)), None)


def descendants(
    obs: Observation,
    container: El,
    tag: str | None = None,
    text: str | None = None,
    visible: bool = True,
    exact: bool = True,
    **attrs: str,
) -> list[El]:
    """Elements inside ``container`` (by the nesting of ``obs["dom"]``), filtered like ``elements``.

    Pages repeat the same widgets in many records (a tweet, an email); this picks them from one."""
    inside: set[str] = set()
    depth: int | None = None
    for line in obs["dom"].splitlines():
        match = re.match(r'( *)<[^\s>]+ bid="([^"]+)"', line)
        if match is None:
            continue
        indent = len(match.group(1))
        if depth is not None:
            if indent <= depth:
                break
            inside.add(match.group(2))
        elif match.group(2) == container.id:
            depth = indent
    found = elements(obs, tag=tag, text=text, visible=visible, exact=exact, **attrs)
    return [el for el in found if el.id in inside]


def wait_for(
    obs: Observation, ready: Callable[[Observation], bool], ms: int = 100, tries: int = 30
) -> Generator[str, Observation, Observation]:
    """Wait (``noop``) until ``ready(obs)``; use as ``obs = yield from wait_for(obs, ...)``.

    Steps return once the DOM is quiet, so a change a page makes later, on a timer (an
    autocomplete menu, a delayed redraw), shows up only in a later observation."""
    for _ in range(tries):
        if ready(obs):
            return obs
        obs = yield f"noop({ms})"
    raise OracleError(f"waited {tries * ms} ms and the page never got ready")
