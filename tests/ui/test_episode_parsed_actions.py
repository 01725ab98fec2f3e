"""The episode viewer's "Parsed" reads a browser step's action with its task's own action set, as the
environment did. It used every browser action: a `goto` a MiniWoB++ agent wrote showed as parsed,
beside the environment's error refusing it, and a bad action's "Available:" listed `goto`, `new_tab`
or `call_api`, which the agent had never been offered."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.ui.episode_view import episode_detail

from ..runs.conftest import build_run

GOTO = "goto('http://127.0.0.1:9/')"
CALL_API = "call_api('calculator', {'expression': '1+1'})"


def _parsed(run: Path, key: str, action: str) -> dict[str, object]:
    with sqlite3.connect(run / "results.sqlite") as db:
        db.execute("UPDATE steps SET action = ? WHERE episode = ? AND idx = 0", (action, key))
    return dict(episode_detail(run, key)["steps"][0]["parsed"])


def test_a_miniwob_step_is_parsed_with_miniwobs_actions_as_the_environment_refused_it(
    tmp_path: Path, make_env: Callable[..., BrowserEnv]
) -> None:
    env = make_env("miniwob.click-test", obs_config=ObsConfig(screenshot=False))
    env.reset(seed=0)
    obs, *_ = env.step(GOTO)
    refused = obs["last_action_error"]
    assert "`goto` is not an action of this task" in refused

    run = build_run(tmp_path / "run", {"miniwob.click-test": [False], "tools.calculate": [False]})
    parsed = _parsed(run, "agent|miniwob.click-test|0", GOTO)
    assert parsed["calls"] == [] and parsed["error"] == refused
    unknown = str(_parsed(run, "agent|miniwob.click-test|0", "type_into('17', 'x')")["error"])
    assert "Available:" in unknown and "new_tab" not in unknown and "call_api" not in unknown
    # A task with tools parses their calls; one whose factory is not a class keeps every action.
    assert _parsed(run, "agent|tools.calculate|0", CALL_API)["error"] == ""
