"""How a task's ``code`` launch is started (`envs/desktop/vscode_app.py`, `vscode_launch.py`): the
password stays off every command line, the login page and password file are the desktop user's
alone, the workbench address opens a folder, a workspace or a file as VS Code would, a task's own
settings are kept; and the launcher, with the real code-server, serves the workbench only to a
client with the password, then stops the server when its window closes."""

from __future__ import annotations

import asyncio
import html
import http.server
import importlib
import io
import json
import re
import socket
import stat
import subprocess
import sys
import threading
import urllib.parse
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image
from playwright.async_api import Browser

DESKTOP = Path(__file__).parents[2] / "envs" / "desktop"


@pytest.fixture
def vscode_app(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(DESKTOP))  # the session imports its siblings so
    return importlib.import_module("vscode_app")


def test_the_launch_keeps_the_password_off_command_lines(vscode_app: ModuleType, tmp_path: Path) -> None:
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    (home / "Desktop").mkdir(parents=True)
    runtime.mkdir()
    (home / "Desktop" / "notes.txt").write_text("x")
    argv, written = vscode_app.launch_argv(["code", "Desktop/notes.txt"], home, runtime)
    [secret] = runtime.glob("code-server-*.secret")
    [page] = runtime.glob("code-server-*-login.html")
    password = secret.read_text()
    assert len(password) == 32 and not any(password in a for a in argv)
    assert stat.S_IMODE(secret.stat().st_mode) == stat.S_IMODE(page.stat().st_mode) == 0o600
    assert {secret, page, home / ".config/Code", home / ".vscode"} <= set(written)
    assert f"--app={page.as_uri()}" in argv and f"--user-data-dir={home / '.config/Code'}" in argv
    assert (
        f"--extensions-dir={home / '.vscode/extensions'}" in argv and (home / ".vscode/extensions").is_dir()
    )
    assert password in page.read_text()  # the page logs in, and sends the window on to the file
    action = html.unescape(re.findall(r'action="([^"]*)"', page.read_text())[0])
    assert action.startswith(f"http://127.0.0.1:{argv[2]}/login?")
    to = urllib.parse.parse_qs(urllib.parse.urlsplit(action).query)["to"][0]
    [[kind, uri]] = json.loads(urllib.parse.parse_qs(urllib.parse.urlsplit(to).query)["payload"][0])
    assert kind == "openFile" and uri.endswith(str(home / "Desktop/notes.txt"))
    settings = json.loads((home / ".config/Code/User/settings.json").read_text())
    assert settings["workbench.startupEditor"] == "none" and settings["window.title"].endswith(
        "Visual Studio Code"
    )


def test_the_workbench_address_and_a_tasks_own_settings(vscode_app: ModuleType, tmp_path: Path) -> None:
    assert vscode_app.workbench_query("", 1) == "./"
    assert vscode_app.workbench_query(str(tmp_path), 1) == "./?" + urllib.parse.urlencode(
        {"folder": str(tmp_path)}
    )
    workspace = str(tmp_path / "p.code-workspace")
    assert vscode_app.workbench_query(workspace, 1) == "./?" + urllib.parse.urlencode(
        {"workspace": workspace}
    )
    assert vscode_app.opens_a_file(["code", "/home/user/a.txt"]) and not vscode_app.opens_a_file(["code"])
    assert not vscode_app.opens_a_file(["code", "/home/user/project/"])
    user = tmp_path / ".config/Code/User"
    user.mkdir(parents=True)
    (user / "settings.json").write_text('{"editor.fontSize": 20}')
    vscode_app.seed_settings(tmp_path)
    assert json.loads((user / "settings.json").read_text()) == {"editor.fontSize": 20}


#: Stands in for the window, which starts beside the server: waits for it to serve the image the
#: login page waits for, then asks it without and with the password, as another user and as the login
#: page would.
PROBE = r"""
import http.client, sys, time, urllib.parse
port, password, ready = int(sys.argv[1]), open(sys.argv[2]).read(), sys.argv[3]
deadline = time.monotonic() + 60
while True:
    try:
        health = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        health.request("GET", ready)
        reply = health.getresponse()
        reply.read()
        if reply.status == 200 and reply.getheader("Content-Type", "").startswith("image/"):
            break
    except OSError:
        pass
    if time.monotonic() > deadline:
        sys.exit("code-server never served " + ready)
    time.sleep(0.05)
plain = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
plain.request("GET", "/")
anonymous = plain.getresponse()
print("anonymous", anonymous.getheader("Location"), anonymous.status)
login = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
body = urllib.parse.urlencode({"password": password})
login.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
reply = login.getresponse()
print("login", reply.status, "code-server-session=" in (reply.getheader("Set-Cookie") or ""))
"""


