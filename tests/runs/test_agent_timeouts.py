"""A timeout the agent causes is its failure, recorded as such; only the infrastructure's own
timeouts are errors that a run retries and leaves out of success rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.records import STEP_LIMIT
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings

HERE = Path(__file__).parent


def test_an_agents_slow_actions_are_failed_actions_not_step_timeouts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(HERE))  # `runner_agents` resolves as a user's own agent class
    settings = RunSettings(max_steps=3, step_timeout=2.0, screenshots=False)
    worker = EpisodeWorker(settings, str(tmp_path))
    try:
        spec = EpisodeSpec(AgentEntry("runner_agents:SlowActionsAgent"), "miniwob.click-test", 0)
        out = worker.run(spec)
    finally:
        worker.close()
    assert (out.error_kind, out.outcome, out.success) == ("", STEP_LIMIT, False)
    assert not out.retryable
    errors = [step.error for step in out.steps]
    assert "wait between 0 and 1000 ms" in errors[0]
    assert "outside the viewport" in errors[1]
    assert "was stopped: a step's actions may take 1 s in all" in errors[2]
