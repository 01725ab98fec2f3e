"""The UI's API key goes to the endpoint its environment names, never to one a request names.

The playground and the live page's agents take a ``base_url`` from the browser (or from a shared
run's record); with the UI's own ``PALAESTRA_LLM_API_KEY`` sent along, anyone who could use the UI
read the key off a server of their own. Real UI over real HTTP, real Chromium for the live page,
two scripted OpenAI-compatible servers (the UI's endpoint and another).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ui_support import ServedUi

from palaestra.agents.llm.config import may_send_environment_key
from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer, reply_text
from palaestra.ui import UiRoots

KEY = "sk-owner-key-5b1e9d"
MESSAGES = [{"role": "user", "content": "Which action?"}]


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[ScriptedLLMServer, ScriptedLLMServer]]:
    answer = reply_text("```\nnoop()\n```")
    with ScriptedLLMServer(answer) as own, ScriptedLLMServer(answer) as other:
        monkeypatch.setenv("PALAESTRA_LLM_BASE_URL", own.base_url)
        monkeypatch.setenv("PALAESTRA_LLM_API_KEY", KEY)
        monkeypatch.setenv("PALAESTRA_LLM_MODEL", "scripted-model")
        yield own, other


def _keys(server: ScriptedLLMServer) -> list[str]:
    return [r.headers.get("authorization", "") for r in server.requests if r.path.endswith("/completions")]


def test_the_playground_sends_the_key_to_the_ui_endpoint_only(
    endpoints: tuple[ScriptedLLMServer, ScriptedLLMServer], tmp_path: Path
) -> None:
    own, other = endpoints
    ui = ServedUi(UiRoots.of([tmp_path]), ServerConfig(max_sessions=2))
    with ui, httpx.Client(base_url=ui.url, timeout=120) as http:
        for chosen in (other.base_url, other.base_url + "/"):
            answer = http.post("api/playground", json={"messages": MESSAGES, "model": {"base_url": chosen}})
            assert answer.status_code == 200 and answer.json()["ok"], answer.text
        mine = http.post("api/playground", json={"messages": MESSAGES, "model": {"base_url": own.base_url}})
        assert mine.json()["ok"] and mine.json()["action"] == "noop()"
        assert http.post("api/playground", json={"messages": MESSAGES}).json()["ok"]
    assert _keys(other) == ["Bearer no-key"] * 2
    assert _keys(own) == [f"Bearer {KEY}"] * 2  # the UI's own endpoint still gets its key


def test_a_live_agent_pointed_elsewhere_gets_no_key(
    endpoints: tuple[ScriptedLLMServer, ScriptedLLMServer], tmp_path: Path
) -> None:
    _, other = endpoints
    args = {"model": "scripted-model", "base_url": other.base_url, "max_reasks": "0"}
    ui = ServedUi(UiRoots.of([tmp_path]), ServerConfig(max_sessions=2))
    with ui, httpx.Client(base_url=ui.url, timeout=180) as http:
        opened = http.post("api/live", json={"task": "miniwob.click-test", "seed": 0})
        assert opened.status_code == 200, opened.text
        sid = opened.json()["id"]
        proposed = http.post(f"api/live/{sid}/propose", json={"agent": "synapse", "args": args})
        assert proposed.status_code == 200, proposed.text
    assert _keys(other) and all(KEY not in k for k in _keys(other))


def test_which_endpoints_get_the_environments_key() -> None:
    env = {"PALAESTRA_LLM_BASE_URL": "http://127.0.0.1:8000/v1"}
    assert may_send_environment_key(None, env) and may_send_environment_key("http://127.0.0.1:8000/v1/", env)
    assert not may_send_environment_key("http://evil.example/v1", env)
    assert may_send_environment_key("https://api.openai.com/v1", {})  # the SDK's default, as configured
    assert not may_send_environment_key("http://127.0.0.1:8000/v1", {})


def test_a_live_agent_cannot_write_a_cache_where_the_browser_says(tmp_path: Path) -> None:
    """``cache_dir`` made the server create a folder and a database anywhere it may write."""
    elsewhere = tmp_path / "not-the-uis" / "cache"
    args = {"model": "scripted-model", "base_url": "http://127.0.0.1:9/v1", "cache_dir": str(elsewhere)}
    ui = ServedUi(UiRoots.of([tmp_path / "runs"]), ServerConfig(max_sessions=2))
    with ui, httpx.Client(base_url=ui.url, timeout=180) as http:
        opened = http.post(
            "api/live", json={"task": "miniwob.click-test", "seed": 0, "agent": "synapse", "args": args}
        )
        assert opened.status_code == 400 and "`cache_dir`" in opened.json()["error"], opened.text
        sid = http.post("api/live", json={"task": "miniwob.click-test", "seed": 0}).json()["id"]
        proposed = http.post(f"api/live/{sid}/propose", json={"agent": "synapse", "args": args})
        assert proposed.status_code == 400 and "Remove the argument" in proposed.json()["error"]
    assert not elsewhere.parent.exists()
