"""Runner for BrowserGym 0.14.3's MiniWoB++ environments (run with the BrowserGym virtualenv).

Variants:

* ``default``: BrowserGym exactly as shipped.
* ``nosleep``: BrowserGym with its fixed waits removed, to compare against its real work:
  every ``time.sleep`` made by ``browsergym.core.env`` (the ``pre_observation_delay`` of 0.5 s
  after each action, and the 0.5 s back-off between observation-extraction retries), every
  ``Page.wait_for_timeout`` (used by its ``noop`` action and its demo-mode animations; none runs
  on the measured path, the count in the result proves it), and Playwright's ``slow_mo`` of
  100 ms, which the MiniWoB++ tasks set and which Playwright sleeps after each input action and
  navigation (``mouse.move``, ``goto``).
"""

from __future__ import annotations

import os
import sys
import time
import types
from importlib import metadata
from pathlib import Path
from typing import Any

from _common import run

ACTION = "mouse_move(5, 5)"
#: BrowserGym's default action set has no coordinate actions; add them so ``mouse_move`` exists.
ACTION_SUBSETS = ["chat", "infeas", "bid", "coord", "nav", "tab"]


class SkippedWaits:
    """Counts (and in the no-sleep variant skips) the fixed waits BrowserGym makes."""

    def __init__(self, skip: bool) -> None:
        self.skip = skip
        self.sleeps = 0
        self.sleep_s = 0.0
        self.wait_for_timeouts = 0
        self.wait_for_timeout_s = 0.0

    def install(self) -> None:
        """Patch the ``time`` module seen by ``browsergym.core.env`` and ``Page.wait_for_timeout``."""
        import browsergym.core.env as bg_env
        import playwright.sync_api

        waits = self

        def sleep(seconds: float) -> None:
            waits.sleeps += 1
            waits.sleep_s += seconds
            if not waits.skip:
                time.sleep(seconds)

        # Only the module's own name ``time`` is replaced: ``time.time`` and the rest still work,
        # and nothing outside browsergym.core.env loses its sleeps.
        bg_env.time = types.SimpleNamespace(**{**vars(time), "sleep": sleep})

        original = playwright.sync_api.Page.wait_for_timeout

        def wait_for_timeout(page: Any, timeout: float) -> None:
            waits.wait_for_timeouts += 1
            waits.wait_for_timeout_s += timeout / 1000
            if not waits.skip:
                original(page, timeout)

        playwright.sync_api.Page.wait_for_timeout = wait_for_timeout  # type: ignore[method-assign,assignment]


class BrowserGymDriver:
    """``gymnasium.make("browsergym/miniwob.<task>")`` with coordinate actions enabled."""

    name = "browsergym"

    def __init__(self, variant: str) -> None:
        if variant not in ("default", "nosleep"):
            raise ValueError(f"unknown variant {variant!r}; use 'default' or 'nosleep'")
        import miniwob

        # BrowserGym loads the task pages from MINIWOB_URL (with a trailing slash).
        os.environ.setdefault(
            "MINIWOB_URL", (Path(miniwob.__file__).parent / "html" / "miniwob").as_uri() + "/"
        )
        import browsergym.miniwob  # noqa: F401  (registers browsergym/miniwob.* ids)
        import gymnasium as gym
        from browsergym.core.action.highlevel import HighLevelActionSet

        self.variant = variant
        self._gym = gym
        self._action_set = HighLevelActionSet(subsets=ACTION_SUBSETS)
        self.waits = SkippedWaits(skip=variant == "nosleep")
        self.waits.install()

    def open(self, task: str) -> Any:
        kwargs: dict[str, Any] = {"action_mapping": self._action_set.to_python_code}
        if self.variant == "nosleep":
            kwargs["slow_mo"] = 0
        return self._gym.make(f"browsergym/miniwob.{task}", disable_env_checker=True, **kwargs)

    def reset(self, env: Any, seed: int) -> None:
        env.reset(seed=seed)

    def step(self, env: Any) -> tuple[dict[str, float], str]:
        obs, _reward, _terminated, _truncated, info = env.step(ACTION)
        return _phases(info), str(obs.get("last_action_error") or "")

    def close(self, env: Any) -> None:
        env.close()

    def describe(self) -> dict[str, Any]:
        return {
            "python": sys.version.split()[0],
            "browsergym_core": metadata.version("browsergym-core"),
            "browsergym_miniwob": metadata.version("browsergym-miniwob"),
            "playwright": metadata.version("playwright"),
            "miniwob": metadata.version("miniwob"),
            "miniwob_url": os.environ.get("MINIWOB_URL"),
            "playwright_browsers_path": os.environ.get("PLAYWRIGHT_BROWSERS_PATH"),
            "action": ACTION,
            "action_subsets": ACTION_SUBSETS,
            "slow_mo_ms": 0 if self.variant == "nosleep" else "task default (100 for MiniWoB++)",
            "time_sleep_calls": self.waits.sleeps,
            "time_sleep_s": self.waits.sleep_s,
            "wait_for_timeout_calls": self.waits.wait_for_timeouts,
            "wait_for_timeout_s": self.waits.wait_for_timeout_s,
            "waits_skipped": self.waits.skip,
        }


def _phases(info: dict[str, Any]) -> dict[str, float]:
    """Split a step by the timestamps BrowserGym puts in ``info`` (action, waits, validation, obs)."""
    spans = {
        "action": ("action_exec_start", "action_exec_stop"),
        "wait": ("wait_for_page_loading_start", "wait_for_page_loading_stop"),
        "validate": ("validation_start", "validation_stop"),
        "observe": ("get_observation_start", "get_observation_stop"),
    }
    return {
        name: info[end] - info[start] for name, (start, end) in spans.items() if start in info and end in info
    }


if __name__ == "__main__":
    run(BrowserGymDriver)
