"""The typed error hierarchy shared by every sub-package.

Every error names the problem and the fix. Lookups by name suggest the closest known names, in
Gymnasium's "did you mean" style.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable


class PalaestraError(Exception):
    """Base class of every error Palaestra raises on purpose."""


def did_you_mean(name: str, known: Iterable[str], limit: int = 3) -> str:
    """Return " Did you mean: `a`, `b`?" for the known names closest to ``name``, or ""."""
    close = difflib.get_close_matches(name, list(known), n=limit, cutoff=0.6)
    if not close:
        return ""
    return " Did you mean: " + ", ".join(f"`{c}`" for c in close) + "?"


class UnknownNameError(PalaestraError, LookupError):
    """A task, suite, agent or action name that is not registered."""

    def __init__(self, kind: str, name: str, known: Iterable[str], hint: str = "") -> None:
        known = sorted(known)
        self.kind, self.name, self.suggestions = kind, name, difflib.get_close_matches(name, known, n=3)
        message = f"Unknown {kind} `{name}`.{did_you_mean(name, known)}"
        if hint:
            message += f" {hint}"
        super().__init__(message)

    def __str__(self) -> str:  # LookupError would otherwise quote the message
        return str(self.args[0])


class ConfigError(PalaestraError, ValueError):
    """A configuration key or value that does not fit (an option, a flag, a run file's entry)."""


class UnknownOptionError(ConfigError, TypeError):
    """A keyword an environment does not take (``gym.make(id, obs_confg=...)``). A ``TypeError``
    too, as Python's own for an unexpected keyword, so code catching that still does."""


def check_choice(where: str, value: object, choices: Collection[str]) -> None:
    """Raise ``ConfigError`` naming the choices (and the closest one) unless ``value`` is one of them."""
    if value in choices:
        return
    close = did_you_mean(value, choices) if isinstance(value, str) else ""
    shown = ", ".join(f"`{c}`" for c in choices)
    raise ConfigError(f"{where} must be one of {shown}, got {value!r}.{close}")


class RegistrationError(PalaestraError, ValueError):
    """A name that cannot be registered: it is taken already, or not of the form its registry needs."""


class PluginError(PalaestraError, ImportError):
    """A suite or agent plug-in that cannot be loaded (a broken entry point or import path)."""


class SuiteUnavailable(PalaestraError):
    """A suite that is installed but offers no tasks here, and why: a suite's entry point raises it
    when what it needs is absent (OmniACT's data set, say); the message names the fix."""


class BrowserNotFoundError(PalaestraError, FileNotFoundError):
    """No Chromium could be found or launched."""


class InfrastructureError(PalaestraError, RuntimeError):
    """Something the agent does not control broke during an episode; ``kind`` names it in results."""

    kind = "environment_error"


class BrowserCrashedError(InfrastructureError):
    """The browser process died or stopped answering during an episode."""

    kind = "browser_crashed"


class SiteCrashedError(InfrastructureError):
    """A web site the episode uses (a site process of ``palaestra.sites``) stopped during the episode."""

    kind = "site_crashed"


class TaskError(InfrastructureError):
    """A task's own code failed: its ``evaluate`` raised, or answered something that is not a
    verdict (not an ``Evaluation``, or a reward that is not a finite number). The task author's
    bug, never the agent's: the episode ends with it as ``info["error"]``, and runs do not retry it."""

    kind = "task_error"


class SiteError(PalaestraError, RuntimeError):
    """A site could not be built or started: a missing package, a port in use, a corrupt seed."""


class PageHungError(PalaestraError, TimeoutError):
    """The page stopped answering during a step: the infrastructure's failure, not the agent's."""


class DesktopUnavailableError(PalaestraError, RuntimeError):
    """The X11 desktop cannot start here: a program is missing, no unprivileged user can run its apps
    (the one PALAESTRA_DESKTOP_USER names does not exist, or the pool could not lease or make one),
    or a task's app exits before it shows a window."""


class EnvStateError(PalaestraError, RuntimeError):
    """The environment was used out of order (step before reset, use after close, mixed loops)."""


class ActionError(PalaestraError, ValueError):
    """An agent's action could not be parsed or executed. Environments report it, never raise it."""


class UploadPathError(ActionError):
    """A file ``upload_file`` names is not a file inside the environment's upload directory (paths
    that lead out of it, by ``..``, an absolute path or a link, are refused: artifact paths stay
    confined to their directory)."""
