"""Runner for Palaestra's own ``BrowserEnv`` (run with the project's virtualenv)."""

from __future__ import annotations

import sys
from importlib import metadata
from typing import Any

from _common import run

ACTION = "mouse_move(5, 5)"


class PalaestraDriver:
    """Sync Gymnasium API, full observation (AXTree, DOM, elements, screenshot), defaults; the
    ``som`` variant adds the set-of-marks screenshot, to measure what it costs per step."""

    name = "palaestra"

    def __init__(self, variant: str) -> None:
        import palaestra  # noqa: F401  (registers the tasks)
        from palaestra.envs import BrowserEnv, ObsConfig

        if variant not in ("default", "som"):
            raise ValueError(f"unknown variant {variant!r}; use 'default' or 'som'")
        self._env_class = BrowserEnv
        self._obs_config = ObsConfig(som=variant == "som")
        self.variant = variant

    def open(self, task: str) -> Any:
        return self._env_class(f"miniwob.{task}", obs_config=self._obs_config)

    def reset(self, env: Any, seed: int) -> dict[str, float]:
        env.reset(seed=seed)
        return dict(getattr(env, "timings", None) or {})

    def step(self, env: Any) -> tuple[dict[str, float], str]:
        obs, _reward, _terminated, _truncated, info = env.step(ACTION)
        error = info.get("error")
        if error:  # an infrastructure failure (browser crash, step timeout)
            return {}, f"{error.get('kind')}: {error.get('message')}"
        # Per-phase times moved from ``info["timings"]`` to ``env.timings``; read either.
        timings = getattr(env, "timings", None) or info.get("timings") or {}
        return dict(timings), str(obs.get("last_action_error") or "")

    def close(self, env: Any) -> None:
        env.close()

    def describe(self) -> dict[str, Any]:
        from palaestra.envs import find_chromium

        return {
            "python": sys.version.split()[0],
            "playwright": metadata.version("playwright"),
            "miniwob": metadata.version("miniwob"),
            "chromium": find_chromium(None),
            "action": ACTION,
            "observation": "defaults (AXTree, DOM, elements, screenshot)"
            + (" and the set-of-marks screenshot" if self.variant == "som" else ""),
        }


if __name__ == "__main__":
    run(PalaestraDriver)
