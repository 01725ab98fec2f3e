"""`palaestra eval --config RUN --out NEW`: a run played again from its folder alone, on real
Chromium, gives the same episodes; what the record cannot give back is refused by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.config import ConfigError
from palaestra.runs.compare import compare_runs
from palaestra.runs.results import load_rows
from palaestra.runs.spec import load_run_file

from .conftest import default_record

MakeRun = Callable[..., Path]


def _episodes(run: Path) -> list[tuple[object, ...]]:
    keys = ("agent", "agent_name", "agent_hash", "task", "seed", "outcome", "steps", "reward")
    return [tuple(row[k] for k in keys) for row in load_rows(run)]


def test_a_run_is_played_again_from_its_folder_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    made, elsewhere = tmp_path / "paper", tmp_path / "reviewer"
    made.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(made)
    argv = ["eval", "--agent", "random", "--agent-arg", "seed=7", "--agent", "oracle"]
    argv += [
        "--tasks",
        "click-test,enter-text",
        "--seeds",
        "0-1",
        "--max-steps",
        "4",
        "--out",
        "results/first",
    ]
    assert main([*argv, "--workers", "2"]) == 0
    first = made / "results" / "first"
    monkeypatch.chdir(elsewhere)  # the reviewer's folder: only the run folder is given
    assert main(["eval", "--config", str(first), "--out", "again"]) == 0
    again = elsewhere / "again"
    assert _episodes(again) == _episodes(first) and len(_episodes(first)) == 8
    recorded = load_run_file(first)  # the tasks played, by full name: a glob could match others elsewhere
    assert recorded["tasks"] == ["miniwob.click-test", "miniwob.enter-text"] and recorded["seeds"] == [0, 1]
    assert recorded["max_steps"] == 4 and recorded["agents"][0] == {"name": "random", "args": {"seed": "7"},
                                                                     "label": "random"}  # fmt: skip
    notes = compare_runs([first, again]).notes
    assert notes[-1] == "Episodes: [2] ended every episode it shares with [1] as [1] did (8)."
    capsys.readouterr()


def test_what_the_record_cannot_give_back_is_refused_by_name(make_run: MakeRun) -> None:
    record = default_record([0])
    record["config"] = {"settings": {"max_steps": 30}, "agents": [
        {"name": "generic", "label": "g", "args": [["api_key", "[redacted]"], ["model", "m"]]}]}  # fmt: skip
    run = make_run({"t": "1/1"}, name="secret", record=record)
    with pytest.raises(ConfigError, match=r"`g` with api_key redacted .* --agent-arg"):
        load_run_file(run)
    bare = make_run({"t": "1/1"}, name="bare", record={"argv": ["palaestra"]})
    with pytest.raises(ConfigError, match="holds no recorded configuration"):
        load_run_file(bare)
