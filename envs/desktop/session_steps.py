"""A task's live steps (`palaestra.tasks.desktop.live_steps`) run by the session: commands, apps
left running, windows brought to the front or closed, pauses; in order, each as the desktop user on
the episode's display. Setup steps that follow the apps and OSWorld's ``postconfig`` come here.

A mixin of `Session` (in `session.py`). A step that fails (a window that is not there, a command
that exits non-zero) is reported in its result and the next one runs, as OSWorld's setup does.
Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import base64
import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import browser_app
import browser_tabs
import commands
import gimp_app
import office
import pdf_printer
import thunderbird_app
import vlc_app
import vscode_app
import window_ops
from devtools_pipe import DevToolsError, DevToolsPipe

#: The longest pause one step may take (seconds).
MAX_SLEEP = 30.0
#: How long a tab step waits for the page it opened to reach the accessibility tree.
PAGE_TIMEOUT = 5.0
#: What a tab step says when no browser of the episode answers on its DevTools pipe.
NO_BROWSER = "no browser the episode launched is running"


class SessionSteps:
    """`run_steps` over the session's X connection, episode and command runner."""

    x: Any
    tree: Any
    home: Path | None
    home_alias: str
    episode_env: dict[str, str]
    #: The session's own environment (its HOME is the session's folder, not the episode's).
    env: dict[str, str]
    apps: list[subprocess.Popen[bytes]]
    app_errs: list[Path]
    base: Path
    episode: int
    closed_a_window: bool
    #: The apps a step ended on purpose (OSWorld's ``pkill chrome``): their exit is no failure.
    stopped: set[int]
    #: The DevTools pipe of each browser the episode launched, oldest first (`browser_tabs`).
    browser_pipes: list[DevToolsPipe]
    #: What GIMP's plug-ins register, put into each HOME GIMP starts in (`gimp_app.PluginCache`).
    gimp_plugins: gimp_app.PluginCache

    def _command(self, argv: list[str], log: Any = None, timeout: float = 30.0) -> dict[str, Any]:
        raise NotImplementedError

    def _popen(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: Path,
        fds: dict[int, int] | None = None,
        **kwargs: Any,
    ) -> Any:
        raise NotImplementedError

    def _own(self, path: Path) -> None:
        raise NotImplementedError

    def run_steps(self, steps: list[dict[str, Any]], log: Any = None) -> list[dict[str, Any]]:
        """Run each step in order; what each came to (``do`` and, by kind, its result)."""
        return [dict(self._run_step(step, log), do=step.get("do")) for step in steps]

    def _run_step(self, step: dict[str, Any], log: Any) -> dict[str, Any]:
        kind = step.get("do")
        if kind == "run":  # a command whose output is kept for the judge prints to it, not the log
            return self._command(list(step["argv"]), None if step.get("keep") else log)
        if kind == "launch":
            return self._launch(list(step["argv"]), log)
        if kind == "window":
            return self._window(step)
        if kind == "sleep":
            time.sleep(min(max(float(step.get("seconds", 0)), 0.0), MAX_SLEEP))
            return {}
        if kind == "tabs":
            assert self.home is not None
            urls = [commands.swap_home(str(u), self.home_alias, self.home) for u in step["urls"]]
            if step.get("action") == "close":
                closed = browser_tabs.newest(self.browser_pipes, lambda p: browser_tabs.close_tabs(p, urls))
                return {"error": NO_BROWSER, "closed": []} if closed is None else closed
            opened = browser_tabs.newest(self.browser_pipes, lambda p: browser_tabs.open_tabs(p, urls))
            if opened is None:
                return {"error": NO_BROWSER, "opened": []}
            self._wait_for_page(str(opened.get("title", "")))
            return opened
        if kind == "quit_browser":
            return self._quit_browser()
        if kind == "quit_vlc":
            return self._quit_vlc()
        if kind == "put_file":
            return self._put_file(str(step["path"]), base64.b64decode(step["content"]))
        raise ValueError(f"unknown step {kind!r}")

    def _put_file(self, relative: str, content: bytes) -> dict[str, Any]:
        """Write a file into HOME, the desktop user's (OSWorld's postconfig ``download``). The
        episode's apps may have planted links by now: a path that resolves outside HOME is refused,
        and the file itself is never followed as a link (O_NOFOLLOW)."""
        assert self.home is not None
        home = self.home.resolve()
        path = (home / relative).resolve()
        if not path.is_relative_to(home) or path == home:
            raise ValueError(f"file {relative!r} is outside HOME")
        made = next((p for p in reversed(path.parents) if p.is_relative_to(home) and not p.exists()), None)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(content)
        self._own(made or path)
        return {"path": relative, "bytes": len(content)}

    def app_argv(self, argv: list[str]) -> list[str]:
        """An app's argv as it starts here: HOME's alias swapped for HOME, and LibreOffice or the
        browser given the episode's profile and their quiet-start options (GIMP its quiet-start options,
        VLC its own and an HTTP interface of its own)."""
        assert self.home is not None
        argv = [commands.swap_home(a, self.home_alias, self.home) for a in argv]
        if office.is_office(argv):
            return office.launch_argv(argv, self.home)
        if browser_app.is_browser(argv):
            return browser_app.launch_argv(argv, self.home)
        if gimp_app.is_gimp(argv):
            seeded = self.gimp_plugins.seed(self.home)
            if seeded is not None:
                self._own(seeded)
            return gimp_app.launch_argv(argv, self.home)
        if thunderbird_app.is_thunderbird(argv):
            return thunderbird_app.launch_argv(argv, self.home)
        if vlc_app.is_vlc(argv):
            argv, written = vlc_app.launch_argv(argv, self.home, Path(self.episode_env["XDG_RUNTIME_DIR"]))
            for path in written:
                self._own(path)
        if vscode_app.is_vscode(argv):
            argv, written = vscode_app.launch_argv(argv, self.home, Path(self.episode_env["XDG_RUNTIME_DIR"]))
            for path in written:
                self._own(path)
        return argv

    def print_page(self, url: str) -> tuple[dict[str, Any], bytes]:
        """``url`` (a page in HOME named under the task's HOME) printed to PDF for the judge by a
        headless Chromium of its own (`pdf_printer`): the PDF as the reply's blob, or an error."""
        assert self.home is not None
        url = commands.swap_home(url, self.home_alias, self.home)

        def start(argv: list[str], fds: dict[int, int]) -> subprocess.Popen[bytes]:
            quiet = subprocess.DEVNULL
            return self._popen(argv, self.env, self.base, fds, stdout=quiet, stderr=quiet)

        try:
            return {"printed": True}, pdf_printer.print_pdf(start, self._own, self.base / "tmp", url)
        except DevToolsError as exc:
            return {"printed": False, "error": f"could not print {url!r}: {exc}"}, b""

    def browser_tab_states(self, content: bool = False) -> list[dict[str, Any]] | None:
        """The tabs of the episode's browser for the judge (`browser_tabs.tab_states`; with each
        page's HTML when ``content``); None when no browser the episode launched answers."""
        try:
            return browser_tabs.newest(self.browser_pipes, lambda p: browser_tabs.tab_states(p, content))
        except DevToolsError:
            return None

    def start_app(self, argv: list[str], stdout: Any, stderr: Any) -> subprocess.Popen[bytes]:
        """Start an app (``argv`` as `app_argv` made it) in HOME with the episode's environment; a
        browser gets a DevTools pipe of the session's (`devtools_pipe`)."""
        assert self.home is not None
        if not browser_app.wants_pipe(argv):
            return self._popen(argv, self.episode_env, self.home, stdout=stdout, stderr=stderr)
        pipe = DevToolsPipe()
        try:
            app = self._popen(argv, self.episode_env, self.home, pipe.child_fds, stdout=stdout, stderr=stderr)
        except OSError:
            pipe.close()
            raise
        pipe.given_to_child()
        self.browser_pipes.append(pipe)
        return app

    def close_browser_pipes(self) -> None:
        for pipe in self.browser_pipes:
            pipe.close()
        self.browser_pipes = []

    def _wait_for_page(self, title: str) -> None:
        """Until the page just opened is in the accessibility tree (a few seconds at most: a page
        that never comes is the agent's to see, not a failed step)."""
        deadline = time.monotonic() + PAGE_TIMEOUT
        while time.monotonic() < deadline and not browser_app.page_shown(self.tree.snapshot(), title):
            time.sleep(0.1)

    def _quit_browser(self) -> dict[str, Any]:
        """End the episode's browser, as OSWorld's ``pkill chrome`` does before reading its profile,
        but so that it writes everything it holds: its windows are closed, as a user closes them
        (a SIGTERM lost a bookmark made a second before), then, with no window left, it is asked
        to quit over its DevTools pipe (`Browser.close`, the orderly exit of its menu's Exit: the
        pipe keeps a browser running without windows, so each quit used to wait the whole
        timeout). It is sent SIGTERM, then killed, only if it is still running after
        `browser_app.QUIT_TIMEOUT` (the result's ``terminated`` lists those). Only this episode's
        browser: pkill's reach is the desktop user's, which sessions share when not run by root
        (or under PALAESTRA_DESKTOP_USER)."""
        browsers = [
            a
            for a in self.apps
            if a.poll() is None and isinstance(a.args, list) and a.args[:1] == [browser_app.BINARY]
        ]
        self.stopped.update(a.pid for a in browsers)
        deadline = time.monotonic() + browser_app.QUIT_TIMEOUT
        asked = False
        while any(a.poll() is None for a in browsers) and time.monotonic() < deadline:
            window = window_ops.find(self.x, "chromium.Chromium", strict=True, by_class=True, timeout=0)
            if window is not None:
                window_ops.close(self.x, window)
            elif not asked:
                asked = True
                self._ask_browsers_to_quit()
            time.sleep(0.2)
        unquit = [a.pid for a in browsers if a.poll() is None]
        terminate(browsers, browser_app.QUIT_TIMEOUT)
        codes = [a.returncode for a in browsers]
        return {"quit": [a.pid for a in browsers], "codes": codes, "terminated": unquit}

    def _ask_browsers_to_quit(self) -> None:
        """``Browser.close`` to each browser the episode launched that still has its pipe (one that
        quit or handed its launch over answers with the end of its pipe, which is ignored)."""
        for pipe in self.browser_pipes:
            if not pipe.closed:
                with contextlib.suppress(DevToolsError):
                    pipe.call("Browser.close", timeout=2.0)

    def _quit_vlc(self) -> dict[str, Any]:
        """End the episode's VLC (OSWorld's ``pkill vlc``): SIGTERM, which VLC takes as Quit, then a
        kill if it is still running after `vlc_app.QUIT_TIMEOUT`. Only this episode's VLC."""
        players = [
            a for a in self.apps if a.poll() is None and isinstance(a.args, list) and vlc_app.is_vlc(a.args)
        ]
        self.stopped.update(a.pid for a in players)
        terminate(players, vlc_app.QUIT_TIMEOUT)
        return {"quit": [a.pid for a in players], "codes": [a.returncode for a in players]}

    def _launch(self, argv: list[str], log: Any) -> dict[str, Any]:
        assert self.home is not None
        argv = self.app_argv(argv)
        self.app_errs.append(self.base / f"app-{self.episode}-{len(self.apps)}.stderr")
        try:
            with self.app_errs[-1].open("wb") as err:
                self.apps.append(self.start_app(argv, log, err))
        except OSError as exc:
            self.app_errs.pop()
            return {"argv": argv, "error": str(exc)}
        return {"argv": argv, "pid": self.apps[-1].pid}

    def _window(self, step: dict[str, Any]) -> dict[str, Any]:
        name, strict, by_class = str(step["name"]), bool(step.get("strict")), bool(step.get("by_class"))
        window = window_ops.find(self.x, name, strict, by_class)
        if window is None:
            return {"name": name, "found": False}
        if step.get("action") == "close":
            self.closed_a_window = True
            window_ops.close(self.x, window)
            return {"name": name, "found": True}
        return {"name": name, "found": True, "active": window_ops.activate(self.x, window)}


def terminate(apps: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """SIGTERM to each app still running (apps take it as Quit, and save what they hold), then a
    kill for any still running ``timeout`` seconds later."""
    for app in apps:
        if app.poll() is None:
            app.send_signal(signal.SIGTERM)
    for app in apps:
        try:
            app.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                app.kill()
            app.wait()
