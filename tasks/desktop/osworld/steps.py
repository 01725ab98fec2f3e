"""OSWorld's setup steps (a task's ``config``) as a `DesktopSetup`: files copied into the fresh
HOME, commands run in it, apps launched and a pause, in the order the episode needs them; and its
``evaluator.postconfig`` as the live steps run before the verdict at the end (`plan_postconfig`).

Supported: ``download`` (local files only; config only; OSWorld's Thunderbird profile archive is
refused with `LocalProfileError`, which says how a task names the profile built here), ``launch``
(an app of this desktop; ``google-chrome`` starts Chromium, see `browser_steps` for the browser's
steps and helpers), ``chrome_open_tabs``/``chrome_close_tabs`` (loopback and file:// URLs only),
``update_browse_history`` (the browser's History, written before it starts: `browse_history`),
``open`` (a file, with the app its type calls for), ``execute``/``command`` (a command in HOME, as
the desktop user, where ``python`` is the environment's own with a pyautogui for this display;
in config, before the apps when it comes before every launch, else in order once the first app is
up), ``activate_window``/``close_window`` (``window_name``, ``strict``, ``by_class``, as wmctrl
matches them) and ``sleep``; ``pkill vlc`` ends the episode's VLC (`QuitVlc`). Everything else is
refused when the file is loaded, by `UnsupportedStepError`.
"""

from __future__ import annotations

import posixpath
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from palaestra.tasks.desktop.live_steps import (
    LaunchApp,
    LiveStep,
    Pause,
    PutFile,
    QuitVlc,
    RunCommand,
    WindowStep,
)
from palaestra.tasks.desktop.osworld import browser_steps
from palaestra.tasks.desktop.osworld.apps import check_app, open_argv
from palaestra.tasks.desktop.osworld.browse_history import Visit, visits
from palaestra.tasks.desktop.osworld.cache import TaskCache
from palaestra.tasks.desktop.osworld.downloads import brings_thunderbird_profile, downloads
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedStepError
from palaestra.tasks.desktop.osworld.installs import already_installed
from palaestra.tasks.desktop.osworld.paths import home_relative

SUPPORTED = (
    *("activate_window", "chrome_close_tabs", "chrome_open_tabs", "close_window", "command", "download"),
    *("execute", "launch", "open", "sleep", "update_browse_history"),
)
#: What a postconfig may hold: it acts on the live desktop; a ``download`` there (a checking
#: script) is copied in from OSWorld's cache, so only with one (`plan_postconfig`).
POSTCONFIG = tuple(k for k in SUPPORTED if k not in ("download", "update_browse_history"))
#: The parameters of the window steps (OSWorld's, as its VM server reads them).
WINDOW_PARAMS = ("window_name", "strict", "by_class")
#: The parameters each step takes, as OSWorld's setup controller names them (its ``_<type>_setup``
#: functions, called with the step's parameters as keywords: another name stops its setup with a
#: TypeError). ``update_browse_history`` takes any.
_EXECUTE_PARAMS = ("command", "shell", "stdout", "stderr", "until")
STEP_PARAMS: dict[str, tuple[str, ...]] = {
    "download": ("files",),
    "open": ("path",),
    "launch": ("command", "shell"),
    "execute": _EXECUTE_PARAMS,
    "command": _EXECUTE_PARAMS,
    "sleep": ("seconds",),
    "activate_window": WINDOW_PARAMS,
    "close_window": WINDOW_PARAMS,
    "chrome_open_tabs": ("urls_to_open",),
    "chrome_close_tabs": ("urls_to_close",),
}
#: OSWorld step types that exist but cannot run here, and why.
REFUSED = {
    "update_browse_history": "after the setup the browser runs, and would lose entries written behind its "
    "back; write them in the config, before the browser starts",
    "login": "it signs in to a web site over the internet",
    "googledrive": "it needs Google Drive, over the internet",
    "proxy": "it sets up an internet proxy",
    "execute_with_verification": "it polls the VM's own server, which this desktop does not run",
    "upload_file": "it copies from the host into a VM; use download with a local file",
}
#: Variables a shell line that starts an app may set before it, dropped here: they only quiet its log
#: (OSWorld starts VLC as ``VLC_VERBOSE=-1 vlc ...``; its log goes to a file here anyway).
QUIET_VARIABLES = frozenset({"VLC_VERBOSE"})
#: The longest pause the steps may add up to (seconds): sleeps longer than that only waste time.
MAX_DELAY = 10.0


@dataclass
class SetupPlan:
    """What the steps come to: files (HOME-relative path -> local source), commands, apps, a pause."""

    files: dict[str, Path] = field(default_factory=dict)
    apps: list[tuple[str, ...]] = field(default_factory=list)
    commands: list[tuple[str, ...]] = field(default_factory=list)
    #: Commands and window steps after the first app is up, in the file's order.
    after_apps: list[LiveStep] = field(default_factory=list)
    delay: float = 0.0
    #: Apps whose profile the task brings itself (OSWorld's Thunderbird archive, from its cache): the
    #: episode writes none for them.
    own_profiles: set[str] = field(default_factory=set)
    #: The task's ``related_apps``: which app opens a spreadsheet depends on them (`open_argv`).
    related: tuple[str, ...] = ()
    #: The browser's history as ``update_browse_history`` sets it (`browse_history`), written into
    #: the profile as each episode starts; None when the task sets none.
    history: tuple[Visit, ...] | None = None


