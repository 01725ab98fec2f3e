"""The evaluation runner on the desktop suite: it builds each task's own environment (DesktopEnv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows


def test_oracle_run_over_three_desktop_apps(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [
        "eval",
        "--agent",
        "oracle",
        "--suite",
        "desktop",
        "--tasks",
        "calc-mean",
        "--tasks",
        "term-mkdir",
        "--tasks",
        "files-rename",
        "--seeds",
        "0",
        "--workers",
        "2",
        "--out",
        "run",
        "--no-screenshots",
    ]
    assert main(argv) == 0
    rows = load_rows(tmp_path / "run")
    assert sorted(r["task"] for r in rows) == [
        "desktop.calc-mean",
        "desktop.files-rename",
        "desktop.term-mkdir",
    ]
    assert all(r["status"] == "done" and r["success"] for r in rows), rows
    # The text beside each step names the focused window; a desktop has no URL.
    first = (tmp_path / "run" / "episodes" / "oracle" / "desktop.calc-mean" / "0" / "obs-000.txt").read_text()
    assert first.splitlines()[1] == "window: galculator" and "\nurl:" not in first
