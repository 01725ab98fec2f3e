"""A desktop observation's values from the session's ``observe`` reply: the goal, focus and windows,
the accessibility tree as text and elements, and the screenshot (and its set-of-marks view).

Apart from `DesktopEnv` because it only reshapes what the session sent into the keys that
`ObservationLayout` declares; the environment decides when to ask and keeps the tree.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from palaestra.envs.desktop.marks import desktop_marks
from palaestra.envs.desktop.tree import DesktopTree
from palaestra.envs.obs import ObsConfig
from palaestra.envs.som import som_views


def observation_values(
    config: ObsConfig,
    tree: DesktopTree,
    windows: list[dict[str, Any]],
    blob: bytes,
    screen: tuple[int, int],
    goal: str,
    last_action: str,
    error: str,
    popups: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The observation's values, for `ObservationLayout.build`; `blob` is the BGRA screenshot and
    `popups` the open menus and lists over the windows (`stacking.popups`, with set-of-marks)."""
    want_pixels = config.screenshot or config.som
    values: dict[str, Any] = {
        "goal": goal,
        "focused_element": tree.focused,
        "focused_window": next((w["title"] for w in windows if w["active"]), ""),
        "windows": windows,
        "last_action": last_action,
        "last_action_error": error,
    }
    if config.axtree:
        values["axtree"] = tree.text
    if config.elements:
        values["elements"] = tree.elements
    if want_pixels:
        width, height = screen
        bgra = np.frombuffer(blob, dtype=np.uint8).reshape(height, width, 4)
        pixels = np.ascontiguousarray(bgra[:, :, 2::-1])  # BGRA -> RGB
        if config.screenshot:
            values["screenshot"] = pixels
        if config.som:
            marks = desktop_marks(tree.elements, screen, windows, popups or [], tree.popup_of)
            values["som_screenshot"], values["som_marks"] = som_views(pixels, marks)
    return values