def flag(value: object) -> bool:
    """A JSON flag; OSWorld's files also write them as strings ("true")."""
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def as_argv(command: object, shell: object, source: str, where: str) -> tuple[str, ...]:
    """A step's ``command`` (a string or a list, run by a shell or not) as an argv list."""
    shell = flag(shell)
    if isinstance(command, str) and command.strip():
        return ("bash", "-c", command) if shell else tuple(shlex.split(command))
    if isinstance(command, list) and command and all(isinstance(a, str | int | float) for a in command):
        words = [str(a) for a in command]
        return ("bash", "-c", " ".join(words)) if shell else tuple(words)
    raise OSWorldTaskError(source, where, f"`command` must be a string or a list of strings, got {command!r}")


def _steps(steps: object, at: str, source: str, supported: tuple[str, ...], what: str) -> list[Any]:
    """Each step of a list as (kind, parameters, where); typed errors for a malformed or unknown one."""
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        raise OSWorldTaskError(source, at, f"must be a list of steps, got {type(steps).__name__}")
    found = []
    for i, step in enumerate(steps):
        where = f"{at}[{i}]"
        if not isinstance(step, dict) or not isinstance(step.get("type"), str):
            raise OSWorldTaskError(source, where, 'each step is {"type": ..., "parameters": {...}}')
        kind, params = step["type"], step.get("parameters") or {}
        where = f"{at}[{i}] ({kind})"
        if not isinstance(params, dict):
            raise OSWorldTaskError(source, where, "`parameters` must be an object")
        if kind not in supported:
            reason = REFUSED.get(kind, "") or (
                "files are copied in by the config's download steps, or by a postconfig's from OSWorld's "
                "cache folder when one is named (PALAESTRA_OSWORLD_CACHE)"
                if kind == "download"
                else ""
            )
            raise UnsupportedStepError(source, where, what, kind, supported, reason)
        _check_params(kind, params, source, where)
        found.append((kind, params, where))
    return found


def _check_params(kind: str, params: dict[str, Any], source: str, where: str) -> None:
    """A parameter the step does not take (a misspelt ``comand``) is refused with the right name:
    read as missing, it made the error about the step's real parameter ("`command` must be a
    string..., got None"), and OSWorld's own setup stops at it (a TypeError)."""
    known = STEP_PARAMS.get(kind)
    unknown = sorted(set(params) - set(known or params))
    if unknown:
        raise UnsupportedStepError(source, where, f"parameter of `{kind}`", unknown[0], known or ())


def plan_setup(
    steps: object,
    task_dir: Path,
    root: Path,
    source: str,
    related: tuple[str, ...] = (),
    cache: TaskCache | None = None,
) -> SetupPlan:
    """The `SetupPlan` of a task's ``config`` list; a typed error for any step it cannot run
    (``cache``: OSWorld's cache folder, where ``download`` steps' internet files are found)."""
    plan = SetupPlan(related=related)
    for kind, params, where in _steps(steps, "config", source, SUPPORTED, "setup step"):
        _add_step(plan, kind, params, task_dir, root, source, where, cache)
    return plan


def plan_postconfig(steps: object, source: str, cache: TaskCache | None = None) -> tuple[LiveStep, ...]:
    """The live steps of an ``evaluator.postconfig`` list, run in order before the final verdict
    (its pauses, like the config's, add up to ``MAX_DELAY`` at most; a ``download`` copies its
    file in from OSWorld's ``cache``, and needs one)."""
    planned: list[LiveStep] = []
    paused = 0.0
    allowed = (*POSTCONFIG, "download") if cache is not None else POSTCONFIG
    for kind, params, where in _steps(steps, "evaluator.postconfig", source, allowed, "postconfig step"):
        helpers = _helper_steps(kind, params, source, where)
        if kind == "download":
            assert cache is not None
            planned += [PutFile(t, p) for t, p in downloads(params, source, where, cache).items()]
        elif helpers is not None:
            planned += helpers
        elif kind == "sleep":
            seconds = min(_seconds(params, source, where), MAX_DELAY - paused)
            paused += seconds
            planned.append(Pause(seconds))
        elif kind in browser_steps.TAB_STEPS:
            planned.append(browser_steps.tab_step(kind, params, source, where))
        elif kind in ("launch", "open"):
            planned.append(LaunchApp(_app(kind, params, {}, source, where)))
        else:
            planned.append(_live(kind, params, source, where))
    return tuple(planned)


