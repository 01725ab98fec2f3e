"""One desktop session shared by a module's tests that only play episodes on it (a session's start
and stop less per test), each test playing its own task from a reset of its own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.registry import get_task_spec


def one_session(**options: Any) -> Iterator[DesktopEnv]:
    """A module fixture's body: the session (made on galculator's task), closed after the module."""
    env = DesktopEnv("desktop.calc-add", **options)
    yield env
    env.close()


def playing(env: DesktopEnv, task: str) -> DesktopEnv:
    """``env`` with ``task`` to play from its next reset."""
    env.task = get_task_spec(task).make()
    return env
