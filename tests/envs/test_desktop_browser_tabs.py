"""The session's tab steps (`browser_app.open_tabs`, `close_tabs`) over a real HTTP endpoint that
answers as a failing DevTools does: a step that fails is reported in its result, and the episode
goes on (as OSWorld's setup does), rather than the session replying with an environment error."""

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

DESKTOP = Path(__file__).resolve().parents[2] / "envs" / "desktop"


class FailingDevTools(http.server.BaseHTTPRequestHandler):
    """Answers /json/version, then refuses to open or list tabs (a browser shutting down)."""

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/json/version":
            self._reply(200, {"Browser": "Chromium"})
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


@pytest.fixture
def home(tmp_path: Path, browser_app: ModuleType) -> Iterator[Path]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FailingDevTools)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    profile = browser_app.profile(tmp_path)
    profile.mkdir(parents=True)
    (profile / "DevToolsActivePort").write_text(f"{server.server_address[1]}\n/devtools/browser/x\n")
    yield tmp_path
    server.shutdown()
    server.server_close()


def test_a_tab_devtools_refuses_to_open_is_reported_not_raised(browser_app: ModuleType, home: Path) -> None:
    result = browser_app.open_tabs(home, ["http://127.0.0.1:9/a", "http://127.0.0.1:9/b"])
    assert result["opened"] == []
    assert "could not open 'http://127.0.0.1:9/a'" in result["error"]
    assert "500" in result["error"]


def test_tabs_devtools_cannot_list_are_reported_not_raised(browser_app: ModuleType, home: Path) -> None:
    result = browser_app.close_tabs(home, ["http://127.0.0.1:9/a"])
    assert result["closed"] == []
    assert "could not list the browser's tabs" in result["error"]