def _live(kind: str, params: dict[str, Any], source: str, where: str) -> LiveStep:
    """A command or window step, as it runs on the live desktop."""
    if kind in ("execute", "command"):
        argv = as_argv(params.get("command"), params.get("shell", False), source, where)
        if already_installed(argv, source, where):
            return Pause(0.0)  # its packages are here already (`installs`)
        keep = params.get("stdout", "")
        if not isinstance(keep, str):
            raise OSWorldTaskError(source, where, f'"stdout" names the output for `cache_file`, got {keep!r}')
        return RunCommand(argv, keep.strip())
    name = params.get("window_name")
    if not isinstance(name, str) or not name.strip():
        raise OSWorldTaskError(
            source, where, f"`window_name` must be a window's title (or class), got {name!r}"
        )
    action: Literal["activate", "close"] = "activate" if kind == "activate_window" else "close"
    by_class = flag(params.get("by_class", False))
    return WindowStep(
        action, browser_steps.window_name(name, by_class), flag(params.get("strict", False)), by_class
    )


def _helper_steps(kind: str, params: dict[str, Any], source: str, where: str) -> tuple[LiveStep, ...] | None:
    """A launch or command that is one of the browser's helpers (`browser_steps.helper_steps`)."""
    if kind not in ("launch", "execute", "command"):
        return None
    argv = as_argv(params.get("command"), params.get("shell", False), source, where)
    found = browser_steps.helper_steps(argv, source, where)
    return found if found is not None else quit_vlc_steps(argv)


def quit_vlc_steps(argv: tuple[str, ...]) -> tuple[LiveStep, ...] | None:
    """`QuitVlc` for ``pkill vlc`` (or ``killall vlc``), as a command or a shell line (OSWorld
    writes it as a ``launch``); None for any other command, which is planned as any other (the
    session keeps a command's kills to the episode)."""
    try:
        words = tuple(shlex.split(argv[2])) if argv[:2] == ("bash", "-c") and len(argv) == 3 else argv
    except ValueError:
        return None
    if len(words) == 2 and posixpath.basename(words[0]) in browser_steps.KILLERS and words[1] == "vlc":
        return (QuitVlc(),)
    return None


def _seconds(params: dict[str, Any], source: str, where: str) -> float:
    seconds = params.get("seconds", 0)
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        raise OSWorldTaskError(source, where, f"`seconds` must be a number >= 0, got {seconds!r}")
    return float(seconds)


def _app(
    kind: str,
    params: dict[str, Any],
    files: dict[str, Path],
    source: str,
    where: str,
    related: tuple[str, ...] = (),
) -> tuple[str, ...]:
    """The argv a ``launch`` or ``open`` step starts (``files``: those the config copies in;
    ``related``: the task's related apps, which pick a spreadsheet's app)."""
    if kind == "open":
        relative = home_relative(params.get("path"), source, where)
        return open_argv(relative, relative in files, related, source, where)
    argv = as_argv(params.get("command"), params.get("shell", False), source, where)
    if argv[:2] == ("bash", "-c"):  # a shell line that starts an app: its first word is the app
        argv = tuple(shlex.split(argv[2]))
        while argv and argv[0].split("=", 1)[0] in QUIET_VARIABLES:
            argv = argv[1:]
    app = check_app(argv[0], source, where, argv[1:])
    for arg in argv[1:]:  # a file it opens must be in HOME too
        if arg.startswith(("/", "~")):
            home_relative(arg, source, where)
    return (app, *argv[1:])


def _add_step(
    plan: SetupPlan,
    kind: str,
    params: dict[str, Any],
    task_dir: Path,
    root: Path,
    source: str,
    where: str,
    cache: TaskCache | None,
) -> None:
    if kind == "update_browse_history":
        if any(argv[0] == browser_steps.BROWSER for argv in plan.apps):
            raise OSWorldTaskError(
                source, where, "comes after a step that starts the browser, which would lose the entries "
                "written behind its back; put it before the browser's launch",
            )  # fmt: skip
        plan.history = visits(params, source, where)
    elif kind == "download":
        plan.files.update(downloads(params, source, where, cache, task_dir, root))
        if any(isinstance(f, dict) and brings_thunderbird_profile(f) for f in params["files"]):
            plan.own_profiles.add("thunderbird")
    elif (helpers := _helper_steps(kind, params, source, where)) is not None:
        plan.after_apps += helpers
    elif kind in browser_steps.TAB_STEPS:
        if not any(argv[0] == browser_steps.BROWSER for argv in plan.apps):  # OSWorld starts one too
            plan.apps.append((browser_steps.BROWSER,))
        plan.after_apps.append(browser_steps.tab_step(kind, params, source, where))
    elif kind in ("launch", "open"):
        plan.apps.append(_app(kind, params, plan.files, source, where, plan.related))
    elif kind == "sleep":
        plan.delay = min(plan.delay + _seconds(params, source, where), MAX_DELAY)
    else:  # a command or a window step: before the apps start if it can be, else in order after
        step = _live(kind, params, source, where)
        if isinstance(step, RunCommand) and not plan.apps and not plan.after_apps:
            plan.commands.append(step.argv)
        else:
            plan.after_apps.append(step)
