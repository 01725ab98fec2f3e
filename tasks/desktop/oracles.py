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


def has(obs: Obs, role: str, name: str | None = None) -> bool:
    try:
        find(obs, role, name)
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
