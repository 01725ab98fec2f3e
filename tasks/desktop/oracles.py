"""Scripted solutions of the desktop tasks, acting only through action strings.

An oracle sees only what an agent sees: the observation (goal, axtree, elements, windows). It reads
the task's parameters from the goal's quoted words and finds controls by role and name, as a
person reading the screen would. Each is a generator: it yields an action string and receives the
next observation. `ORACLES` maps a task's short name (``calc-add``) to its oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator
from typing import Any

Obs = dict[str, Any]
Oracle = Callable[[Obs], Generator[str, Obs, None]]
ORACLES: dict[str, Oracle] = {}


def oracle(*names: str) -> Callable[[Oracle], Oracle]:
    def register(fn: Oracle) -> Oracle:
        for name in names:
            ORACLES[name] = fn
        return fn

    return register


def quoted(goal: str) -> list[str]:
    """The goal's quoted parameters, in order: 'a', "b" or `c`."""
    return [next(g for g in m if g) for m in re.findall(r"'([^']*)'|\"([^\"]*)\"|`([^`]*)`", goal)]


def find(obs: Obs, role: str, name: str | None = None, value: str | None = None) -> str:
    """The id of the first element on screen with this role (and name or value)."""
    for el in obs["elements"]:
        named = (name is None or el["name"] == name) and (value is None or el["value"] == value)
        if el["role"] == role and el["visible"] and named:
            return str(el["id"])
    raise LookupError(f"no {role} {name or value or ''!r} on screen")


def has(obs: Obs, role: str, name: str | None = None, value: str | None = None) -> bool:
    try:
        find(obs, role, name, value)
        return True
    except LookupError:
        return False


def press_until_gone(obs: Obs, role: str, button: str, tries: int = 3) -> Generator[str, Obs, Obs]:
    """Click a dialog's button until the dialog is gone (GTK's file dialog eats the first click)."""
    for _ in range(tries):
        if not has(obs, role, button):
            break
        obs = yield f"click('{find(obs, role, button)}')"
        if not has(obs, "push button", button):
            break
    return obs


def load() -> dict[str, Oracle]:
    """Every oracle (importing the task modules registers theirs)."""
    from palaestra.tasks.desktop import calculator, editor, files, sheet, terminal  # noqa: F401

    return ORACLES


def play_oracle(env: Any, oracle: Oracle, obs: Obs, max_steps: int = 12) -> tuple[tuple[Any, ...], list[str]]:
    """Play ``oracle`` from ``obs`` in ``env`` (a desktop environment, reset) until the episode ends
    or ``max_steps`` steps: the last step's ``(obs, reward, terminated, truncated, info)`` and the
    errors its actions got (an oracle that is right gets none). An oracle whose plan is over waits
    (a task judged at its end, or a screen still settling, ends a step or two later)."""
    plan = oracle(obs)
    action, errors = next(plan), []
    for _ in range(max_steps):
        result = env.step(action)
        obs, _reward, terminated, truncated, _info = result
        if obs["last_action_error"]:
            errors.append(obs["last_action_error"])
        if terminated or truncated:
            break
        try:
            action = plan.send(obs)
        except StopIteration:
            action = "wait(0.5)"
    return result, errors
