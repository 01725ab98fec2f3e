"""The desktop session process: one private X display with everything that runs on it.

`DesktopEnv` starts this file as a script (so that it imports neither Palaestra nor Playwright).
When it runs as root, everything it starts runs as the unprivileged desktop user (`--user`), while
it keeps root to read their accessibility buses (their configuration lets root in). It starts Xvfb, a session
D-Bus, openbox and the AT-SPI bus once, then, per episode, a fresh HOME and the task's apps. It is
the reaper of everything it starts: it registers as a child subreaper, so a daemon that forks away
from an app still ends up as its child; it kills every process of an episode when the episode
ends and every process of the session when it quits, or when its parent goes away (end of stdin).
Each child is also told to die with it (PR_SET_PDEATHSIG), so a killed session leaves no X server.

Requests and replies are frames of `protocol`; see `Session.handle` for the requests.
"""

from __future__ import annotations

import base64
import ctypes
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import contextlib

import atspi
import commands
import protocol
import xinput

PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER = 1, 36
_libc = ctypes.CDLL(None, use_errno=True)
#: Written into every fresh HOME: no blinking caret or animation, so that screenshots of the same
#: state are the same pixels and the screen settles as soon as the app has drawn.
GTK3_SETTINGS = "[Settings]\ngtk-cursor-blink = false\ngtk-enable-animations = false\n"
GTK2_SETTINGS = "gtk-cursor-blink = 0\n"
READY_TIMEOUT = 15.0
#: How much of the end of an app's stderr an `app_exited` failure quotes.
STDERR_TAIL = 1500
#: The session bus: Debian's session.conf, listening in our runtime folder, letting root in too.
SESSION_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:dir={runtime}</listen>
  <auth>EXTERNAL</auth>
  <standard_session_servicedirs/>
  <policy context="default">
    <allow user="root"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class SessionFailure(RuntimeError):
    """The display or the bus did not come up, or went away: the session cannot go on."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _read_line(stream: Any, timeout: float, what: str) -> str:
    """A line from a child's pipe within `timeout` seconds (a bounded readiness wait)."""
    ready, _, _ = select.select([stream], [], [], timeout)
    line = stream.readline().decode().strip() if ready else ""
    if not line:
        raise SessionFailure("display_crashed", f"{what} did not start within {timeout} s")
    return str(line)


