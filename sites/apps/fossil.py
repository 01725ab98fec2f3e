"""The code host's process: ``python -m palaestra.sites.apps.fossil --port 0 --parent-pid N``.

A small HTTP front over Fossil (Debian's ``fossil``): each request is handed to ``fossil http`` over
the repositories of the request's episode, the way inetd runs Fossil, so every episode has its own
copies of the repositories and nothing is cached between episodes. The episode comes from the
``X-Palaestra-Episode`` header as for the Django sites (``palaestra.sites.apps.episode``); its
repositories are copied from the seed on the episode's first request (a few milliseconds).

Log-in: an episode's browser carries the site's session cookie (``code_session``) with the seeded
account's token; the front adds the Fossil log-in cookie of that account for the repository the
request goes to (seeded, see ``palaestra.sites.data.code``). Logging out in Fossil clears the seeded
log-in, so the added cookie stops working, as a real log-out should.

``GET /-/health`` answers 200 without touching Fossil. The process exits with its parent.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import http.cookies
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from palaestra.sites.apps.serve import exit_if_port_in_use, watch_parent

HEADER = "X-Palaestra-Episode"
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Headers not passed on to Fossil (hop-by-hop, and the episode's own).
_DROP = {"connection", "keep-alive", "proxy-connection", "upgrade", HEADER.lower()}


class Front:
    """What every request needs: where the seed and the episodes are, and the seeded log-ins."""

    def __init__(self, build: Path, episodes: Path, default: str, site: str) -> None:
        self.build, self.episodes, self.default = build, episodes, default
        manifest = json.loads((build / "manifest.json").read_text())
        self.accounts = {token: login for login, token in manifest["sessions"].items()}
        self.cookies: dict[str, dict[str, list[str]]] = manifest["cookies"]
        self.session_cookie = f"{site.replace('-', '_')}_session"
        self._lock = threading.Lock()

    def repositories(self, episode: str) -> Path | None:
        """The episode's folder of repositories, copied from the seed on first use; None if the
        episode has ended (its folder is gone)."""
        folder = self.episodes / episode
        repos = folder / "repos"
        if repos.is_dir():
            return repos
        if not folder.is_dir():
            return None
        with self._lock:
            if repos.is_dir():
                return repos
            tmp = folder / f".repos-{os.getpid()}-{threading.get_ident()}"
            try:  # file by file, never making parents: an episode discarded meanwhile stays gone
                tmp.mkdir()
                for source in (self.build / "repos").iterdir():
                    shutil.copyfile(source, tmp / source.name)
                tmp.rename(repos)
            except FileNotFoundError:
                return None
        return repos

    def login_of(self, cookie_header: str) -> str | None:
        jar = http.cookies.SimpleCookie()
        with contextlib.suppress(http.cookies.CookieError):
            jar.load(cookie_header)
        token = jar.get(self.session_cookie)
        return None if token is None else self.accounts.get(token.value)

    def projects_page(self, repos: Path, cookie_header: str) -> str:
        """The host's home page: the projects this visitor may see (public ones, and private ones
        they are a member of), each linking to its repository's home page."""
        login = self.login_of(cookie_header)
        with sqlite3.connect(f"file:{repos.parent / 'code.sqlite3'}?mode=ro", uri=True) as db:
            rows = db.execute(
                "SELECT p.name, p.title, p.description, p.public, (SELECT COUNT(*) FROM member m"
                " WHERE m.project = p.name) FROM project p WHERE p.public = 1 OR EXISTS (SELECT 1"
                " FROM member m WHERE m.project = p.name AND m.login = ?) ORDER BY p.title",
                (login or "",),
            ).fetchall()
        items = "".join(
            f"<tr><td><a href='/{html.escape(name)}/home'>{html.escape(title)}</a>"
            f"{'' if public else ' <small>(private)</small>'}</td><td>{html.escape(text)}</td>"
            f"<td>{members} members</td></tr>"
            for name, title, text, public, members in rows
        )
        who = f"Signed in as {html.escape(login)}" if login else "Not signed in"
        return (
            "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Projects - Palaestra Code</title>"
            "<style>body{font-family:sans-serif;margin:2em}td{padding:.4em 1em}</style></head><body>"
            f"<h1>Projects</h1><p>{who}</p><table><tr><th>Project</th><th>Description</th><th>Members</th></tr>"
            f"{items}</table></body></html>"
        )

    def with_login(self, path: str, cookie_header: str) -> str:
        """The Cookie header, plus Fossil's log-in cookie for the repository of ``path`` when the
        request carries an episode's session token and no Fossil log-in of its own."""
        jar = http.cookies.SimpleCookie()
        with contextlib.suppress(http.cookies.CookieError):
            jar.load(cookie_header)
        token = jar.get(self.session_cookie)
        project = path.lstrip("/").split("/", 1)[0].split("?", 1)[0]
        if token is None or project not in self.cookies:
            return cookie_header
        login = self.accounts.get(token.value)
        seeded = self.cookies[project].get(login or "")
        if seeded is None or seeded[0] in jar:
            return cookie_header
        name, value = seeded
        return "; ".join(p for p in (cookie_header, f"{name}={value}") if p)


