"""Playwright traces through the Gymnasium API: the asked-for episode records one and only it; one
its caller never finished is written when the next reset or `close` ends it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

from palaestra.envs import BrowserEnv


def titles(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as trace:
        events = [json.loads(line) for line in trace.read("trace.trace").decode().splitlines()]
    return [e.get("title", "") for e in events if e["type"] == "context-options"]


def test_an_unfinished_trace_is_written_when_its_episode_is_ended_by_a_reset_or_close(
    make_env: Callable[..., BrowserEnv], tmp_path: Path
) -> None:
    env = make_env("miniwob.click-test")
    env.trace_next_episode(tmp_path / "first" / "trace.zip")
    env.reset(seed=0)
    env.step("noop(0)")
    env.reset(seed=1)  # ends the traced episode; this one records nothing
    env.step("noop(0)")
    env.trace_next_episode(tmp_path / "third.zip")
    env.reset(seed=2)
    env.close()
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.zip")) == [
        "first/trace.zip",
        "third.zip",
    ]
    assert titles(tmp_path / "first" / "trace.zip") == ["miniwob.click-test seed 0"]
    assert titles(tmp_path / "third.zip") == ["miniwob.click-test seed 2"]
