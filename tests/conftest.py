"""Shared fixtures. Every test in a process shares one Chromium (the background loop's host)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv
from palaestra.testing.fixtures import llm_server, make_llm_server

__all__ = ["llm_server", "make_env", "make_llm_server"]


@pytest.fixture
def make_env() -> Iterator[Callable[..., BrowserEnv]]:
    """Build environments that are closed when the test ends."""
    made: list[BrowserEnv] = []

    def factory(task: Any, **kwargs: Any) -> BrowserEnv:
        env = BrowserEnv(task, **kwargs)
        made.append(env)
        return env

    yield factory
    for env in made:
        env.close()
