"""The record's digest of task definitions: your own WebArena-format files, read through
`PALAESTRA_WEBARENA_TASKS`, change it when edited and keep it when only moved; `compare` names it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from palaestra.runs.compare import compare_runs
from palaestra.runs.repro import reproducibility_record
from palaestra.runs.spec import AgentEntry, RunConfig, RunSettings
from palaestra.tasks import registry
from palaestra.tasks.webarena.official import webarena_json_tasks
from palaestra.tasks.webarena.own_tasks import TASKS_ENV

from ..tasks.test_webarena_own_tasks import own_task, write
from .conftest import default_record

MakeRun = Callable[..., Path]


def _definitions(folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv(TASKS_ENV, str(folder))
    for spec in webarena_json_tasks():
        monkeypatch.setitem(registry._registry, spec.name, spec)
    settings = RunSettings(suite="webarena-json", tasks=("9001",), seeds="0")
    record = reproducibility_record(RunConfig(settings, (AgentEntry("random"),)), argv=["palaestra"])
    return record["task_definitions"]


def test_own_task_files_are_fingerprinted_by_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_run: MakeRun
) -> None:
    first = _definitions(write(tmp_path / "paper", own_task()), monkeypatch)
    assert first["webarena-json"]["tasks"] == 1
    moved = _definitions(write(tmp_path / "elsewhere" / "config_files", own_task()), monkeypatch)
    assert moved == first  # the same file under another path: the same task
    edited = _definitions(
        write(tmp_path / "edited", own_task(intent="What is the page's title?")), monkeypatch
    )
    assert edited != first
    a = make_run(
        {"webarena-json.9001": "1/1"}, name="a", record={**default_record([0]), "task_definitions": first}
    )
    b = make_run(
        {"webarena-json.9001": "1/1"}, name="b", record={**default_record([0]), "task_definitions": edited}
    )
    (note,) = [n for n in compare_runs([a, b]).notes if "task definitions" in n]
    digest = first["webarena-json"]["sha256"][:10]
    assert note.startswith(
        f"Note: the runs differ in task definitions ([1] webarena-json {digest}, [2] webarena-json "
    )
