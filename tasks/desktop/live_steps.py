"""Steps a task asks to be done on the live desktop of an episode: after its apps are up (setup steps
that must come in order with them), or once at the end of the episode, before its final verdict
(OSWorld's ``postconfig``: bring the editor to the front, press ctrl+s, wait, close it).

They are declarations, not code: the environment sends them to its desktop session
(`palaestra.envs.desktop.session_steps`), which runs each as the desktop user on the episode's
display. `wire` gives the session's form of one.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal


@dataclass(frozen=True)
class RunCommand:
    """A command (argv) run to its end in HOME, on the episode's display. ``python``/``python3``
    are the environment's own Python there, whose ``pyautogui`` drives the display through XTEST."""

    argv: tuple[str, ...]
    #: The name its standard output is kept under for the judge ("" for none): OSWorld's
    #: ``"stdout": NAME`` of a postconfig command, which its ``cache_file`` getter reads back.
    keep_output: str = ""


@dataclass(frozen=True)
class LaunchApp:
    """An app started and left running (not waited for: a `Pause` after it gives it time)."""

    argv: tuple[str, ...]


@dataclass(frozen=True)
class WindowStep:
    """Bring a window to the front (``activate``) or ask it to close (``close``), found by its title
    or, with ``by_class``, by its WM_CLASS ("instance.Class"): a substring, ignoring case, or the
    whole string, case and all, when ``strict`` (as wmctrl's ``-a``/``-c``, ``-F``, ``-x`` do)."""

    action: Literal["activate", "close"]
    name: str
    strict: bool = False
    by_class: bool = False


@dataclass(frozen=True)
class BrowserTabs:
    """Open each URL in a new tab of the episode's browser (``open``, OSWorld's
    ``chrome_open_tabs``), or close the tabs showing them (``close``, ``chrome_close_tabs``),
    through its DevTools pipe, which the session holds."""

    action: Literal["open", "close"]
    urls: tuple[str, ...]


@dataclass(frozen=True)
class QuitBrowser:
    """End the episode's browser as ``pkill chrome`` would (it writes its profile as it exits):
    OSWorld's postconfig does so before reading the profile's files."""


@dataclass(frozen=True)
class QuitVlc:
    """End the episode's VLC as ``pkill vlc`` would (SIGTERM: VLC quits as from its menu): OSWorld's
    postconfig does so, then starts it again, before reading its settings."""


@dataclass(frozen=True)
class PutFile:
    """Copy a local file into HOME (at ``target``, relative to it) on the live desktop: OSWorld's
    postconfig ``download`` of a checking script, found in its cache (the file is read when the
    step is sent, not when the task is loaded)."""

    target: str
    source: Path


@dataclass(frozen=True)
class Pause:
    seconds: float


LiveStep = RunCommand | LaunchApp | WindowStep | BrowserTabs | QuitBrowser | QuitVlc | PutFile | Pause


def acts(step: LiveStep) -> bool:
    """Whether the step changes the desktop (a pause does not)."""
    return not isinstance(step, Pause)


def programs(steps: tuple[LiveStep, ...]) -> set[str]:
    """The programs the steps start (for the check that they are installed)."""
    return {s.argv[0] for s in steps if isinstance(s, RunCommand | LaunchApp) and s.argv}


def wire(step: LiveStep) -> dict[str, Any]:
    """The session's form of a step (`protocol`'s JSON)."""
    if isinstance(step, RunCommand):
        return {"do": "run", "argv": list(step.argv), "keep": bool(step.keep_output)}
    if isinstance(step, LaunchApp):
        return {"do": "launch", "argv": list(step.argv)}
    if isinstance(step, BrowserTabs):
        return {"do": "tabs", "action": step.action, "urls": list(step.urls)}
    if isinstance(step, QuitBrowser):
        return {"do": "quit_browser"}
    if isinstance(step, QuitVlc):
        return {"do": "quit_vlc"}
    if isinstance(step, PutFile):
        content = base64.b64encode(step.source.read_bytes()).decode("ascii")
        return {"do": "put_file", "path": step.target, "content": content}
    if isinstance(step, WindowStep):
        return {
            "do": "window",
            "action": step.action,
            "name": step.name,
            "strict": step.strict,
            "by_class": step.by_class,
        }
    return {"do": "sleep", "seconds": step.seconds}
