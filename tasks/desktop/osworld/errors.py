"""The typed errors of loading OSWorld task files: each names the file, the place in it (a setup
step, a getter, a metric), what is wrong, and what would work instead."""

from __future__ import annotations

from collections.abc import Iterable

from palaestra.errors import ConfigError, did_you_mean


class OSWorldTaskError(ConfigError):
    """An OSWorld task file that cannot be played here; ``where`` says which part of it."""

    def __init__(self, source: str, where: str, problem: str) -> None:
        self.source, self.where, self.problem = source, where, problem
        super().__init__(f"{source}: {where}: {problem}")


class UnsupportedFeatureError(OSWorldTaskError):
    """A setup step, getter, metric or app the file uses that this desktop does not offer.

    ``name`` is what the file asked for and ``supported`` what would work in its place; the message
    suggests the closest supported names (did-you-mean) and says why the name is missing when known.
    """

    def __init__(
        self, source: str, where: str, kind: str, name: str, supported: Iterable[str], reason: str = ""
    ) -> None:
        self.kind, self.name, self.supported = kind, name, sorted(supported)
        problem = f"unsupported {kind} `{name}`"
        if reason:
            problem += f" ({reason})"
        shown = ", ".join(self.supported) or "none"
        problem += f".{did_you_mean(name, self.supported)} Supported {_plural(kind)}: {shown}."
        super().__init__(source, where, problem)


def _plural(kind: str) -> str:
    """``setup step`` -> ``setup steps``; ``option of `x``` -> ``options of `x```."""
    noun, of, owner = kind.partition(" of ")
    return f"{noun}s{of}{owner}"


class UnsupportedStepError(UnsupportedFeatureError):
    """A ``config`` (or ``postconfig``) step of a type or with a source this desktop cannot run."""


class UnsupportedEvaluatorError(UnsupportedFeatureError):
    """An ``evaluator`` naming a getter (``result``/``expected`` type), metric (``func``) or option
    that is not implemented here."""


class UnsupportedAppError(UnsupportedFeatureError):
    """An app the task launches, opens a file with, or relates to, that this desktop does not have."""


class LocalProfileError(OSWorldTaskError):
    """A step that fetches OSWorld's Thunderbird profile archive: here the profile is built locally."""


class PathOutsideHomeError(OSWorldTaskError):
    """A path in the file that leaves the episode's HOME (or a local source that leaves the task folder)."""


class OfflineURLError(OSWorldTaskError):
    """A URL the task opens in the browser that is on the internet, which this machine has none of."""
