"""Watching the episode's apps while they start and run, in the desktop session process: when an
app counts as ready for the agent, and when its exit is a failure of the episode (``app_crashed``,
``app_exited``) rather than one a step or the task's final steps asked for.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path
from typing import Any

import atspi
import browser_app
import evince_app
import gimp_app
import mousepad_app
import office
import psutil
import thunderbird_app
import vlc_app
import vscode_app
from display import SessionFailure

#: How much of the end of an app's stderr an `app_exited` failure quotes.
STDERR_TAIL = 1500


def waits_for(apps: list[list[str]]) -> dict[str, Any]:
    """What `AppWatch._app_ready` waits for, by the argvs of the episode's apps (before `app_argv`)."""
    gimps = [argv for argv in apps if gimp_app.is_gimp(argv)]
    vlcs = [argv for argv in apps if vlc_app.is_vlc(argv)]
    codes = [argv for argv in apps if vscode_app.is_vscode(argv)]
    evinces = [argv for argv in apps if evince_app.is_evince(argv)]
    # Beside other apps, the editor waits for its window too (see `mousepad_app`).
    editors = [argv for argv in apps if len(apps) > 1 and mousepad_app.is_mousepad(argv)]
    return {
        "with_office": any(office.is_office(argv) for argv in apps),
        "with_browser": any(browser_app.is_browser(argv) for argv in apps),
        "with_gimp": None if not gimps else any(gimp_app.opens_a_file(argv) for argv in gimps),
        "with_vlc": None if not vlcs else any(vlc_app.opens_a_file(argv) for argv in vlcs),
        "with_thunderbird": any(thunderbird_app.is_thunderbird(argv) for argv in apps),
        "with_vscode": None if not codes else any(vscode_app.opens_a_file(argv) for argv in codes),
        "pdfs": None if not evinces else [name for argv in evinces for name in evince_app.documents(argv)],
        "texts": None if not editors else [name for argv in editors for name in mousepad_app.documents(argv)],
    }


def ready_timeout(apps: list[list[str]], default: float) -> float:
    """How long the episode's apps get to become ready (`AppWatch._app_ready`): ``default``, or
    VS Code's longer bound when it is among them (`vscode_app.READY_TIMEOUT`)."""
    return max([default, *(vscode_app.READY_TIMEOUT for argv in apps if vscode_app.is_vscode(argv))])


class AppWatch:
    """Mixed into `Session`: the state it reads is the session's (see `Session.__init__`)."""

    x: Any
    tree: Any
    apps: list[subprocess.Popen[bytes]]
    app_errs: list[Path]
    infra_pids: set[int]
    #: The apps a step ended on purpose, whether a step closed a window, and whether the task's
    #: final steps have begun: exits then asked for.
    stopped: set[int]
    closed_a_window: bool
    winding_down: bool

    def _app_ready(
        self,
        known: set[str],
        with_office: bool = False,
        with_browser: bool = False,
        with_gimp: bool | None = None,
        with_vlc: bool | None = None,
        with_thunderbird: bool = False,
        with_vscode: bool | None = None,
        pdfs: list[str] | None = None,
        texts: list[str] | None = None,
    ) -> bool:
        """Ready: a new application on the accessibility bus, and an active window on screen (with
        LibreOffice, its document's window: keys sent to the blank one it shows first are lost;
        with the browser, its own window; with GIMP (``with_gimp``: whether it opens a file), its
        window showing the picture; with VLC (``with_vlc`` likewise), its window playing the file
        (active when it is the episode's only app); with Thunderbird, its main window with its
        folder tree; with VS Code (``with_vscode`` likewise), its workbench loaded, with the file's
        editor; with Evince (``pdfs``: the names of the documents it opens), a window titled after
        each, active or not: an app started after it may be in front; likewise with Mousepad
        beside other apps (``texts``: the files it opens)).

        An app that leaves the tree's calls unanswered while it starts (`atspi.TreeError`: Impress
        building its first slides, at two busy loops on 2 cores) is not ready yet rather than a
        failed reset: the readiness wait's own bound ends one that never answers (`app_not_ready`)."""
        self.check_apps()
        try:
            return self._ready_now(
                known,
                with_office,
                with_browser,
                with_gimp,
                with_vlc,
                with_thunderbird,
                with_vscode,
                pdfs,
                texts,
            )
        except atspi.TreeError:
            return False

    def _ready_now(
        self,
        known: set[str],
        with_office: bool,
        with_browser: bool,
        with_gimp: bool | None,
        with_vlc: bool | None,
        with_thunderbird: bool,
        with_vscode: bool | None,
        pdfs: list[str] | None,
        texts: list[str] | None,
    ) -> bool:
        """`_app_ready`'s look at the screen and the tree, once."""
        fresh = [bus for bus, _ in self.tree.applications() if bus not in known]
        windows = self.x.windows() if fresh else []
        ready = any(w["active"] for w in windows)
        if ready and with_browser:
            ready = browser_app.ready(windows, self.tree.snapshot)
        if ready and with_gimp is not None:
            ready = gimp_app.ready(windows, with_gimp)
        if ready and with_vlc is not None:
            ready = vlc_app.ready(windows, with_vlc, active=len(self.apps) == 1)
        if ready and with_thunderbird:
            ready = thunderbird_app.ready(windows, self.tree.snapshot)
        if ready and with_vscode is not None:
            ready = vscode_app.ready(windows, self.tree.snapshot, with_vscode)
        if ready and pdfs is not None:
            ready = evince_app.ready(windows, pdfs)
        if ready and texts is not None:
            ready = mousepad_app.ready(windows, texts)
        return ready and (not with_office or office.ready(windows, self.tree))

    def check_apps(self) -> None:
        """While the apps start: one killed is `app_crashed`; one that exited before showing a
        window is `app_exited` at once, rather than after the whole readiness wait. An exit with
        status 0 is one only when nothing of the episode is left running: a launcher that forks
        the real app and exits 0 has started it, an app a step closed (close_window) ended as
        asked, and so did one that exits 0 in the task's final steps (OSWorld's postconfig quits
        GIMP with Ctrl+Q so that it writes its settings)."""
        for i, app in enumerate(self.apps):
            code = app.poll()
            if app.pid in self.stopped or (code == 0 and self.winding_down):  # a step ended it
                continue
            if code is not None and code < 0:
                raise SessionFailure("app_crashed", f"{_name(app)} was killed by signal {-code}")
            if code is not None and (code != 0 or not (self.closed_a_window or self._episode_processes())):
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

    def _episode_sessions(self) -> set[int]:
        """The session IDs of the episode's processes (each app and command starts one of its own)."""
        found = set()
        for proc in self._episode_processes():
            with contextlib.suppress(OSError):
                found.add(os.getsid(proc.pid))
        return found

    def app_status(self) -> list[dict[str, Any]]:
        return [{"argv0": _name(a), "pid": a.pid, "returncode": a.poll()} for a in self.apps]


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
