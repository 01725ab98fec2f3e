"""The views: foreign-shaped observations (`palaestra.envs.obs.VIEWS`) made from an environment's own.

One converter per view, made here for every caller, so a view is converted one way whoever asks:
a run handing it to an agent in-process (`palaestra.runs.views`), the environment server answering
a session that asked for it (`palaestra.server.session`), and the UI's live play (which asks its
session). ``browsergym`` is BrowserGym's dict (`BrowserGymConverter`, which keeps the episode's
chat, so one converter serves one environment's episodes in order); ``osworld`` is OSWorld's
(`osworld_observation`, from the desktop's last accessibility snapshot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from palaestra.envs.obs import VIEWS, Observation
from palaestra.errors import ConfigError, check_choice

#: A view's converter: the observation and the step's ``info`` (None for a reset's observation,
#: which starts an episode) give the view's dict.
Converter = Callable[[Observation, dict[str, Any] | None], dict[str, Any]]


class ViewUnavailable(ConfigError):
    """A view the environment cannot give (OSWorld's dict of a web page, BrowserGym's of a desktop).
    The environment server answers it as 422 ``VIEW_UNAVAILABLE``."""


def view_converter(name: str, env: Any) -> Converter:
    """The converter of view ``name`` over ``env`` (a wrapper is unwrapped); `ViewUnavailable` when
    the environment cannot give it, an unknown name a `ConfigError` naming the views."""
    check_choice("view", name, VIEWS)
    base = env.unwrapped if hasattr(env, "unwrapped") else env
    if name == "browsergym":
        from palaestra.envs.browser_env import BrowserEnv
        from palaestra.envs.browsergym_compat import BrowserGymConverter

        if not isinstance(base, BrowserEnv):
            raise ViewUnavailable(
                f"The browsergym view is BrowserGym's observation of a web page, which a browser "
                f"task's environment gives, not {type(base).__name__}. Fix: ask for it on a web task "
                "(miniwob, webarena...); a desktop task gives the osworld view."
            )
        converter = BrowserGymConverter(base)
        return lambda obs, info: converter.begin(obs) if info is None else converter.convert(obs, info)
    from palaestra.envs.desktop.env import DesktopEnv
    from palaestra.envs.desktop.osworld_compat import osworld_observation

    if not isinstance(base, DesktopEnv):
        raise ViewUnavailable(
            f"The osworld view is OSWorld's observation of a desktop, which a desktop task's "
            f"environment gives, not {type(base).__name__}. Fix: ask for it on a desktop task "
            "(desktop, osworld-json); a web task gives the browsergym view."
        )
    desktop = base
    return lambda obs, info: osworld_observation(desktop, obs)


def view_converters(names: Iterable[str], env: Any) -> dict[str, Converter]:
    """`view_converter` of each of ``names``, by name, in `VIEWS` order."""
    wanted = set(names)
    for name in sorted(wanted):
        check_choice("view", name, VIEWS)
    return {name: view_converter(name, env) for name in VIEWS if name in wanted}
