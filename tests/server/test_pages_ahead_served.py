"""``palaestra serve --pages-ahead N``: how many pages each browser session prepares ahead (each a
browser context of its own: the memory a session holds beyond its page), given only to the
environments that take it, so desktop sessions on the same server still open."""

from __future__ import annotations

import httpx
import pytest

from palaestra.cli_parser import make_parser
from palaestra.config import ConfigError
from palaestra.envs.browser_env import BrowserEnv
from palaestra.server.cli import serve_config
from palaestra.server.run import ServerThread, free_port


def test_the_flag_and_its_variable_set_the_servers_pages_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    assert serve_config(make_parser().parse_args(["serve"])).pages_ahead is None  # the environment's
    monkeypatch.setenv("PALAESTRA_SERVER_PAGES_AHEAD", "0")
    assert serve_config(make_parser().parse_args(["serve"])).pages_ahead == 0
    assert serve_config(make_parser().parse_args(["serve", "--pages-ahead", "3"])).pages_ahead == 3
    with pytest.raises(ConfigError, match="pages_ahead must be 0 or more, got -1"):
        serve_config(make_parser().parse_args(["serve", "--pages-ahead", "-1"]))


def test_no_pages_ahead_and_a_desktop_session_on_the_same_server() -> None:
    args = make_parser().parse_args(["serve", "--pages-ahead", "0", "--port", str(free_port())])
    with ServerThread(serve_config(args)) as server, httpx.Client(base_url=server.url, timeout=120) as http:
        made = http.post("/sessions", json={"task": "miniwob.click-test", "seed": 1})
        assert made.status_code == 201, made.text
        session = server.context.sessions.sessions[made.json()["id"]]
        env = session.env
        assert isinstance(env, BrowserEnv)
        assert env._pages.pipeline.depth == 0 and len(env._pages.pipeline) == 0
        step = http.post(f"/sessions/{session.id}/step", json={"action": "click('15')"}).json()
        assert step["reward"] == 1.0
        browser = server.call(env.host.ensure_browser())
        assert len(browser.contexts) == 1  # the episode's own, and none prepared for the next
        desktop = http.post("/sessions", json={"task": "desktop.calc-add", "seed": 5, "parts": ["axtree"]})
        assert desktop.status_code == 201, desktop.text
        did = desktop.json()["id"]
        assert "calc" in desktop.json()["observation"]["axtree"].lower()
        assert http.post(f"/sessions/{did}/step", json={"action": "noop()"}).status_code == 200
        server.call(server.context.sessions.close_all())
