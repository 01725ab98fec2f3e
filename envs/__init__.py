"""Gymnasium environments over a real browser.

Names are imported on first use (PEP 562), so that reading the observation's declaration or the
action set does not start a browser driver: ``palaestra.envs.obs`` and ``palaestra.envs.actions``
import no Playwright.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.envs.actions import ActionSet, get_action_set
from palaestra.envs.base import PalaestraEnv, make_env
from palaestra.envs.obs import ObsConfig, Observation, ObservationLayout
from palaestra.lazy import lazy_exports

if TYPE_CHECKING:
    from palaestra.envs.browser import BrowserHost, BrowserOptions, find_chromium
    from palaestra.envs.browser_env import BrowserEnv
    from palaestra.envs.browsergym_compat import BrowserGymObservation
    from palaestra.envs.pixel_actions import ClickGrid

__all__ = [
    "ActionSet",
    "BrowserEnv",
    "BrowserGymObservation",
    "BrowserHost",
    "BrowserOptions",
    "ClickGrid",
    "ObsConfig",
    "Observation",
    "ObservationLayout",
    "PalaestraEnv",
    "find_chromium",
    "get_action_set",
    "make_env",
]

_LAZY = {
    "BrowserEnv": "palaestra.envs.browser_env",
    "BrowserGymObservation": "palaestra.envs.browsergym_compat",
    "BrowserHost": "palaestra.envs.browser",
    "BrowserOptions": "palaestra.envs.browser",
    "ClickGrid": "palaestra.envs.pixel_actions",
    "find_chromium": "palaestra.envs.browser",
}

__getattr__ = lazy_exports(__name__, _LAZY)
