"""OSWorld's ``DesktopEnv`` calling convention over Palaestra's desktop, for OSWorld's own run loop.

OSWorld's ``lib_run_single.run_single_example`` drives one environment through many tasks:
``env.reset(task_config=example)`` with a task file's JSON object, ``env._get_obs()``,
``obs, reward, done, info = env.step(action, pause)`` (four values, ``done`` on ``DONE``/``FAIL``),
``env.evaluate()`` for the score once the agent stopped, and ``env.controller.start_recording()`` /
``end_recording(path)`` around it. `OSWorldDesktopEnv` answers those calls, so that loop and the
agents it drives run with only the constructor changed; everything under it is `DesktopEnv` and
`OSWorldObservation`'s conversion (OSWorld's observation dict).

What differs, and why: a step's ``pause`` is not slept (the environment observes once the screen
stopped changing, `DesktopEnv`'s ``settle``); ``reward`` is our verdict of the step where OSWorld's
step always says 0 (``evaluate()`` is the score either way); a task judged after every step ends
(``done``) as soon as it is solved, where OSWorld's goes on until the agent says ``DONE``; there
is no screen recording (the runner's screenshots are the record; `end_recording` writes nothing and
warns once). ``computer_13`` actions may be dicts, as OSWorld's agents give them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from palaestra.envs import loop as loop_mod
from palaestra.envs.desktop.env import DesktopEnv
from palaestra.envs.desktop.osworld_compat import OSWorldObs, osworld_observation
from palaestra.envs.obs import Observation
from palaestra.errors import ConfigError, EnvStateError

#: OSWorld's ``DesktopEnv`` screen (its default), here too unless ``screen_size`` says otherwise.
OSWORLD_SCREEN = (1920, 1080)


class NoRecording:
    """``env.controller``: OSWorld's loop starts and ends a screen recording through it; none here."""

    def __init__(self) -> None:
        self._warned = False

    def start_recording(self) -> None:
        """Nothing to start: the runner's screenshots are the record."""

    def end_recording(self, dest: str | Path) -> None:
        if not self._warned:
            self._warned = True
            warnings.warn(
                f"OSWorldDesktopEnv records no screen video; {dest} is not written (each step's "
                "observation holds its screenshot).",
                stacklevel=2,
            )


class OSWorldDesktopEnv:
    """OSWorld's ``DesktopEnv`` methods over a `DesktopEnv` (see the module doc).

    ``action_space`` (``pyautogui``, or ``computer_13``), ``screen_size``, ``require_a11y_tree`` and
    ``require_terminal`` are OSWorld's arguments of the same names; ``cache_dir`` is OSWorld's file
    cache folder (else ``$PALAESTRA_OSWORLD_CACHE``; see docs/osworld.md) and ``task_root`` the folder
    a task's local files are read from (default: the working folder). Other keywords go to
    `DesktopEnv` (``max_steps``, ``memory_limit_mb``...).
    """

    def __init__(
        self,
        *,
        action_space: str = "pyautogui",
        screen_size: tuple[int, int] = OSWORLD_SCREEN,
        require_a11y_tree: bool = True,
        require_terminal: bool = False,
        cache_dir: str | Path | None = None,
        task_root: str | Path | None = None,
        **desktop_kwargs: Any,
    ) -> None:
        if action_space not in ("pyautogui", "computer_13"):
            raise ConfigError(
                f"action_space must be 'pyautogui' or 'computer_13' (OSWorld's two), got {action_space!r}."
            )
        self.action_space = action_space
        self.screen_size = screen_size
        self.require_a11y_tree, self.require_terminal = require_a11y_tree, require_terminal
        self.cache_dir = cache_dir
        self.task_root = Path(task_root) if task_root is not None else Path.cwd()
        self.controller = NoRecording()
        self._kwargs = desktop_kwargs
        self._env: DesktopEnv | None = None
        self._obs: OSWorldObs | None = None
        self._reward = 0.0
        self._ended = False

    @property
    def desktop_env(self) -> DesktopEnv:
        """The `DesktopEnv` underneath, once a task was given."""
        if self._env is None:
            raise EnvStateError("OSWorldDesktopEnv has no task yet: call reset(task_config=...) first.")
        return self._env

    def reset(
        self, task_config: dict[str, Any] | None = None, seed: int | None = None, options: Any = None
    ) -> OSWorldObs:
        """Start the task of ``task_config`` (a task file's JSON object), or the last one again."""
        if task_config is not None:
            task = self._task(task_config)
            if self._env is None:
                self._env = DesktopEnv(
                    task, action_set=self.action_space, screen_size=self.screen_size, **self._kwargs
                )
            else:  # the same display and session, the next task (as OSWorld reverts its one VM)
                self._env.task = task
        elif self._env is None:
            raise EnvStateError(
                "OSWorldDesktopEnv.reset needs a task_config the first time (a task file's JSON)."
            )
        obs, _ = self.desktop_env.reset(seed=seed)
        self._reward, self._ended = 0.0, False
        return self._convert(obs)

    def step(self, action: Any, pause: float = 2) -> tuple[OSWorldObs, float, bool, dict[str, Any]]:
        """One action (PyAutoGUI code, a computer_13 dict or its JSON, ``WAIT``/``DONE``/``FAIL``):
        OSWorld's four values. ``pause`` is accepted and not slept (see the module doc)."""
        text = json.dumps(action) if isinstance(action, dict) else str(action)
        obs, reward, terminated, truncated, info = self.desktop_env.step(text)
        self._reward, self._ended = float(reward), terminated or truncated
        return self._convert(obs), float(reward), self._ended, {"done": self._ended, **info}

    def evaluate(self) -> float:
        """The task's score now, as OSWorld's ``evaluate()``: the verdict the episode ended with;
        for a task judged at the end whose episode is still going, its postconfig and check run now
        and end it; for one judged after every step, its last step's verdict."""
        if not self._ended:
            judged = loop_mod.run_sync(self.desktop_env.aearly_stop("evaluate() called"))
            if judged is not None:
                self._reward, self._ended = float(judged[1]), True
        return self._reward

    def _get_obs(self) -> OSWorldObs:
        """The last observation (OSWorld's loop reads it after ``reset``)."""
        if self._obs is None:
            raise EnvStateError(
                "OSWorldDesktopEnv has no observation yet: call reset(task_config=...) first."
            )
        return self._obs

    def close(self) -> None:
        if self._env is not None:
            self._env.close()

    def _task(self, config: dict[str, Any]) -> Any:
        from palaestra.tasks.desktop.osworld.cache import cache_folder
        from palaestra.tasks.desktop.osworld.task import OSWorldTask, parse_task

        where = self.task_root / f"{config.get('id', 'task')}.json"  # names the task in errors
        return OSWorldTask(parse_task(config, where, self.task_root, cache_folder(self.cache_dir)))

    def _convert(self, obs: Observation) -> OSWorldObs:
        self._obs = osworld_observation(self.desktop_env, obs, self.require_a11y_tree, self.require_terminal)
        return self._obs
