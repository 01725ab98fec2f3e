"""Every scripted oracle reaches success, through the public action API, on several seeds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from palaestra.envs import BrowserEnv
from palaestra.tasks.miniwob.oracles import ORACLES, run_oracle
from palaestra.tasks.miniwob.scoring import CLOSENESS

SEEDS = (0, 1, 2)


@pytest.mark.parametrize("task", sorted(ORACLES))
def test_oracle_succeeds(task: str, make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env(f"miniwob.{task}")
    for number, seed in enumerate(SEEDS):
        env.expect_seeds(SEEDS[number + 1 :])  # as a run's worker does: no page for an unplayed seed
        result = run_oracle(env, task, seed)
        assert result.success, f"{task} seed {seed}: {result}"
        # Tasks scored by closeness give a right answer less than 1 (see tasks.miniwob.scoring).
        assert result.reward == 1.0 or (task in CLOSENESS and result.reward > 0)
