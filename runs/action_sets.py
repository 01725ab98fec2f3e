"""`--action-set`: which of its environment's named action sets a run's agents write.

A desktop task's environment parses PyAutoGUI calls (`pyautogui`, also called `desktop`) or OSWorld's
computer_13 JSON (`computer_13`); a browser task's parses the web actions, all of them (`web`) or
MiniWoB++'s one-page subset (`miniwob`). A set belongs to one kind of environment: giving a desktop
set to a browser task (or the reverse) would turn every action into an error, so the run stops
before it starts instead, saying which sets the task's environment has. Environments served by
`palaestra serve` (`--env-server`) take the set too: their sessions open with it (`action_set`).
"""

from __future__ import annotations

from collections.abc import Sequence

from palaestra.config import ConfigError
from palaestra.errors import UnknownNameError

BROWSER_ENV = "palaestra.envs.browser_env:BrowserEnv"
DESKTOP_ENV = "palaestra.envs.desktop.env:DesktopEnv"


def sets_by_environment() -> dict[str, tuple[str, ...]]:
    """The names of the action sets each environment that takes ``action_set=`` can parse."""
    from palaestra.envs.actions.action_set import MINIWOB_ACTIONS, WEB_ACTIONS
    from palaestra.envs.desktop.parse import DESKTOP_SETS

    return {BROWSER_ENV: (WEB_ACTIONS.name, MINIWOB_ACTIONS.name), DESKTOP_ENV: tuple(sorted(DESKTOP_SETS))}


def check_action_set(name: str, tasks: Sequence[str], *, flag: str = "--action-set") -> None:
    """Raise, with the fix, unless every task's environment parses the action set ``name``; ``flag``
    is how the caller's user gives it (a server's session is opened with an ``action_set`` field)."""
    from palaestra.tasks.registry import get_task_spec

    families = sets_by_environment()
    every = sorted({n for names in families.values() for n in names})
    if name not in every:
        raise UnknownNameError("action set", name, every, hint=f"{flag} takes {', '.join(every)}.")
    for task in tasks:
        env = get_task_spec(task).env
        own = families.get(env)
        if own is None:
            raise ConfigError(
                f"{flag} {name}: the task {task} runs in {env.rpartition(':')[2]}, which has one "
                f"action set only. Leave {flag} out for it (or run it apart)."
            )
        if name not in own:
            kind = "a desktop" if env == DESKTOP_ENV else "a browser"
            raise ConfigError(
                f"{flag} {name} does not fit the task {task}, which runs in {kind}: its action sets "
                f"are {', '.join(own)}. Choose one of those, or run the other suite's tasks apart."
            )
