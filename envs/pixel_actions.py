"""``ClickGrid``: a numeric action space for pixel policies, over any environment's text actions.

Palaestra's actions are strings, which suit language models; an RL policy over pixels (a CNN on
``screenshot``, as in World of Bits and MiniWoB++'s own Gymnasium environments) outputs numbers.
``ClickGrid`` lays a grid of ``cols`` x ``rows`` cells over the screen and turns the action
``[col, row]`` (a ``MultiDiscrete``) into a click at the centre of that cell, written in the
environment's own action set: ``mouse_click(x, y)`` in a browser, PyAutoGUI's ``click(x, y)`` or
OSWorld's ``computer_13`` JSON on the desktop. Coordinates are the screenshot's pixels, which are
the page's CSS pixels and the desktop's screen pixels. A cell outside the grid is clicked outside
the screen, which the environment answers as ``last_action_error`` like any bad action.
"""

from __future__ import annotations

import json
from typing import Any

import gymnasium as gym
import numpy as np

from palaestra.envs.obs import Observation
from palaestra.errors import ConfigError


class ClickGrid(gym.ActionWrapper[Observation, np.ndarray, str]):
    """Actions ``[col, row]``: a click at the centre of that cell of a ``cols`` x ``rows`` grid
    over the screen (``rows`` defaults to square cells)."""

    def __init__(self, env: gym.Env[Observation, str], cols: int = 50, rows: int | None = None) -> None:
        super().__init__(env)
        spaces = getattr(env.observation_space, "spaces", {})
        if "screenshot" not in spaces:
            raise ConfigError(
                "ClickGrid clicks on the screen, and this environment observes none: leave the "
                "screenshot part on (ObsConfig(screenshot=True), the default)."
            )
        self.height, self.width = spaces["screenshot"].shape[:2]
        if isinstance(cols, bool) or not isinstance(cols, int) or not 1 <= cols <= self.width:
            raise ConfigError(
                f"cols must be a whole number from 1 to the screen's width {self.width}, got {cols!r}."
            )
        self.cols = cols
        self.rows = rows if rows is not None else max(1, round(cols * self.height / self.width))
        if isinstance(self.rows, bool) or not isinstance(self.rows, int) or not 1 <= self.rows <= self.height:
            raise ConfigError(
                f"rows must be a whole number from 1 to the screen's height {self.height}, got {rows!r}."
            )
        self.action_space = gym.spaces.MultiDiscrete([self.cols, self.rows])
        self._click = click_writer(env.unwrapped)

    def action(self, action: Any) -> str:
        col, row = (int(v) for v in np.asarray(action).reshape(2))
        return self._click(*self.centre(col, row))

    def centre(self, col: int, row: int) -> tuple[int, int]:
        """The screen point a cell is clicked at."""
        return int((col + 0.5) * self.width / self.cols), int((row + 0.5) * self.height / self.rows)

    def cell(self, x: float, y: float) -> np.ndarray:
        """The action whose click lands in the cell holding the point ``(x, y)`` (for scripted
        demonstrations: the centre of an element's ``bbox``)."""
        return np.array([int(x * self.cols / self.width), int(y * self.rows / self.height)], dtype=np.int64)


def click_writer(env: Any) -> Any:
    """How the environment's action set writes a left click at screen coordinates."""
    actions = getattr(env, "action_set", None)
    if actions is None:
        raise ConfigError(f"{type(env).__name__} has no action set to write clicks in.")
    if "mouse_click" in actions:
        return lambda x, y: f"mouse_click({x}, {y})"
    if actions.name == "computer_13":
        return lambda x, y: json.dumps({"action_type": "CLICK", "parameters": {"x": x, "y": y}})
    if actions.name in ("desktop", "pyautogui"):
        return lambda x, y: f"click({x}, {y})"
    raise ConfigError(
        f"The action set `{actions.name}` has no click at coordinates that ClickGrid knows "
        "(mouse_click, PyAutoGUI's click, computer_13's CLICK)."
    )
