"""Gymnasium environments over a real browser."""

from palaestra.envs.actions import ActionSet, get_action_set
from palaestra.envs.browser import BrowserHost, BrowserOptions, find_chromium
from palaestra.envs.browser_env import BrowserEnv
from palaestra.envs.observation import ObsConfig

__all__ = [
    "ActionSet",
    "BrowserEnv",
    "BrowserHost",
    "BrowserOptions",
    "ObsConfig",
    "find_chromium",
    "get_action_set",
]
