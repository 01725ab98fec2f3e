"""OSWorld's task lists (``evaluation_examples/test_all.json``: ``{domain: [task id, ...]}``), which
pick the tasks of an OSWorld run: the suite and the scanner take one where they take a folder and
play the tasks it lists from ``examples/<domain>/<id>.json``; inside a folder a list is no task."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest

from palaestra.tasks.desktop.osworld import (
    FOLDER_ENV,
    OSWorldTaskError,
    load_folder,
    scan_folder,
    suite_tasks,
)
from palaestra.tasks.desktop.osworld.__main__ import main as scanner
from tests.tasks.test_osworld_loader import BASE


def evaluation_examples(root: Path) -> Path:
    """OSWorld's layout: task files by domain under ``examples``, the lists beside it."""
    for domain, task_id in (("os", "t1"), ("os", "t2"), ("multi_apps", "t3")):
        folder = root / "examples" / domain
        folder.mkdir(parents=True, exist_ok=True)
        task: dict[str, Any] = {**BASE, "id": task_id}
        (folder / f"{task_id}.json").write_text(json.dumps(task))
    (root / "test_small.json").write_text(json.dumps({"os": ["t2"], "multi_apps": ["t3"]}))
    (root / "test_all.json").write_text(json.dumps({"os": ["t1", "t2"], "chrome": ["gone"]}))
    return root


def test_a_task_list_names_the_tasks_to_play(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = evaluation_examples(tmp_path)
    tasks, errors = scan_folder(root / "test_small.json")
    assert [t.name for t in tasks] == ["osworld-json.t2", "osworld-json.t3"] and errors == []
    tasks, errors = scan_folder(root / "test_all.json")
    assert [t.name for t in tasks] == ["osworld-json.t1", "osworld-json.t2"]
    (missing,) = errors  # a listed id without its file: left out, naming where it was looked for
    assert str(root / "examples" / "chrome" / "gone.json") in str(missing)
    assert "does not exist" in str(missing)
    assert scanner([str(root / "test_all.json")]) == 0
    assert "2 playable, 1 left out" in capsys.readouterr().out


def test_the_suite_plays_a_list_and_a_folder_passes_lists_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = evaluation_examples(tmp_path)
    monkeypatch.setenv(FOLDER_ENV, str(root / "test_small.json"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing is left out
        specs = suite_tasks()
    assert [s.name for s in specs] == ["osworld-json.t2", "osworld-json.t3"]
    assert specs[0].make().name == "osworld-json.t2"
    # The whole folder: its three tasks; the two lists are not tasks that failed to load.
    assert [t.name for t in load_folder(root)] == ["osworld-json.t1", "osworld-json.t2", "osworld-json.t3"]


def test_a_file_that_is_no_task_list_is_refused_with_what_one_looks_like(tmp_path: Path) -> None:
    stray = tmp_path / "settings.json"
    stray.write_text(json.dumps({"email": "someone@example.test"}))
    with pytest.raises(OSWorldTaskError, match=r"nor OSWorld's task list .*Fix: name the folder"):
        scan_folder(stray)
