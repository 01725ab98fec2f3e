"""The keyword arguments a session's environment is made with: the server's own options, and the
settings that only some environments take (``--pages-ahead``: a desktop has no pages), given to
those that take them, so one server serves browser and desktop tasks alike."""

from __future__ import annotations

import inspect
from typing import Any

from palaestra.errors import PalaestraError
from palaestra.server.config import ServerConfig


def takes(task: str, option: str) -> bool:
    """Whether the environment of ``task`` (its spec's ``env``) takes ``option`` as a keyword.

    An unknown task takes nothing: making its environment then fails with the registry's own error
    (did-you-mean), which this must not replace."""
    from palaestra.tasks.registry import get_task_spec, resolve

    try:
        env_cls = resolve(get_task_spec(task).env, f"environment of task `{task}`")
    except (PalaestraError, LookupError):  # the same lookup, repeated by `make_env`, reports it
        return False
    parameters = inspect.signature(env_cls).parameters.values()
    return any(p.name == option or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def env_options(config: ServerConfig, task: str) -> dict[str, Any]:
    """What every environment of this server gets, plus ``pages_ahead`` where it is taken."""
    options = dict(config.env_options)
    if config.pages_ahead is not None and takes(task, "pages_ahead"):
        options["pages_ahead"] = config.pages_ahead
    return options
