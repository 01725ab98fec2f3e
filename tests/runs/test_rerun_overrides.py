"""`palaestra eval --config RUN --override-arg LABEL.KEY=VALUE` changes one argument of one recorded
agent and keeps the others as recorded; a wrong label or key is refused with the closest names.

Before, any `--agent` replaced every recorded agent, so changing one setting of one agent on a rerun
meant spelling all of them again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from palaestra.cli import main
from palaestra.config import ConfigError
from palaestra.errors import UnknownNameError
from palaestra.runs.agent_overrides import parse_overrides
from palaestra.runs.results import load_rows
from palaestra.runs.spec import load_run_file

from .conftest import default_record

MakeRun = Callable[..., Path]


def _two_randoms_and_a_keyed_agent(make_run: MakeRun) -> Path:
    record = default_record([0])
    record["config"] = {"settings": {"max_steps": 30}, "agents": [
        {"name": "random", "label": "random-7", "args": [["seed", "7"]]},
        {"name": "random", "label": "random-9", "args": [["seed", "9"]]},
        {"name": "generic", "label": "g", "args": [["api_key", "[redacted]"], ["model", "m"]]},
    ]}  # fmt: skip
    return make_run({"t": "1/1"}, name="recorded", record=record)


def test_an_override_changes_one_argument_of_one_recorded_agent(make_run: MakeRun) -> None:
    run = _two_randoms_and_a_keyed_agent(make_run)
    values = load_run_file(run, parse_overrides(["random-9.seed=3", "g.api_key=sk-given-again"]))
    assert values["agents"] == [
        {"name": "random", "args": {"seed": "7"}, "label": "random-7"},
        {"name": "random", "args": {"seed": "3"}, "label": "random-9"},
        {"name": "generic", "args": {"api_key": "sk-given-again", "model": "m"}, "label": "g"},
    ]
    with pytest.raises(ConfigError, match=r"--override-arg g\.api_key=VALUE"):  # the secret, not given
        load_run_file(run, parse_overrides(["random-9.seed=3"]))


def test_a_wrong_label_or_key_is_refused_with_the_closest_names(make_run: MakeRun) -> None:
    run = _two_randoms_and_a_keyed_agent(make_run)
    closest = r"Unknown agent `random-8`\. Did you mean: `random-9`, `random-7`\?.*`g`"
    with pytest.raises(UnknownNameError, match=closest):
        load_run_file(run, parse_overrides(["random-8.seed=3", "g.api_key=k"]))
    with pytest.raises(
        ConfigError, match=r"agent `random` .* takes no argument `sed`\. Did you mean: `seed`\?"
    ):
        load_run_file(run, parse_overrides(["random-9.sed=3", "g.api_key=k"]))
    with pytest.raises(UnknownNameError, match="Several agents are `random`: name one by its label"):
        load_run_file(run, parse_overrides(["random.seed=3", "g.api_key=k"]))
    with pytest.raises(ConfigError, match=r"is not LABEL\.KEY=VALUE"):
        parse_overrides(["seed=3"])


def test_a_recorded_run_plays_again_with_one_agent_changed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, again = tmp_path / "first", tmp_path / "again"
    argv = ["eval", "--agent", "random", "--agent-arg", "seed=7", "--agent", "oracle",
            "--tasks", "click-test", "--seeds", "0", "--max-steps", "2", "--workers", "1",
            "--out", str(first)]  # fmt: skip
    assert main(argv) == 0
    rerun = ["eval", "--config", str(first), "--override-arg", "random.seed=3", "--workers", "1"]
    assert main([*rerun, "--out", str(again)]) == 0
    assert load_run_file(again)["agents"] == [
        {"name": "random", "args": {"seed": "3"}, "label": "random"},
        {"name": "oracle", "args": {}, "label": "oracle"},
    ]
    hashes = {run: {row["agent"]: row["agent_hash"] for row in load_rows(run)} for run in (first, again)}
    assert hashes[first]["oracle"] == hashes[again]["oracle"]
    assert hashes[first]["random"] != hashes[again]["random"]
    capsys.readouterr()
    assert main([*rerun, "--agent", "random", "--out", str(tmp_path / "x")]) == 2
    assert "--agent replaces them all" in capsys.readouterr().err
    assert main(["eval", "--agent", "random", "--override-arg", "random.seed=3", "--dry-run"]) == 2
    assert "changes an agent of --config" in capsys.readouterr().err