def test_the_launcher_serves_only_with_the_password_and_stops_the_server(
    vscode_app: ModuleType, tmp_path: Path
) -> None:
    home, runtime = tmp_path / "home", tmp_path / "runtime"
    home.mkdir()
    runtime.mkdir()
    argv, _written = vscode_app.launch_argv(["code"], home, runtime)
    window = argv.index("--", argv.index("--") + 1)
    port, secret = argv[2], argv[3]
    launch = [*argv[: window + 1], sys.executable, "-c", PROBE, port, secret, vscode_app.READY_IMAGE]
    done = subprocess.run(
        launch, capture_output=True, text=True, timeout=120, env={"HOME": str(home), "PATH": "/usr/bin:/bin"}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "anonymous ./login 302" in lines and "login 302 True" in lines, done.stdout
    stopped = subprocess.run(["ss", "-ltnH", f"sport = :{port}"], capture_output=True, text=True, check=True)
    assert stopped.stdout.strip() == ""  # the server went with its window


def _pixel() -> bytes:
    """A 1x1 PNG: what code-server's `READY_IMAGE` is to the page, an image."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    return out.getvalue()


PIXEL = _pixel()


class LoginServer(http.server.ThreadingHTTPServer):
    """Stands in for code-server, started after the window: as code-server does, it listens before
    it has routes and meanwhile answers every request with 404; once `routed` is set it serves the
    ready image and keeps what the login form posts (and whether it was routed then)."""

    def __init__(self, port: int, ready: str) -> None:
        self.ready = ready
        self.routed = threading.Event()
        self.posted: list[tuple[str, str, bool]] = []
        self.unrouted_gets = 0
        self.seen = threading.Condition()
        self.logged_in = threading.Event()
        super().__init__(("127.0.0.1", port), LoginHandler)

    def wait_for_page(self) -> bool:
        """Whether the page, within a minute, asked twice while there were no routes or posted."""
        with self.seen:
            return self.seen.wait_for(lambda: self.unrouted_gets >= 2 or bool(self.posted), 60)


class LoginHandler(http.server.BaseHTTPRequestHandler):
    server: LoginServer

    def do_GET(self) -> None:
        if self.server.routed.is_set() and self.path.split("?")[0] == self.server.ready:
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)
            return
        with self.server.seen:
            self.server.unrouted_gets += not self.server.routed.is_set()
            self.server.seen.notify_all()
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        with self.server.seen:
            self.server.posted.append((self.path, body, self.server.routed.is_set()))
            self.server.seen.notify_all()
        self.send_response(200 if self.server.routed.is_set() else 404)
        self.end_headers()
        self.wfile.write(b"<title>workbench</title>")
        self.server.logged_in.set()

    def log_message(self, *args: object) -> None:
        pass


def test_the_login_page_waits_for_the_server_then_logs_in(
    vscode_app: ModuleType, tmp_path: Path, loop: asyncio.AbstractEventLoop, browser: Browser
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    page_file = tmp_path / "login.html"
    page_file.write_text(vscode_app.login_page(port, "s3cret", "./?folder=%2Fhome"), encoding="utf-8")

    async def play() -> tuple[str, str]:
        page = await browser.new_page()
        await page.goto(page_file.as_uri())  # nothing listens on the port yet
        before = await page.title()
        server = LoginServer(port, vscode_app.READY_IMAGE)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            # Two 404s while code-server has no routes: the page asked, got no image, and asks again
            # (a page that takes any reply for a ready server posts to the route-less server instead).
            waited = await asyncio.to_thread(server.wait_for_page)
            assert waited and not server.posted, (
                f"the page posted to a server without routes: {server.posted}"
            )
            server.routed.set()
            assert await asyncio.to_thread(server.logged_in.wait, 60), "the page never logged in"
            [(path, body, routed)] = server.posted
            assert routed
        finally:
            server.shutdown()
            server.server_close()
            await page.close()
        assert before == "Starting VS Code"  # still waiting, not a failed post's error page
        return path, body

    path, body = loop.run_until_complete(play())
    assert urllib.parse.parse_qs(body) == {"password": ["s3cret"]}
    assert path == "/login?" + urllib.parse.urlencode({"to": "./?folder=%2Fhome"})
