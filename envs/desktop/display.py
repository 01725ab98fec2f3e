"""The lasting part of a desktop session: its private X display and the processes that keep it up.

`Session` (in `session.py`) adds episodes and requests on top of this; what is here lives as long as
the session process. `Display.start` brings up Xvfb, a session D-Bus, openbox and the AT-SPI bus
once. The session process is the reaper of everything it starts: it registers as a child
subreaper, so a daemon that forks away from an app still ends up as its child, and each child is
told to die with it (PR_SET_PDEATHSIG), so a killed session leaves no X server. When it runs as
root, every child runs as the session's unprivileged user (`_popen`; `user_pool` leases one per
session). Only clients with the session's cookie (`xauth`) may connect to its display. Run as
root, it has a /tmp, /var/tmp and /dev/shm of its own from the moment Xvfb is up (`tmp_namespace`).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import atspi
import cgroup_setup
import cgroups
import psutil
import tmp_namespace
import user_pool
import xauth
import xinput
from child_setup import child_setup
from episode_resources import EpisodeResources

PR_SET_CHILD_SUBREAPER = 36
_libc = ctypes.CDLL(None, use_errno=True)
READY_TIMEOUT = 15.0
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


def _read_line(stream: Any, timeout: float, what: str) -> str:
    """A line from a child's pipe within `timeout` seconds (a bounded readiness wait)."""
    ready, _, _ = select.select([stream], [], [], timeout)
    line = stream.readline().decode().strip() if ready else ""
    if not line:
        raise SessionFailure("display_crashed", f"{what} did not start within {timeout} s")
    return str(line)


class Display:
    """The session's X display, bus and window manager, and the children it reaps."""

    def __init__(
        self,
        width: int,
        height: int,
        user: str = "",
        pooled: bool = False,
        limits: cgroups.Limits | None = None,
        isolated: bool = True,
    ) -> None:
        """``user``: whom the children run as (none: as ourselves); ``pooled``: whether it is this
        session's own (leased from `user_pool`), whose every process may be killed at the end;
        ``limits``: for the session's cgroup (`cgroups`), made by `start` when run by root;
        ``isolated``: False asks for neither a cgroup nor a private /tmp (``isolation="off"``)."""
        self.pooled, self.limits, self.isolated = pooled, limits or cgroups.Limits(), isolated
        #: The episode's figures; their cgroup, once `start` made one (`episode_resources`).
        self.usage = EpisodeResources(None)
        self.base = Path(tempfile.mkdtemp(prefix="palaestra-desktop-"))
        self.base.chmod(0o700)
        self.ids: tuple[int, int] | None = None
        if user:
            import pwd

            entry = pwd.getpwnam(user)
            self.ids = entry.pw_uid, entry.pw_gid
            os.chown(self.base, *self.ids)
        self.width, self.height = width, height
        #: The current episode's apps (`reap` marks those that exited; `Session` starts them).
        self.apps: list[subprocess.Popen[bytes]] = []
        self.infra: dict[str, subprocess.Popen[bytes]] = {}
        self.env: dict[str, str] = {}
        #: The session's own /tmp, /var/tmp and /dev/shm (`tmp_namespace`), once made; None: the host's.
        self.private_tmp: tmp_namespace.PrivateTmp | None = None

    # -- start and stop --------------------------------------------------------------------

    def _popen(
        self,
        argv: list[str],
        env: dict[str, str],
        cwd: Path,
        fds: dict[int, int] | None = None,
        **kwargs: Any,
    ) -> subprocess.Popen[bytes]:
        """A child of the session, in its cgroup and as the desktop user when there are ones, told
        to die with us (`child_setup`), in a (Unix) session of its own: `kill_scope` tells the
        episode's processes by their sessions.
        ``fds``: fds of ours the child gets at the numbers they are keyed by."""
        if fds:  # subprocess closes every fd but stdio after preparing: these must stay open
            kwargs["close_fds"] = False
        return subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            preexec_fn=child_setup(fds or {}, self.ids, self.usage.group),
            start_new_session=True,
            **kwargs,
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
        group, cgroup_state = (  # before the first child
            cgroup_setup.session_cgroup(self.limits) if self.isolated else (None, {"cgroup": "none"})
        )
        self.usage = EpisodeResources(group)
        log = open(self.base / "session.log", "ab")  # noqa: SIM115  (kept open for the children)
        runtime, temp, cookie = self.base / "runtime", self.base / "tmp", self.base / "xauthority"
        runtime.mkdir(mode=0o700)
        temp.mkdir(mode=0o700)
        (self.base / "session.conf").write_text(SESSION_CONF.format(runtime=runtime))
        self._own(runtime)
        self._own(temp)
        xauth.write_cookie(cookie, self.ids)
        os.environ["XAUTHORITY"] = str(cookie)  # our own connections to the display (Xlib, mss)
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.base),
            "XDG_RUNTIME_DIR": str(runtime),
            "XAUTHORITY": str(cookie),
            "TMPDIR": str(temp),
            "XDG_SESSION_TYPE": "x11",
            "GDK_BACKEND": "x11",
            "GTK_MODULES": "gail:atk-bridge",
            "GSETTINGS_BACKEND": "keyfile",
            "NO_AT_BRIDGE": "0",
            # Chromium joins the accessibility bus only when told an assistive technology runs.
            "ACCESSIBILITY_ENABLED": "1",
            # Thunderbird (Gecko) too: it asks the bus whether one runs unless this says so.
            "GNOME_ACCESSIBILITY": "1",
            "SAL_USE_VCLPLUGIN": "gtk3",
            # Qt 5 apps (VLC) join it only when told to, as Chromium does.
            "QT_LINUX_ACCESSIBILITY_ALWAYS_ON": "1",
            "QT_ACCESSIBILITY": "1",
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
                "-auth",
                str(cookie),
                "+extension",
                "DAMAGE",
                "+extension",
                "XTEST",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
        )
        self.env["DISPLAY"] = f":{_read_line(xvfb.stdout, READY_TIMEOUT, 'Xvfb')}"
        # After Xvfb (its display number and socket are the host's), before all that uses /tmp.
        self.private_tmp, tmp_state = None, {"tmp": "shared"}
        if self.isolated:
            self.private_tmp, tmp_state = tmp_namespace.session_tmp(self.base, self.env["DISPLAY"])
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
        if self.private_tmp is not None:  # and what they put in /tmp: kept across episodes
            self.private_tmp.keep_current()
        # The pid: root on the host reaches the session's own network through it (`net_namespace`).
        return {
            "display": self.env["DISPLAY"],
            "base": str(self.base),
            "size": [self.width, self.height],
            "pid": os.getpid(),
            **tmp_state,
            **cgroup_state,
        }

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
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            for proc in [*self.apps, *self.infra.values()]:
                if proc.pid == pid and proc.returncode is None:
                    # Its own status, as Popen would have said it (-1 read as "killed by SIGHUP"
                    # an app that exited 0: a browser launch handing over to the running one).
                    proc.returncode = os.waitstatus_to_exitcode(status)

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
        if self.pooled and self.ids is not None:  # anything of ours that left the process tree
            user_pool.kill_leftovers(self.ids[0])
        self.usage.close()
        if self.private_tmp is not None:  # inside, the folder's path is a mount point
            self.private_tmp.remove_session_folder(self.base)
        else:
            shutil.rmtree(self.base, ignore_errors=True)