class Handler(BaseHTTPRequestHandler):
    server_version = "palaestra-fossil"
    protocol_version = "HTTP/1.0"
    front: Front

    def log_message(self, format: str, *args: Any) -> None:
        return  # Fossil's own errors go to the log; access lines would only fill it

    def do_GET(self) -> None:
        self._proxy()

    def do_POST(self) -> None:
        self._proxy()

    def do_HEAD(self) -> None:
        self._proxy()

    def _answer(self, status: int, text: str, kind: str = "text/plain") -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _proxy(self) -> None:
        if self.path == "/-/health":
            self._answer(200, "ok")
            return
        episode = self.headers.get(HEADER) or self.front.default
        if not _ID.match(episode):
            self._answer(400, f"Bad {HEADER} header.")
            return
        repos = self.front.repositories(episode)
        if repos is None:
            self._answer(410, f"Episode {episode} has ended or never started.")
            return
        if self.path.split("?", 1)[0] == "/":
            self._answer(200, self.front.projects_page(repos, self.headers.get("Cookie", "")), "text/html")
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        lines = [f"{self.command} {self.path} HTTP/1.0"]
        for name, value in self.headers.items():
            if name.lower() not in _DROP and name.lower() != "cookie":
                lines.append(f"{name}: {value}")
        cookie = self.front.with_login(self.path, self.headers.get("Cookie", ""))
        if cookie:
            lines.append(f"Cookie: {cookie}")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        done = subprocess.run(
            ["fossil", "http", str(repos), "--repolist", "--nojail", "--nossl", "--nocompress"],
            input=request, capture_output=True, timeout=120, check=False,
        )  # fmt: skip
        if done.stderr:
            sys.stderr.buffer.write(done.stderr)
            sys.stderr.flush()
        if not done.stdout.startswith(b"HTTP/"):
            self._answer(502, f"Fossil failed ({done.returncode}).")
            return
        self.close_connection = True
        self.wfile.write(done.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--parent-pid", type=int, default=0)
    args = parser.parse_args(argv)
    if args.parent_pid:
        threading.Thread(target=watch_parent, args=(args.parent_pid,), daemon=True).start()
    build = Path(os.environ["PALAESTRA_SITES_BUILD"])
    episodes = Path(os.environ.get("PALAESTRA_SITES_EPISODES") or build / "episodes")
    default = os.environ.get("PALAESTRA_SITES_DEFAULT_EPISODE", "")
    Handler.front = Front(build, episodes, default, os.environ.get("PALAESTRA_SITE", "code"))
    with exit_if_port_in_use(args.port):
        server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"LISTENING {server.server_address[1]}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
