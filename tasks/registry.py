"""The task registry: every task suite registers ``TaskSpec`` records here.

Names are ``<suite>.<task>`` (``miniwob.click-test``). Each is also a Gymnasium id under the
``palaestra`` namespace (``palaestra/miniwob.click-test``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from palaestra.errors import UnknownNameError

GYM_NAMESPACE = "palaestra"


@dataclass(frozen=True)
class TaskSpec:
    """How to build one registered task."""

    name: str
    suite: str
    factory: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    #: The environment class that plays this task, as "module:Class" (Gymnasium's entry point).
    env_entry_point: str = "palaestra.envs.browser_env:BrowserEnv"

    @property
    def gym_id(self) -> str:
        return f"{GYM_NAMESPACE}/{self.name}"

    def make(self) -> Any:
        return self.factory(**self.kwargs)

    def env_class(self) -> type[Any]:
        """The environment class of `env_entry_point`, imported on first use."""
        import importlib

        module, _, attr = self.env_entry_point.partition(":")
        return getattr(importlib.import_module(module), attr)


_registry: dict[str, TaskSpec] = {}
_suites_loaded = False


def register_task(spec: TaskSpec) -> None:
    if spec.name in _registry:
        raise ValueError(f"Task {spec.name!r} is registered twice.")
    _registry[spec.name] = spec


def _load_suites() -> None:
    global _suites_loaded
    if not _suites_loaded:
        _suites_loaded = True
        from palaestra.tasks.desktop import register_desktop
        from palaestra.tasks.miniwob import register_miniwob
        from palaestra.tasks.tools import register_tool_tasks

        register_miniwob()
        register_tool_tasks()
        register_desktop()


def all_tasks() -> dict[str, TaskSpec]:
    _load_suites()
    return dict(_registry)


def suites() -> list[str]:
    return sorted({s.suite for s in all_tasks().values()})


def get_task_spec(name: str) -> TaskSpec:
    """The spec of ``name`` (with or without the ``palaestra/`` prefix); did-you-mean when unknown."""
    tasks = all_tasks()
    name = name.removeprefix(f"{GYM_NAMESPACE}/")
    if name not in tasks:
        raise UnknownNameError("task", name, tasks, hint="`palaestra.tasks.list_tasks()` lists them all.")
    return tasks[name]


def list_tasks(pattern: str = "*", suite: str | None = None) -> list[str]:
    """Registered task names matching a glob pattern, optionally within one suite."""
    if suite is not None and suite not in suites():
        raise UnknownNameError("suite", suite, suites())
    names = [n for n, s in all_tasks().items() if suite is None or s.suite == suite]
    matched = [
        n
        for n in names
        if fnmatch.fnmatchcase(n, pattern)
        or (suite is not None and fnmatch.fnmatchcase(n.split(".", 1)[1], pattern))
    ]
    return sorted(matched)


def register_gymnasium_envs() -> None:
    """Register every task as a Gymnasium id (idempotent)."""
    import gymnasium as gym

    for spec in all_tasks().values():
        if spec.gym_id not in gym.registry:
            gym.register(
                id=spec.gym_id,
                entry_point=spec.env_entry_point,
                kwargs={"task": spec.name},
                disable_env_checker=False,
            )
