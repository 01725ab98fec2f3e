"""Runner for the ``miniwob`` package's own Selenium environment (run with its virtualenv).

Needs ``MINIWOB_CHROME_BINARY`` and ``MINIWOB_CHROMEDRIVER`` (the bench sets them to Debian's
Chromium and chromedriver); without them Selenium would try to download a driver.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from typing import Any

from _common import run


class MiniWoBDriver:
    """``gymnasium.make("miniwob/<task>-v1")``: one Chrome per env, episodes restart in the same page."""

    name = "miniwob"

    def __init__(self, variant: str) -> None:
        import gymnasium as gym
        import miniwob  # noqa: F401  (registers miniwob/* ids)
        import numpy as np
        from miniwob.action import ActionTypes

        self.variant = variant
        self._gym, self._np, self._move = gym, np, ActionTypes.MOVE_COORDS

    def open(self, task: str) -> Any:
        return self._gym.make(f"miniwob/{task}-v1", disable_env_checker=True)

    def reset(self, env: Any, seed: int) -> None:
        env.reset(seed=seed)

    def step(self, env: Any) -> tuple[dict[str, float], str]:
        # The nearest thing to BrowserGym's and Palaestra's mouse_move(5, 5).
        action = env.unwrapped.create_action(self._move, coords=self._np.array([5.0, 5.0]))
        env.step(action)
        return {}, ""

    def close(self, env: Any) -> None:
        env.close()

    def describe(self) -> dict[str, Any]:
        return {
            "python": sys.version.split()[0],
            "miniwob": metadata.version("miniwob"),
            "selenium": metadata.version("selenium"),
            "chrome_binary": os.environ.get("MINIWOB_CHROME_BINARY"),
            "chromedriver": os.environ.get("MINIWOB_CHROMEDRIVER"),
            "action": "MOVE_COORDS at (5, 5)",
            "observation": "utterance, DOM element list, screenshot, fields",
        }


if __name__ == "__main__":
    run(MiniWoBDriver)
