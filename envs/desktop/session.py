"""The desktop session process: one private X display with everything that runs on it.

`DesktopEnv` starts this file as a script (so that it imports neither Palaestra nor Playwright).
When it runs as root, everything it starts runs as an unprivileged user of its own, leased from a
pool for its lifetime (`user_pool`; or one named by PALAESTRA_DESKTOP_USER, then shared), while it
keeps root to read their accessibility buses (their configuration lets root in). It starts Xvfb, a
session D-Bus, openbox and the AT-SPI bus once (`display.py`), then, per episode, a fresh HOME and
the task's apps (here). It is the reaper of everything it starts (see `display.py`): it kills
every process of an episode when the episode ends and every process of the session when it
quits, or when its parent goes away (end of stdin). Observing and acting are in `observe_act.py`,
a task's live steps (window steps, commands and apps in order, OSWorld's postconfig) in
`session_steps.py`.

Requests and replies are frames of `protocol`; see `Session.handle` for the requests, and
`session_main.py` for the process's start and its request loop.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import cgroups
import commands
import gimp_app
import host_relay
import kill_scope
import office
import parking
import sheet_cells
import terminal_key
import thunderbird_app
import user_pool
from app_watch import AppWatch, ready_timeout, waits_for
from devtools_pipe import DevToolsPipe
from display import READY_TIMEOUT, Display
from observe_act import ObserveAct
from session_steps import SessionSteps

#: Written into every fresh HOME: no blinking caret or animation, so that screenshots of the same
#: state are the same pixels and the screen settles as soon as the app has drawn.
GTK3_SETTINGS = "[Settings]\ngtk-cursor-blink = false\ngtk-enable-animations = false\n"
GTK2_SETTINGS = "gtk-cursor-blink = 0\n"
#: pcmanfm with no status bar: it shows the free space of the machine's disk, which other programs
#: change, so that the same episode's observations differed (and its item count is in the view).
PCMANFM_SETTINGS = "[ui]\nshow_statusbar=0\n"


class Session(Display, ObserveAct, SessionSteps, AppWatch):
    """The display, plus the episodes on it and the requests `DesktopEnv` sends."""

    #: Set by `Display`; said again for mypy, which sees the script's sibling modules as untyped.
    apps: list[subprocess.Popen[bytes]]

    def __init__(
        self,
        width: int,
        height: int,
        user: str = "",
        pooled: bool = False,
        host_net: int | None = None,
        limits: cgroups.Limits | None = None,
        isolated: bool = True,
    ) -> None:
        """``host_net``: an fd of the host's network namespace when the session has one of its own
        (`net_namespace.isolate`), for the episode's forwarded host ports; None when it shares the host's."""
        super().__init__(width, height, user, pooled, limits, isolated)
        self.host_net = host_net
        self.relay: host_relay.HostRelay | None = None
        self.episode = 0
        self.home: Path | None = None
        #: Each app's stderr file, in the order of `apps`.
        self.app_errs: list[Path] = []
        #: The current episode's environment, and the path its task's commands say for HOME.
        self.episode_env: dict[str, str] = {}
        #: The environment of the episode's commands (`commands.command_env`: python, pyautogui).
        self.command_env: dict[str, str] = {}
        self.home_alias = ""
        #: Whether a step of this episode closed a window: its app's exit is then no failure.
        self.closed_a_window = False
        #: Whether the episode's final steps have begun (an app's exit with status 0 is then asked for).
        self.winding_down = False
        self.stopped: set[int] = set()
        self.browser_pipes: list[DevToolsPipe] = []
        #: The spreadsheet cell objects already made (`sheet_cells`: LibreOffice never frees them).
        self.cell_paths = sheet_cells.CellPaths()
        #: Ctrl+Alt+T's keycode once grabbed (`terminal_key`), and the terminals it started.
        self.terminal_code: int | None = None
        self.terminals: list[subprocess.Popen[bytes]] = []
        #: What GIMP's plug-ins register, read in the first episode that started it (`gimp_app`).
        self.gimp_plugins = gimp_app.PluginCache()

    def kill_episode(self) -> None:
        """Kill every process started since the session came up (the apps and their helpers)."""
        user_pool.kill_until_gone(
            lambda: [p for p in psutil.Process().children(recursive=True) if p.pid not in self.infra_pids],
            self.reap,
        )
        for app in self.apps:
            if app.returncode is None:
                app.wait()
        self.apps = []
        if self.relay is not None:
            self.relay.close()
            self.relay = None
        self.close_browser_pipes()
        self.x.release_all()
        self.terminals = []

    # -- episodes --------------------------------------------------------------------------

    def start_episode(self, request: dict[str, Any]) -> dict[str, Any]:
        self.kill_episode()
        if self.private_tmp is not None:  # the last episode's /tmp files are not this one's
            self.private_tmp.clear()
        self.usage.new_episode(self.infra_pids)  # from zero: the last episode's processes are gone
        if self.episode == 0:
            self.terminal_code = terminal_key.grab(self.x)
        self.x.take_grabbed_presses()  # pressed by the last episode's final steps: not this one's
        parking.park_pointer(self.x)  # off the apps before they start, and again below (`parking`)
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        self.episode += 1
        self.closed_a_window, self.stopped, self.winding_down = False, set(), False
        # The same path every episode (the last one's apps are dead and its HOME gone): apps show it
        # (a file manager's location bar), and a seed's first observation must repeat exactly.
        home = self.home = self.base / "home"
        home.mkdir(mode=0o700)  # the session's user's alone (so is the session's folder around it)
        (home / ".config" / "gtk-3.0").mkdir(parents=True, mode=0o700)
        (home / ".config" / "gtk-3.0" / "settings.ini").write_text(GTK3_SETTINGS)
        (home / ".gtkrc-2.0").write_text(GTK2_SETTINGS)
        (home / ".config" / "pcmanfm" / "default").mkdir(parents=True)
        (home / ".config" / "pcmanfm" / "default" / "pcmanfm.conf").write_text(PCMANFM_SETTINGS)
        for relative, content in request.get("files", {}).items():
            path = (home / relative).resolve()
            if not path.is_relative_to(home):
                raise ValueError(f"file {relative!r} is outside HOME")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(content))
        for relative in request.get("dirs", []):
            (home / relative).mkdir(parents=True, exist_ok=True)
        with_office = any(office.is_office(argv) for argv in request.get("apps", []))
        if with_office:
            office.seed_profile(home)
        with_thunderbird = any(thunderbird_app.is_thunderbird(argv) for argv in request.get("apps", []))
        if with_thunderbird and "thunderbird" not in request.get("own_profiles", []):
            thunderbird_app.seed_profile(home)
        self._own(home)
        env = dict(
            self.env,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
        self.episode_env, self.home_alias = env, str(request.get("home_alias", ""))
        self.command_env = commands.command_env(env, self.base)
        ports = [int(p) for p in request.get("host_ports", [])]
        if ports and self.host_net is not None:  # before the commands: a task server's port is taken
            self.relay = host_relay.HostRelay(self.host_net, ports)
        with open(self.base / "apps.log", "ab") as log:
            ran = [self._command(argv, log) for argv in request.get("commands", [])]
            known = {bus for bus, _ in self.tree.applications()}
            self.app_errs = []
            waits = waits_for(request.get("apps", []))
            for i, argv in enumerate(request.get("apps", [])):
                argv = self.app_argv(argv)
                # Each app's stderr in a file of its own, so that an app that exits at once is quoted.
                self.app_errs.append(self.base / f"app-{self.episode}-{i}.stderr")
                with self.app_errs[-1].open("wb") as err:
                    self.apps.append(self.start_app(argv, log, err))
            if self.apps:
                timeout = ready_timeout(request["apps"], READY_TIMEOUT)
                self._wait(lambda: self._app_ready(known, **waits), request["apps"][0][0], timeout)
            ran += [self._command(argv, log) for argv in request.get("after_apps", [])]
            ran += [r for r in self.run_steps(request.get("steps", []), log) if r["do"] == "run"]
        self.gimp_plugins.keep(home)  # before the agent's first action (`gimp_app.PluginCache`)
        time.sleep(min(float(request.get("delay", 0.0)), 30.0))
        parking.park_pointer(self.x)
        waited = self.x.settle(request.get("quiet", 0.1), request.get("limit", 3.0))
        return {"home": str(home), "pids": [a.pid for a in self.apps], "settled": waited, "commands": ran}

    def _command(self, argv: list[str], log: Any = None, timeout: float = 30.0) -> dict[str, Any]:
        """Run one of the episode's commands in its HOME, as the desktop user, to its end."""
        assert self.home is not None
        home = self.home
        argv = [commands.swap_home(str(a), self.home_alias, home) for a in argv]
        argv = [commands.fill_screen(a, self.width, self.height) for a in argv]

        def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
            return self._popen(args, self.command_env, home, **kwargs)

        def run(args: list[str]) -> dict[str, Any]:
            try:
                return commands.run(popen, args, timeout, log, while_running=self.after_input)
            except OSError as exc:  # no such program: the command's failure, as a shell would say it
                return {"returncode": 127, "stdout": "", "stderr": str(exc), "timed_out": False}

        if kill_scope.is_kill(argv) and not self.pooled:  # a shared user: kept to this episode
            return dict(kill_scope.run_scoped(run, argv, self._episode_sessions()), argv=argv)
        return dict(run(argv), argv=argv)

    def after_input(self) -> None:
        """Ctrl+Alt+T pressed by the op just sent (`terminal_key`): the terminal opens before the
        next op, so that a script's ``hotkey('ctrl', 'alt', 't')`` then ``write(...)`` types into it."""
        if self.home is not None and terminal_key.asked(self.x, self.terminal_code):
            self.open_terminal()

    def open_terminal(self) -> bool:
        """A terminal in HOME, started as the episode's commands are; whether its window came."""
        assert self.home is not None
        before = {w["id"] for w in self.x.windows()}
        with open(self.base / "apps.log", "ab") as log:
            argv = list(terminal_key.TERMINAL)
            self.terminals.append(self._popen(argv, self.episode_env, self.home, stdout=log, stderr=log))
        shown = terminal_key.wait_for_new_window(self.x, before)
        self.x.settle(0.08, 2.0)
        return shown

    # -- requests --------------------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        op = request.get("op")
        self.reap()
        self.check_alive()
        if op == "episode":
            return self.start_episode(request), b""
        if op == "end_episode":
            self.kill_episode()
            return {}, b""
        self.check_apps()
        if op == "observe":
            reply, blob = self.observe(request)
            reply["apps"] = self.app_status()
            reply["resources"] = self.usage.figures()
            return reply, blob
        if op == "act":
            reply = self.act(request)
            self.reap()
            self.check_apps()  # an app that the action crashed
            return dict(reply, apps=self.app_status()), b""
        if op == "run":
            if self.home is None:
                raise ValueError("run before any episode")
            return self._command(list(request["argv"]), timeout=float(request.get("timeout", 30.0))), b""
        if op == "steps":  # the task's final steps, before its verdict: they may quit apps
            if self.home is None:
                raise ValueError("steps before any episode")
            self.winding_down = True
            with open(self.base / "apps.log", "ab") as log:
                ran = self.run_steps(list(request["steps"]), log)
            waited = self.x.settle(request.get("quiet", 0.1), request.get("limit", 3.0))
            return {"steps": ran, "settled": waited, "apps": self.app_status()}, b""
        if op == "browser_tabs":  # for the judge: the browser's DevTools are the session's alone
            return {"tabs": self.browser_tab_states(bool(request.get("content")))}, b""
        if op == "print_pdf":  # for the judge's pdf_from_url: a page printed without a window
            if self.home is None:
                raise ValueError("print_pdf before any episode")
            return self.print_page(str(request["url"]))
        if op == "status":
            return {"apps": self.app_status(), "infra": {k: p.pid for k, p in self.infra.items()}}, b""
        raise ValueError(f"unknown request {op!r}")


if __name__ == "__main__":
    import session_main

    session_main.main(Session)
