"""OSWorld's task files (one JSON object per task: ``id``, ``instruction``, ``config`` setup steps,
``evaluator``) played on this desktop, as the suite ``osworld-json``.

The suite's tasks are the files under the folder ``PALAESTRA_OSWORLD_TASKS`` names, else the
examples bundled here (``data/``: our own tasks for our apps, written in OSWorld's format). Files
that ask for what this desktop lacks (VM snapshots, internet pages and downloads, OSWorld's
Thunderbird profile archive: the profile is built locally, see `downloads.LOCAL_PROFILE`) are
left out of the suite with one warning (internet files load from OSWorld's cache folder when
``PALAESTRA_OSWORLD_CACHE`` names one, see `cache`); `load_task` and `load_folder` raise their
typed errors, and
``python -m palaestra.tasks.desktop.osworld FOLDER`` lists each file's verdict.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

from palaestra.errors import SuiteUnavailable
from palaestra.tasks.desktop.osworld.cache import CACHE_ENV, MissingCachedFileError
from palaestra.tasks.desktop.osworld.errors import (
    LocalProfileError,
    OfflineURLError,
    OSWorldTaskError,
    PathOutsideHomeError,
    UnsupportedAppError,
    UnsupportedEvaluatorError,
    UnsupportedFeatureError,
    UnsupportedStepError,
)
from palaestra.tasks.desktop.osworld.task import SUITE, OSWorldTask, load_folder, load_task, scan_folder
from palaestra.tasks.registry import TaskSpec

#: The environment variable naming the folder of task files the suite plays.
FOLDER_ENV = "PALAESTRA_OSWORLD_TASKS"
BUNDLED = Path(__file__).parent / "data"
ENTRY_POINT = "palaestra.envs.desktop.env:DesktopEnv"


def tasks_folder() -> Path:
    """The folder the suite reads: ``$PALAESTRA_OSWORLD_TASKS``, else the bundled examples. It may
    name OSWorld's task list (``evaluation_examples/test_small.json``...) instead: its tasks."""
    chosen = os.environ.get(FOLDER_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else BUNDLED


def _why_no_tasks(folder: Path, errors: list[OSWorldTaskError]) -> str:
    """Why ``folder`` gave no task: it holds no task file, or none of its files plays here."""
    if not errors:
        return (
            f"{FOLDER_ENV}={folder} holds no OSWorld task files (*.json, searched recursively). Name "
            "the folder OSWorld keeps them in (evaluation_examples/examples) or a task list."
        )
    shown = "\n  ".join(str(e) for e in errors[:3])
    return (
        f"none of the {len(errors)} task file(s) of {folder} plays here "
        f"(`python -m palaestra.tasks.desktop.osworld {folder}` says why for each):\n  {shown}"
    )


def make_task(path: str, root: str) -> OSWorldTask:
    return load_task(path, root)


def suite_tasks() -> list[TaskSpec]:
    """The ``osworld-json`` suite's entry point: one spec per loadable task file of the folder.

    A folder that gives no task at all makes the suite unavailable with the reason (the registry
    then says it wherever the suite or one of its tasks is asked for), rather than the suite
    vanishing into "Unknown suite `osworld-json`"."""
    folder = tasks_folder()
    if not folder.exists():
        raise SuiteUnavailable(
            f"{FOLDER_ENV}={folder} names nothing: name a folder of OSWorld task files "
            "(evaluation_examples/examples, or one domain's folder in it) or a task list "
            f"(evaluation_examples/test_all.json), or unset {FOLDER_ENV} for the bundled examples."
        )
    tasks, errors = scan_folder(folder)
    if not tasks:
        raise SuiteUnavailable(_why_no_tasks(folder, errors))
    if errors:
        shown = "\n  ".join(str(e) for e in errors[:3])
        warnings.warn(
            f"osworld-json: {len(errors)} task file(s) of {folder} are left out "
            f"(`python -m palaestra.tasks.desktop.osworld {folder}` lists them all):\n  {shown}",
            stacklevel=2,
        )
    return [
        TaskSpec(
            name=t.name,
            suite=SUITE,
            factory="palaestra.tasks.desktop.osworld:make_task",
            kwargs={"path": str(t.spec.path), "root": str(folder.parent if folder.is_file() else folder)},
            description=t.spec.instruction[:80],
            env=ENTRY_POINT,
            seeded=False,
        )
        for t in tasks
    ]


__all__ = [
    "CACHE_ENV",
    "FOLDER_ENV",
    "LocalProfileError",
    "MissingCachedFileError",
    "OSWorldTask",
    "OSWorldTaskError",
    "OfflineURLError",
    "PathOutsideHomeError",
    "UnsupportedAppError",
    "UnsupportedEvaluatorError",
    "UnsupportedFeatureError",
    "UnsupportedStepError",
    "load_folder",
    "load_task",
    "scan_folder",
    "suite_tasks",
]
