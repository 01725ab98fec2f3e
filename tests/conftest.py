"""Shared fixtures. Every test in a process shares one Chromium (the background loop's host)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, async_playwright

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv
from palaestra.envs.browser import find_chromium
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.testing.fixtures import llm_server, make_llm_server

__all__ = ["llm_server", "make_env", "make_llm_server", "minilm"]


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


@pytest.fixture(scope="session")
def minilm() -> SentenceTransformerEmbedder:
    """The real all-MiniLM-L6-v2, loaded once (a few seconds) from the offline wheel.

    One torch thread: the tests share two cores with browser tests, and torch's default threads
    spin-wait on each other under that load (about ten times slower here).
    """
    embedder = SentenceTransformerEmbedder(num_threads=1)
    embedder.embed(["warm up"])
    return embedder


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop for tests that drive Playwright's async API themselves."""
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture(scope="module")
def browser(loop: asyncio.AbstractEventLoop) -> Iterator[Browser]:
    """A Chromium of the module's own, on ``loop``."""
    manager = async_playwright()
    p = loop.run_until_complete(manager.__aenter__())
    launched = loop.run_until_complete(
        p.chromium.launch(executable_path=find_chromium(p), args=["--no-sandbox"])
    )
    yield launched
    loop.run_until_complete(launched.close())
    loop.run_until_complete(manager.__aexit__(None, None, None))