class Session:
    def __init__(self, width: int, height: int, user: str = "") -> None:
        self.base = Path(tempfile.mkdtemp(prefix="palaestra-desktop-"))
        self.base.chmod(0o700)
        self.ids: tuple[int, int] | None = None
        if user:
            import pwd

            entry = pwd.getpwnam(user)
            self.ids = entry.pw_uid, entry.pw_gid
            os.chown(self.base, *self.ids)
        self.width, self.height = width, height
        self.episode = 0
        self.home: Path | None = None
        self.apps: list[subprocess.Popen[bytes]] = []
        #: Each app's stderr file, in the order of `apps`.
        self.app_errs: list[Path] = []
        self.infra: dict[str, subprocess.Popen[bytes]] = {}
        self.env: dict[str, str] = {}
        #: The current episode's environment, and the path its task's commands say for HOME.
        self.episode_env: dict[str, str] = {}
        self.home_alias = ""

    # -- start and stop --------------------------------------------------------------------

    def _popen(
        self, argv: list[str], env: dict[str, str], cwd: Path, **kwargs: Any
    ) -> subprocess.Popen[bytes]:
        """A child of the session, as the desktop user when there is one, told to die with us."""
        if self.ids is not None:
            kwargs.update(user=self.ids[0], group=self.ids[1], extra_groups=[])
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent, **kwargs
        )

    def _spawn(self, name: str, argv: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        self.infra[name] = proc = self._popen(argv, self.env, self.base, **kwargs)
        return proc

    def _own(self, path: Path) -> None:
        """Hand what we wrote over to the desktop user."""
        if self.ids is None:
            return
        os.chown(path, *self.ids)
        for parent, dirs, files in os.walk(path):
            for name in dirs + files:
                os.chown(os.path.join(parent, name), *self.ids, follow_symlinks=False)

    def start(self) -> dict[str, Any]:
        _libc.prctl(PR_SET_CHILD_SUBREAPER, 1)
        log = open(self.base / "session.log", "ab")  # noqa: SIM115  (kept open for the children)
        runtime = self.base / "runtime"
        runtime.mkdir(mode=0o700)
        (self.base / "session.conf").write_text(SESSION_CONF.format(runtime=runtime))
        self._own(runtime)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.base),
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_SESSION_TYPE": "x11",
            "GDK_BACKEND": "x11",
            "GTK_MODULES": "gail:atk-bridge",
            "GSETTINGS_BACKEND": "keyfile",
            "NO_AT_BRIDGE": "0",
            "SAL_USE_VCLPLUGIN": "gtk3",
            "SHELL": "/bin/bash",
        }
        xvfb = self._spawn(
            "xvfb",
            [
                "Xvfb",
                "-displayfd",
                "1",
                "-screen",
                "0",
                f"{self.width}x{self.height}x24",
                "-nolisten",
                "tcp",
                "-noreset",
                "+extension",
                "DAMAGE",
                "+extension",
                "XTEST",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        self.env["DISPLAY"] = f":{_read_line(xvfb.stdout, READY_TIMEOUT, 'Xvfb')}"
        bus = self._spawn(
            "dbus",
            ["dbus-daemon", f"--config-file={self.base / 'session.conf'}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        self.env["DBUS_SESSION_BUS_ADDRESS"] = _read_line(bus.stdout, READY_TIMEOUT, "dbus-daemon")
        self._spawn("openbox", ["openbox", "--sm-disable"], stdout=log, stderr=log)
        self.x = xinput.XSession(self.env["DISPLAY"])
        self.tree = atspi.AtspiReader(self.env["DBUS_SESSION_BUS_ADDRESS"])
        self.tree.applications()  # starts the registry daemon now rather than in the first episode
        self._wait(lambda: self.x.window_manager_ready(), "openbox")
        #: Everything running now is the session's own; anything newer belongs to an episode.
        self.infra_pids = {p.pid for p in psutil.Process().children(recursive=True)}
        return {"display": self.env["DISPLAY"], "base": str(self.base), "size": [self.width, self.height]}

    def _wait(self, ready: Any, what: str, timeout: float = READY_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            self.check_alive()
            if time.monotonic() > deadline:
                raise SessionFailure("app_not_ready", f"{what} was not ready within {timeout} s")
            time.sleep(0.01)

    def check_alive(self) -> None:
        for name, proc in self.infra.items():
            if proc.poll() is not None:
                kind = "display_crashed" if name in ("xvfb", "dbus") else f"{name}_crashed"
                raise SessionFailure(kind, f"{name} exited with status {proc.returncode}")

    def reap(self) -> None:
        """Collect every exited child (orphans come to us as the subreaper)."""
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for proc in [*self.apps, *self.infra.values()]:
                if proc.pid == pid and proc.returncode is None:
                    proc.returncode = -1

    def kill_episode(self) -> None:
        """Kill every process started since the session came up (the apps and their helpers)."""
        for _ in range(3):
            strays = [p for p in psutil.Process().children(recursive=True) if p.pid not in self.infra_pids]
            if not strays:
                break
            for proc in strays:
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            psutil.wait_procs(strays, timeout=2)
            self.reap()
        for app in self.apps:
            if app.returncode is None:
                app.wait()
        self.apps = []
        self.x.release_all()

    def stop(self) -> None:
        # A session whose start failed has no reader or X connection yet; one failing to close (its
        # bus or display gone with a killed daemon) must not keep the other open. Said on stderr,
        # which is the parent's: this script has no logging of its own.
        for name, part in (
            ("AT-SPI reader", getattr(self, "tree", None)),
            ("X connection", getattr(self, "x", None)),
        ):
            if part is None:
                continue
            try:
                part.close()
            except Exception as exc:  # any kind (Xlib's ConnectionClosedError is no OSError): the
                # processes below must be killed whatever a dead display or bus makes close() raise
                print(f"desktop session: closing the {name} failed: {exc!r}", file=sys.stderr, flush=True)
        procs = psutil.Process().children(recursive=True)
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        psutil.wait_procs(procs, timeout=5)
        self.reap()
        shutil.rmtree(self.base, ignore_errors=True)

    # -- episodes --------------------------------------------------------------------------

    def start_episode(self, request: dict[str, Any]) -> dict[str, Any]:
        self.kill_episode()
        if self.home is not None:
            shutil.rmtree(self.home, ignore_errors=True)
        self.episode += 1
        home = self.home = self.base / f"home-{self.episode}"
        (home / ".config" / "gtk-3.0").mkdir(parents=True, mode=0o700)
        (home / ".config" / "gtk-3.0" / "settings.ini").write_text(GTK3_SETTINGS)
        (home / ".gtkrc-2.0").write_text(GTK2_SETTINGS)
        for relative, content in request.get("files", {}).items():
            path = (home / relative).resolve()
            if not path.is_relative_to(home):
                raise ValueError(f"file {relative!r} is outside HOME")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(base64.b64decode(content))
        for relative in request.get("dirs", []):
            (home / relative).mkdir(parents=True, exist_ok=True)
        self._own(home)
        env = dict(
            self.env,
            HOME=str(home),
            XDG_CONFIG_HOME=str(home / ".config"),
            XDG_DATA_HOME=str(home / ".local/share"),
            XDG_CACHE_HOME=str(home / ".cache"),
        )
        self.episode_env, self.home_alias = env, str(request.get("home_alias", ""))
        with open(self.base / "apps.log", "ab") as log:
            ran = [self._command(argv, log) for argv in request.get("commands", [])]
            known = {bus for bus, _ in self.tree.applications()}
            self.app_errs = []
            for i, argv in enumerate(request.get("apps", [])):
                argv = [commands.swap_home(a, self.home_alias, home) for a in argv]
                # Each app's stderr in a file of its own, so that an app that exits at once is quoted.
                self.app_errs.append(self.base / f"app-{self.episode}-{i}.stderr")
                with self.app_errs[-1].open("wb") as err:
                    self.apps.append(self._popen(argv, env, home, stdout=log, stderr=err))
            if self.apps:
                self._wait(lambda: self._app_ready(known), f"{request['apps'][0][0]}")
            ran += [self._command(argv, log) for argv in request.get("after_apps", [])]
        time.sleep(min(float(request.get("delay", 0.0)), 30.0))
        waited = self.x.settle(request.get("quiet", 0.1), request.get("limit", 3.0))
        return {"home": str(home), "pids": [a.pid for a in self.apps], "settled": waited, "commands": ran}

    def _command(self, argv: list[str], log: Any = None, timeout: float = 30.0) -> dict[str, Any]:
        """Run one of the episode's commands in its HOME, as the desktop user, to its end."""
        assert self.home is not None
        home = self.home
        argv = [commands.swap_home(str(a), self.home_alias, home) for a in argv]

        def popen(args: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
            return self._popen(args, self.episode_env, home, **kwargs)

        try:
            result = commands.run(popen, argv, timeout, log)
        except OSError as exc:  # no such program: the command's failure, as a shell would say it
            result = {"returncode": 127, "stdout": "", "stderr": str(exc), "timed_out": False}
        return dict(result, argv=argv)

    def _app_ready(self, known: set[str]) -> bool:
        """Ready: a new application on the accessibility bus, and an active window on screen."""
        self.check_apps()
        fresh = [bus for bus, _ in self.tree.applications() if bus not in known]
        return bool(fresh) and any(w["active"] for w in self.x.windows())

    def check_apps(self) -> None:
        """While the apps start: one killed is `app_crashed`; one that exited before showing a
        window is `app_exited` at once, rather than after the whole readiness wait. An exit with
        status 0 is one only when nothing of the episode is left running: a launcher that forks
        the real app and exits 0 has started it."""
        for i, app in enumerate(self.apps):
            code = app.poll()
            if code is not None and code < 0:
                raise SessionFailure("app_crashed", f"{_name(app)} was killed by signal {-code}")
            if code is not None and (code != 0 or not self._episode_processes()):
                tail = _tail(self.app_errs[i]) if i < len(self.app_errs) else ""
                said = f"; its stderr ends with:\n{tail}" if tail else " and wrote nothing on stderr"
                raise SessionFailure(
                    "app_exited", f"{_name(app)} exited with status {code} before showing a window{said}"
                )

    def _episode_processes(self) -> list[psutil.Process]:
        """The processes started since the session came up (apps, their helpers) still running."""
        found = []
        for proc in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if proc.pid not in self.infra_pids and proc.status() != psutil.STATUS_ZOMBIE:
                    found.append(proc)
        return found

    def app_status(self) -> list[dict[str, Any]]:
        return [{"argv0": _name(a), "pid": a.pid, "returncode": a.poll()} for a in self.apps]

    # -- requests --------------------------------------------------------------------------

    def observe(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        reply: dict[str, Any] = {"windows": self.x.windows(), "pointer": list(self.x.pointer())}
        if request.get("tree", True):
            reply["nodes"] = [n.as_dict() for n in self.tree.snapshot()]
        shot = self.x.screenshot() if request.get("screenshot", True) else b""
        return reply, shot

    def act(self, request: dict[str, Any]) -> dict[str, Any]:
        error = ""
        for i, op in enumerate(request.get("ops", [])):
            if i:  # PyAutoGUI pauses after every call (pyautogui.PAUSE); apps such as galculator need it
                time.sleep(float(request.get("pause", 0.1)))
            try:
                self._input(op)
            except xinput.InputError as exc:
                error = str(exc)
                break
        waited = self.x.settle(request.get("quiet", 0.08), request.get("limit", 2.0))
        return {"error": error, "settled": waited}

    def _input(self, op: dict[str, Any]) -> None:
        kind, x = op["k"], self.x
        if "dx" in op:  # relative to where the pointer is (moveRel, dragRel)
            at = x.pointer()
            op = dict(op, x=at[0] + float(op["dx"]), y=at[1] + float(op["dy"]))
        if op.get("x") is not None and kind != "drag":
            x.move(op["x"], op["y"])
        if kind == "click":
            x.click(op.get("button", "left"), int(op.get("clicks", 1)))
        elif kind in ("mousedown", "mouseup"):
            x.button(op.get("button", "left"), kind == "mousedown")
        elif kind == "drag":
            x.drag(op["x"], op["y"], op.get("button", "left"), float(op.get("duration", 0.2)))
        elif kind == "scroll":
            x.scroll(int(op["clicks"]), bool(op.get("horizontal")))
        elif kind == "write":
            x.write(op["text"])
        elif kind == "press":
            for key in op["keys"]:
                x.press(key, int(op.get("presses", 1)))
        elif kind == "hotkey":
            x.hotkey(op["keys"])
        elif kind == "keydown":
            x.key_down(op["key"])
        elif kind == "keyup":
            x.key_up(op["key"])
        elif kind == "wait":
            time.sleep(min(float(op["seconds"]), 30.0))
        elif kind != "move":
            raise xinput.InputError(f"unknown input {kind!r}")

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
        if op == "status":
            return {"apps": self.app_status(), "infra": {k: p.pid for k, p in self.infra.items()}}, b""
        raise ValueError(f"unknown request {op!r}")


def _tail(path: Path) -> str:
    """The end of a log file, as text (empty when it cannot be read)."""
    try:
        with path.open("rb") as file:
            file.seek(max(0, path.stat().st_size - STDERR_TAIL))
            return file.read().decode(errors="replace").strip()
    except OSError:
        return ""


def _name(proc: subprocess.Popen[bytes]) -> str:
    return str(proc.args[0]) if isinstance(proc.args, list) else str(proc.args)


def main() -> None:
    width, height = (int(v) for v in sys.argv[1:3])
    user = sys.argv[3] if len(sys.argv) > 3 else ""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    session = Session(width, height, user)

    def reply(message: dict[str, Any], blob: bytes = b"") -> None:
        stdout.write(protocol.encode(message, blob))
        stdout.flush()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        try:
            reply(dict(session.start(), ok=True))
        except SessionFailure as exc:
            reply({"ok": False, "kind": exc.kind, "error": str(exc)})
            return
        except Exception:
            reply({"ok": False, "kind": "display_crashed", "error": traceback.format_exc(limit=4)})
            return
        while (frame := protocol.read_frame(stdin)) is not None:
            request, _ = frame
            if request.get("op") == "quit":
                break
            try:
                message, blob = session.handle(request)
                reply(dict(message, ok=True), blob)
            except Exception as exc:
                failure = exc if isinstance(exc, SessionFailure) else None
                try:  # an error from a dead display (the X connection broke) is the display's death
                    time.sleep(0.05)
                    session.reap()
                    session.check_alive()
                except SessionFailure as dead:
                    failure = dead
                if failure is not None:
                    reply({"ok": False, "kind": failure.kind, "error": str(failure)})
                    if failure.kind == "display_crashed":
                        break
                elif isinstance(exc, atspi.TreeError):
                    reply({"ok": False, "kind": "app_not_responding", "error": str(exc)})
                else:
                    reply({"ok": False, "kind": "environment_error", "error": traceback.format_exc(limit=4)})
    finally:
        session.stop()


if __name__ == "__main__":
    main()
