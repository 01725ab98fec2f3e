"""Checking an environment's keyword options before its constructor sees them.

``gym.make(id, **kwargs)`` hands its keywords to the environment; Python refuses a misspelt one
with a ``TypeError`` that names only the misspelling. ``check_options`` refuses it with the
closest option and the list of all (``UnknownOptionError``), the did-you-mean Gymnasium gives for
ids.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Iterable

from palaestra.errors import UnknownOptionError, did_you_mean


@functools.cache
def accepted_options(cls: type) -> tuple[str, ...] | None:
    """The keywords ``cls``'s constructor takes, or None when it takes any (``**kwargs``)."""
    # __init__'s own, not the class's: which of __new__ and __init__ that reads varies by version.
    init = cls.__init__  # type: ignore[misc]
    params = list(inspect.signature(init).parameters.values())[1:]  # without self
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return tuple(p.name for p in params if p.kind in named)


def check_options(cls: type, given: Iterable[str]) -> None:
    """Raise ``UnknownOptionError`` for the first keyword in ``given`` that ``cls`` does not take."""
    accepted = accepted_options(cls)
    if accepted is None:
        return
    for name in given:
        if name not in accepted:
            listed = ", ".join(f"`{a}`" for a in sorted(accepted))
            raise UnknownOptionError(
                f"{cls.__name__} has no option `{name}`.{did_you_mean(name, accepted)} Its options: {listed}."
            )
