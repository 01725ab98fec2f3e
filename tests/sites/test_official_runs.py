"""Runs over WebArena's official tasks, end to end (real workers, Chromium, the stand-in sites and
SQLite): each episode's verdict keeps why it failed, and `palaestra show` says it beside the episode."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.runs.results import load_rows

HERE = Path(__file__).parent


def test_show_says_why_each_official_episode_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(HERE))
    monkeypatch.delenv("PALAESTRA_WEBARENA_SITES", raising=False)
    run = tmp_path / "run"
    argv = ["eval", "--agent", "webarena_agents:TodosAgent", "--suite", "webarena-verified", "--tasks",
            "44,585", "--workers", "1", "--max-steps", "4", "--no-screenshots",
            "--out", str(run)]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    rows = {row["task"]: row for row in load_rows(run)}
    todos, review = rows["webarena-verified.44"], rows["webarena-verified.585"]
    assert todos["status"] == review["status"] == "done" and not todos["success"]
    verdict = json.loads(todos["extra"])["verdict"]
    assert verdict["details"]["paper"]["url_match"] == 1.0  # PR #77's substring test: todos2 passes
    assert verdict["details"]["corrected"]["url_match"] == 0.0 and verdict["verified"]["status"] == "failure"
    lines = out.splitlines()
    said = lines[next(i for i, line in enumerate(lines) if "webarena-verified.44 seed 0" in line) + 1]
    assert "corrected: url_match 0" in said and "verified: failure" in said and "paper:" not in said
    said = lines[next(i for i, line in enumerate(lines) if "webarena-verified.585 seed 0" in line) + 1]
    assert "paper not judged:" in said and "stand-in shop (django-oscar)" in said
    assert (
        "2 of 2 judged episodes ran on Palaestra's stand-ins for gitlab, shopping: they check the harness"
        in out
    )
    assert main(["show", str(run), "--by", "site"]) == 0
    table = {line.split()[1]: line.split()[2:] for line in capsys.readouterr().out.splitlines()[3:5]}
    # tasks, episodes, success ± s.e., errors, then the paper / corrected / verified means
    assert table["gitlab"] == ["1", "1", "0.00", "±", "0.00", "0", "1.00", "0.00", "0.00"]
    assert table["shopping"][:6] == ["1", "1", "0.00", "±", "0.00", "0"] and table["shopping"][6:8] == [
        "-",
        "-",
    ]


def test_show_gives_an_errored_episodes_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from ..runs.conftest import build_run

    run = build_run(tmp_path / "run", {"webarena.44": ["browser_crashed", True]})
    assert main(["show", str(run)]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  browser_crashed agent webarena.44"))
    assert lines[at + 1].strip() == "browser_crashed: the browser went away"
    assert not any("Traceback" in line for line in lines)
