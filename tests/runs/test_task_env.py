"""The variables that change what a run's tasks are (`PALAESTRA_WEBARENA_SITES`, `PALAESTRA_SUITES`,
...) are kept in its record by name and value, secrets redacted; `palaestra compare` names a
difference, and `palaestra eval --config RUN` says which differ here and how to set them.

Before, a run's record kept its flags but not these, so two runs of one command on differently set
machines compared as if they had played the same tasks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import palaestra
from palaestra.cli import main
from palaestra.runs.provenance import played_records, provenance_notes
from palaestra.runs.task_env import INFRASTRUCTURE_ENV, TASK_ENV

SITES = json.dumps({"gitlab": "http://user:hunter2@127.0.0.1:9/"})


def test_every_variable_tasks_read_is_classified() -> None:
    """A new variable read by tasks or environments must be put in `TASK_ENV` (recorded) or
    `INFRASTRUCTURE_ENV` (not), so none is left out of the record by oversight."""
    root = Path(palaestra.__file__).parent
    read: set[str] = set()
    for folder in ("tasks", "envs", "omniact", "sites"):
        for source in (root / folder).rglob("*.py"):
            read.update(re.findall(r"PALAESTRA_[A-Z0-9_]+", source.read_text(encoding="utf-8")))
    unclassified = sorted(
        name
        for name in read
        if name not in TASK_ENV and not any(name.startswith(i) for i in INFRASTRUCTURE_ENV)
    )
    assert "PALAESTRA_OMNIACT_ELEMENTS" in read and "PALAESTRA_SUITES" in TASK_ENV
    assert unclassified == []


def _run(out: Path) -> None:
    argv = ["eval", "--agent", "random", "--tasks", "click-test", "--seeds", "0", "--max-steps", "1",
            "--workers", "1", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0


def test_the_record_keeps_them_compare_names_them_and_a_rerun_says_how_to_set_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PALAESTRA_WEBARENA_SITES", SITES)
    monkeypatch.setenv("PALAESTRA_OMNIACT_ELEMENTS", "all")
    monkeypatch.setenv("PALAESTRA_DESKTOP_USER", "someone")  # not one that shapes tasks
    set_there, unset_here = tmp_path / "set", tmp_path / "unset"
    _run(set_there)
    monkeypatch.delenv("PALAESTRA_WEBARENA_SITES")
    _run(unset_here)
    redacted_sites = json.dumps({"gitlab": "http://user:[redacted]@127.0.0.1:9/"})
    (record,) = played_records(set_there)
    assert record["task_env"] == {
        "PALAESTRA_WEBARENA_SITES": redacted_sites,
        "PALAESTRA_OMNIACT_ELEMENTS": "all",
    }
    assert "hunter2" not in (set_there / "results.sqlite").read_bytes().decode("utf-8", "replace")
    notes = provenance_notes([set_there, unset_here])
    assert f"variable PALAESTRA_WEBARENA_SITES ([1] {redacted_sites}, [2] not set)" in "\n".join(notes)
    assert not any(
        "OMNIACT_ELEMENTS" in note or "DESKTOP_USER" in note for note in notes
    )  # equal, or not ours
    capsys.readouterr()
    assert main(["eval", "--config", str(set_there), "--dry-run"]) == 0
    said = capsys.readouterr().err
    assert f"was played with PALAESTRA_WEBARENA_SITES='{redacted_sites}'; here: not set." in said
    assert f"PALAESTRA_WEBARENA_SITES='{redacted_sites}' palaestra eval --config {set_there}" in said
    assert "OMNIACT_ELEMENTS" not in said  # the same here as recorded
