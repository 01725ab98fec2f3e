"""Desktop tasks over real Debian apps (galculator, mousepad, gnumeric, pcmanfm, lxterminal), in the
OSWorld style: each starts from files and an app, and is judged by what ends up on the desktop.

Every task has an oracle (`oracles.py`) that solves it through action strings alone.
"""

from __future__ import annotations

from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask
from palaestra.tasks.registry import TaskSpec

ENTRY_POINT = "palaestra.envs.desktop.env:DesktopEnv"


def desktop_tasks() -> dict[str, type[DesktopTask]]:
    from palaestra.tasks.desktop import calculator, editor, files, sheet, terminal

    found: dict[str, type[DesktopTask]] = {}
    for module in (calculator, editor, sheet, files, terminal):
        found.update(module.TASKS)
    return found


def make_task(name: str) -> DesktopTask:
    """A fresh task of this short name (``calc-add``)."""
    return desktop_tasks()[name]()


def suite_tasks() -> list[TaskSpec]:
    """The `desktop` suite's entry point: one spec per task, each played by `DesktopEnv`."""
    return [
        TaskSpec(
            name=f"desktop.{name}",
            suite="desktop",
            factory="palaestra.tasks.desktop:make_task",
            kwargs={"name": name},
            description=(cls.__doc__ or "").strip().split("\n")[0],
            env=ENTRY_POINT,
        )
        for name, cls in sorted(desktop_tasks().items())
    ]


__all__ = ["DesktopOutcome", "DesktopSetup", "DesktopTask", "suite_tasks"]
