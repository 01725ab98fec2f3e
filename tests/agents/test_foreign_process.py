"""A foreign agent's process that refuses its arguments, dies or hangs is a typed error quoting its
stderr, never a crash or a wait without end (`palaestra.agents.foreign.process`)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from palaestra.agents.foreign.process import ForeignAgentError, SideProcess, side_env
from palaestra.errors import ConfigError

DRIVER = """
import json, sys, time
mode = sys.argv[1]
if mode == "config":
    print(json.dumps({"error": "flags='nope' is not a preset: 4o, 4o_mini", "kind": "config"}))
    sys.exit(2)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    if mode == "echo":
        print(json.dumps({"echo": json.loads(line)}), flush=True)
    elif mode == "die":
        sys.stderr.write("Traceback: the agent broke on this observation\\n")
        sys.exit(3)
    else:
        time.sleep(60)
"""


def start(tmp_path: Path, mode: str) -> SideProcess:
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    process = SideProcess(
        "the test agent", [sys.executable, str(script), mode], side_env({"OPENAI_API_KEY": "k"})
    )
    return process


def test_a_driver_answers_each_request_on_its_line(tmp_path: Path) -> None:
    process = start(tmp_path, "echo")
    process.wait_ready(60)
    assert process.ask({"obs": {"goal": "x"}}, 60) == {"echo": {"obs": {"goal": "x"}}}
    process.close()
    assert not process.alive


def test_a_refused_argument_is_a_config_error_naming_the_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a preset: 4o, 4o_mini"):
        start(tmp_path, "config").wait_ready(60)


def test_a_dying_driver_is_a_foreign_agent_error_with_its_stderr(tmp_path: Path) -> None:
    process = start(tmp_path, "die")
    process.wait_ready(60)
    with pytest.raises(
        ForeignAgentError, match=r"(?s)exited \(code 3\).*the agent broke on this observation"
    ):
        process.ask({"obs": {}}, 60)
    process.close()


def test_a_hanging_driver_is_killed_and_says_so(tmp_path: Path) -> None:
    process = start(tmp_path, "hang")
    process.wait_ready(60)
    with pytest.raises(ForeignAgentError, match=r"did not answer within 0\.5 s"):
        process.ask({"obs": {}}, 0.5)
    assert not process.alive
    process.close()
