"""Pytest fixtures for the scripted LLM server.

Import them into a ``conftest.py`` (``from palaestra.testing.fixtures import llm_server``) so each
test gets a running server that is stopped at teardown, even when the test fails.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import ScriptedLLMServer


@pytest.fixture
def make_llm_server() -> Iterator[Callable[..., ScriptedLLMServer]]:
    """A factory taking ``ScriptedLLMServer``'s arguments; every server it starts is stopped after."""
    started: list[ScriptedLLMServer] = []

    def factory(*args: Any, **kwargs: Any) -> ScriptedLLMServer:
        server = ScriptedLLMServer(*args, **kwargs).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    """A running server with the echo script; set ``llm_server.script`` to change its answers."""
    with ScriptedLLMServer() as server:
        yield server
