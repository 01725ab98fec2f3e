"""Tests know their pages' elements by the pages' own HTML ``id`` attributes; agents act on our
element ids. One mapping between them, and one way to open a test page with it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask


def html_ids(obs: Mapping[str, Any]) -> dict[str, str]:
    """Our element ids by the elements' HTML ``id`` attribute."""
    return {e["attributes"]["id"]: e["id"] for e in obs["elements"] if "id" in e["attributes"]}


def opened(make_env: Callable[..., BrowserEnv], url: str, goal: str) -> tuple[BrowserEnv, dict[str, str]]:
    """An environment on the page at ``url`` (no screenshots), reset, with its ``html_ids``."""
    env = make_env(PageTask(url, goal), obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=0)
    return env, html_ids(obs)
