"""Runner for Palaestra's own ``BrowserEnv`` (run with the project's virtualenv)."""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from _common import run

ACTION = "mouse_move(5, 5)"


class PalaestraDriver:
    """Sync Gymnasium API, full observation (AXTree, DOM, elements, screenshot), defaults; the
    ``som`` variant adds the set-of-marks screenshot, to measure what it costs per step, and the
    ``trace`` variant records each episode's Playwright trace (``palaestra eval --trace on``), to
    measure what that costs per step and how large a trace is."""

    name = "palaestra"

    def __init__(self, variant: str) -> None:
        import palaestra  # noqa: F401  (registers the tasks)
        from palaestra.envs import BrowserEnv, ObsConfig

        if variant not in ("default", "som", "trace"):
            raise ValueError(f"unknown variant {variant!r}; use 'default', 'som' or 'trace'")
        self._env_class = BrowserEnv
        self._obs_config = ObsConfig(som=variant == "som")
        self.variant = variant
        self._traces = Path(tempfile.mkdtemp(prefix="bench-traces-")) if variant == "trace" else None

    def open(self, task: str) -> Any:
        return self._env_class(f"miniwob.{task}", obs_config=self._obs_config)

    def reset(self, env: Any, seed: int) -> dict[str, float]:
        if self._traces is not None:  # written when the episode ends: at the next reset, or closing
            env.trace_next_episode(self._traces / f"{env.task.name}-{seed}.zip")
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

        traces = self._trace_sizes()
        return {
            **traces,
            "python": sys.version.split()[0],
            "playwright": metadata.version("playwright"),
            "miniwob": metadata.version("miniwob"),
            "chromium": find_chromium(None),
            "action": ACTION,
            "observation": "defaults (AXTree, DOM, elements, screenshot)"
            + (" and the set-of-marks screenshot" if self.variant == "som" else ""),
        }

    def _trace_sizes(self) -> dict[str, Any]:
        """The traces' sizes (every environment is closed by now, so every trace is written)."""
        if self._traces is None:
            return {}
        sizes = [p.stat().st_size for p in self._traces.glob("*.zip")]
        shutil.rmtree(self._traces, ignore_errors=True)
        return {
            "traces": len(sizes),
            "trace_median_bytes": statistics.median(sizes) if sizes else None,
            "trace_max_bytes": max(sizes, default=None),
        }


if __name__ == "__main__":
    run(PalaestraDriver)
