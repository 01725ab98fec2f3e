"""The live page names its agent, and a `module:Class` agent is imported in the server: a browser
could make it import (run) any module on its path. Only modules the UI was started to allow are
imported (`palaestra ui --allow-agent-module`); registered agents always are."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ui_support import ServedUi

from palaestra.server import ServerConfig
from palaestra.ui import UiOptions, UiRoots

MARKING = """
from pathlib import Path

Path(__file__).with_suffix(".imported").write_text("ran")
"""
FIRST_BUTTON = """
import re

from palaestra.agents import Agent, AgentStep


class FirstButton(Agent):
    async def aact(self, obs):
        return AgentStep(action="click('%s')" % re.search(r"\\[(\\d+)\\] button", obs["axtree"]).group(1))
"""


@pytest.fixture
def http(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[httpx.Client]:
    (tmp_path / "ui_marking.py").write_text(MARKING)
    (tmp_path / "ui_allowed").mkdir()
    (tmp_path / "ui_allowed" / "__init__.py").write_text("")
    (tmp_path / "ui_allowed" / "first.py").write_text(FIRST_BUTTON)
    monkeypatch.syspath_prepend(str(tmp_path))
    options = UiOptions(agent_modules=("ui_allowed",))
    roots = UiRoots.of([tmp_path], [tmp_path])
    with (
        ServedUi(roots, ServerConfig(max_sessions=2), options) as served,
        httpx.Client(base_url=served.url, timeout=120) as client,
    ):
        yield client


def test_an_agent_module_not_allowed_is_refused_before_it_is_imported(
    http: httpx.Client, tmp_path: Path
) -> None:
    opened = http.post(
        "api/live", json={"task": "miniwob.click-test", "seed": 0, "agent": "ui_marking:Agent"}
    )
    sid = http.post("api/live", json={"task": "miniwob.click-test", "seed": 0}).json()["id"]
    proposed = http.post(f"api/live/{sid}/propose", json={"agent": "ui_marking:Agent"})
    lookalike = http.post(f"api/live/{sid}/propose", json={"agent": "ui_allowedx:Agent"})
    for refused, module in ((opened, "ui_marking"), (proposed, "ui_marking"), (lookalike, "ui_allowedx")):
        assert refused.status_code == 403, refused.text
        message = refused.json()["error"]
        assert f"Fix: restart it with `palaestra ui --allow-agent-module {module}`" in message
        assert "(allowed now: ui_allowed)" in message
    assert not (tmp_path / "ui_marking.imported").exists(), "the module ran"
    assert "ui_marking" not in sys.modules


def test_allowed_modules_and_their_submodules_and_registered_agents_are_asked(http: httpx.Client) -> None:
    sid = http.post("api/live", json={"task": "miniwob.click-test", "seed": 0}).json()["id"]
    own = http.post(f"api/live/{sid}/propose", json={"agent": "ui_allowed.first:FirstButton"})
    assert own.status_code == 200, own.text
    assert own.json()["action"].startswith("click('")
    registered = http.post(f"api/live/{sid}/propose", json={"agent": "random", "args": {"seed": "1"}})
    assert registered.status_code == 200, registered.text
