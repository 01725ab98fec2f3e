"""OSWorld's task lists: ``test_all.json``, ``test_small.json``... (``{domain: [task id, ...]}``).

OSWorld picks the tasks of a run with such a file (its ``--test_all_meta_path``) and reads each
listed task from ``examples/<domain>/<id>.json`` under the folder the list sits in
(``evaluation_examples``). Here the same file names a suite: `scan_folder` (and so the suite's
``PALAESTRA_OSWORLD_TASKS`` and the folder scanner) takes a list where it takes a folder, and
plays the tasks it lists; inside a folder, a list is not a task file, so it is passed over rather
than reported as a task that failed to load.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError


def is_task_list(data: Any) -> bool:
    """Whether ``data`` has a task list's shape: an object of domains, each a list of task ids
    (a task file holds an ``id`` string and an ``instruction``, never only lists)."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(ids, list) and all(isinstance(i, str) for i in ids) for ids in data.values())
    )


def is_task_list_file(path: Path) -> bool:
    """Whether the JSON file at ``path`` is a task list (an unreadable file is not)."""
    try:
        return is_task_list(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, UnicodeError):
        return False


def listed_task_files(path: Path) -> list[Path]:
    """The task files a list names, in its order: ``<its folder>/examples/<domain>/<id>.json``.
    A file that is not a task list is an `OSWorldTaskError` saying what one looks like."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeError) as exc:
        raise OSWorldTaskError(str(path), "file", f"cannot be read as JSON ({exc})") from None
    if not is_task_list(data):
        raise OSWorldTaskError(
            str(path),
            "file",
            'is neither a folder of task files nor OSWorld\'s task list ({"domain": ["task id", ...]}, '
            "as evaluation_examples/test_all.json). Fix: name the folder of task files, or such a list.",
        )
    examples = path.parent / "examples"
    return [examples / domain / f"{task_id}.json" for domain, ids in data.items() for task_id in ids]
