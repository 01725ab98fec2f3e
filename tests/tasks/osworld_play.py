"""The check every bundled OSWorld-format task's episode test makes, in one place: an agent that
says done at once scores 0 (and ends the episode), and the task's oracle, played through the real
UI from a fresh reset, scores 1 with no action errors."""

from __future__ import annotations

from typing import Any

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import OSWorldTask
from palaestra.tasks.desktop.osworld.oracles import ORACLES

#: The oracles' step budget. They wait a step at a time on what the screen shows (a dialog, a
#: field's value, a window's reload) and try a part again when a loaded machine lost its keys:
#: VS Code's folder oracle takes 13-16 steps at load 4 on 2 cores, more when a part is retried.
#: An oracle that is right ends the episode long before; one that is stuck raises on its own.
MAX_STEPS = 40


def done_fails_and_the_oracle_solves(
    env: DesktopEnv, task: OSWorldTask, max_steps: int = MAX_STEPS
) -> dict[str, Any]:
    """Play ``task`` both ways on ``env`` (its shared session); the oracle's last ``info``."""
    env.task = task
    env.reset(seed=0)
    _obs, reward, terminated, _truncated, info = env.step("done()")
    assert reward == 0.0 and terminated and not info["success"], info["task_info"]
    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES[task.spec.id], obs, max_steps=max_steps)
    assert errors == []
    assert reward == 1.0 and info["success"], (info["task_info"], obs["focused_window"])
    return dict(info)
