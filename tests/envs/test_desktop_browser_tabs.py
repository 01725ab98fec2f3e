"""The episode's browser reached through its DevTools endpoint, over a real HTTP server that
answers as DevTools does: a tab step that fails is reported in its result and the episode goes on
(as OSWorld's setup does), rather than the session replying with an environment error; and a
browser on the port that is not the one the profile's ``DevToolsActivePort`` names (that file
outlives its browser, and the port may be another session's browser's by now) is never used, by
the tab steps or by the judge's tab getters."""

from __future__ import annotations

import http.server
import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import chrome_getters

DESKTOP = Path(__file__).resolve().parents[2] / "envs" / "desktop"
OURS = "/devtools/browser/ours"
TAB = {"type": "page", "id": "T1", "title": "Shop", "url": "http://127.0.0.1:8000/shop"}


class DevTools(http.server.BaseHTTPRequestHandler):
    """Says which browser it is (``browser``); lists one tab, or refuses to (``failing``), and
    refuses to open tabs then."""

    browser = OURS
    failing = True

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/json/version":
            port = self.server.server_address[1]
            self._reply(200, {"webSocketDebuggerUrl": f"ws://127.0.0.1:{port}{self.browser}"})
        elif self.path == "/json/list" and not self.failing:
            self._reply(200, [TAB])
        else:
            self._reply(500, {"error": "going away"})

    def do_PUT(self) -> None:
        self._reply(500, {"error": "Could not create new page"})

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def browser_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(DESKTOP))  # the session imports its siblings so
    return importlib.import_module("browser_app")


def serve(home: Path, handler: type[DevTools]) -> http.server.ThreadingHTTPServer:
    """A DevTools endpoint for ``home``'s profile, which names browser ``OURS`` on its port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    profile = home / ".config" / "chromium"
    profile.mkdir(parents=True)
    (profile / "DevToolsActivePort").write_text(f"{server.server_address[1]}\n{OURS}\n")
    return server


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    server = serve(tmp_path, DevTools)
    yield tmp_path
    server.shutdown()
    server.server_close()


def test_a_tab_devtools_refuses_to_open_is_reported_not_raised(browser_app: ModuleType, home: Path) -> None:
    assert browser_app.profile(home) == home / ".config" / "chromium"
    result = browser_app.open_tabs(home, ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"])
    assert result["opened"] == []
    assert "could not open 'http://127.0.0.1:9/a'" in result["error"]
    assert "500" in result["error"]


def test_tabs_devtools_cannot_list_are_reported_not_raised(browser_app: ModuleType, home: Path) -> None:
    result = browser_app.close_tabs(home, ["http://127.0.0.1:9/a"])
    assert result["closed"] == []
    assert "could not list the browser's tabs" in result["error"]


class Listing(DevTools):
    failing = False


class Another(Listing):
    browser = "/devtools/browser/someone-elses"


@pytest.mark.parametrize(("handler", "ours"), [(Listing, True), (Another, False)])
def test_only_the_browser_the_profile_names_is_used(
    browser_app: ModuleType, tmp_path: Path, handler: type[DevTools], ours: bool
) -> None:
    server = serve(tmp_path, handler)
    try:
        found = browser_app.endpoint(tmp_path, timeout=0.5)
        assert found == (f"http://127.0.0.1:{server.server_address[1]}" if ours else None)
        outcome = DesktopOutcome(home=tmp_path, elements=[], windows=[], messages=[])
        tabs = chrome_getters.open_tabs_info(outcome)
        assert tabs == ([{"title": "Shop", "url": TAB["url"]}] if ours else None)
    finally:
        server.shutdown()
        server.server_close()
