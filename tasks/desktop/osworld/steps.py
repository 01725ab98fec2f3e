"""OSWorld's setup steps (a task's ``config``) as a `DesktopSetup`: files copied into the fresh
HOME, commands run in it, apps launched and a pause, in the order the episode needs them.

Supported: ``download`` (local files only), ``launch`` (an app of this desktop), ``open`` (a file,
with the app its type calls for), ``execute``/``command`` (a command in HOME, as the desktop user;
before the apps when it comes before every launch, else once the first app is up) and ``sleep``.
Everything else is refused when the file is loaded, by `UnsupportedStepError`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.apps import check_app, open_argv
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedStepError
from palaestra.tasks.desktop.osworld.paths import home_relative, local_source

SUPPORTED = ("command", "download", "execute", "launch", "open", "sleep")
#: OSWorld step types that exist but cannot run here, and why.
REFUSED = {
    "chrome_open_tabs": "it needs Google Chrome, which this desktop does not have",
    "chrome_close_tabs": "it needs Google Chrome, which this desktop does not have",
    "update_browse_history": "it needs Google Chrome, which this desktop does not have",
    "login": "it signs in to a web site over the internet",
    "googledrive": "it needs Google Drive, over the internet",
    "proxy": "it sets up an internet proxy",
    "activate_window": "windows are not managed by name here; the launched app's window is active",
    "close_window": "windows are not managed by name here",
    "execute_with_verification": "it polls the VM's own server, which this desktop does not run",
    "upload_file": "it copies from the host into a VM; use download with a local file",
}
#: The longest pause the steps may add up to (seconds): sleeps longer than that only waste time.
MAX_DELAY = 10.0


@dataclass
class SetupPlan:
    """What the steps come to: files (HOME-relative path -> local source), commands, apps, a pause."""

    files: dict[str, Path] = field(default_factory=dict)
    apps: list[tuple[str, ...]] = field(default_factory=list)
    commands: list[tuple[str, ...]] = field(default_factory=list)
    after_apps: list[tuple[str, ...]] = field(default_factory=list)
    delay: float = 0.0
    #: The task's ``related_apps``: which app opens a spreadsheet depends on them (`open_argv`).
    related: tuple[str, ...] = ()


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


def plan_setup(
    steps: object, task_dir: Path, root: Path, source: str, related: tuple[str, ...] = ()
) -> SetupPlan:
    """The `SetupPlan` of a task's ``config`` list; a typed error for any step it cannot run."""
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        raise OSWorldTaskError(source, "config", f"must be a list of steps, got {type(steps).__name__}")
    plan = SetupPlan(related=related)
    for i, step in enumerate(steps):
        where = f"config[{i}]"
        if not isinstance(step, dict) or not isinstance(step.get("type"), str):
            raise OSWorldTaskError(source, where, 'each step is {"type": ..., "parameters": {...}}')
        kind, params = step["type"], step.get("parameters") or {}
        where = f"config[{i}] ({kind})"
        if not isinstance(params, dict):
            raise OSWorldTaskError(source, where, "`parameters` must be an object")
        if kind not in SUPPORTED:
            raise UnsupportedStepError(source, where, "setup step", kind, SUPPORTED, REFUSED.get(kind, ""))
        _add_step(plan, kind, params, task_dir, root, source, where)
    return plan


def _add_step(
    plan: SetupPlan, kind: str, params: dict[str, Any], task_dir: Path, root: Path, source: str, where: str
) -> None:
    if kind == "download":
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise OSWorldTaskError(source, where, 'needs "files": [{"url": ..., "path": ...}]')
        for j, entry in enumerate(files):
            at = f"{where} files[{j}]"
            if not isinstance(entry, dict):
                raise OSWorldTaskError(source, at, 'each file is {"url": ..., "path": ...}')
            target = home_relative(entry.get("path"), source, at)
            plan.files[target] = local_source(entry.get("url"), task_dir, root, source, at)
    elif kind == "launch":
        argv = as_argv(params.get("command"), params.get("shell", False), source, where)
        if argv[:2] == ("bash", "-c"):  # a shell line that starts an app: its first word is the app
            argv = tuple(shlex.split(argv[2]))
        app = check_app(argv[0], source, where, argv[1:])
        for arg in argv[1:]:  # a file it opens must be in HOME too
            if arg.startswith(("/", "~")):
                home_relative(arg, source, where)
        plan.apps.append((app, *argv[1:]))
    elif kind == "open":
        relative = home_relative(params.get("path"), source, where)
        plan.apps.append(open_argv(relative, relative in plan.files, plan.related, source, where))
    elif kind in ("execute", "command"):
        argv = as_argv(params.get("command"), params.get("shell", False), source, where)
        (plan.after_apps if plan.apps else plan.commands).append(argv)
    elif kind == "sleep":
        seconds = params.get("seconds", 0)
        if not isinstance(seconds, int | float) or seconds < 0:
            raise OSWorldTaskError(source, where, f"`seconds` must be a number >= 0, got {seconds!r}")
        plan.delay = min(plan.delay + float(seconds), MAX_DELAY)
