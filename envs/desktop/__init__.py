"""Desktop environments: real X11 applications on a private display, read through AT-SPI.

Importing this package is cheap: python-xlib, jeepney and mss are imported only by the desktop
session process, never by the environment's own process; `OSWorldObservation` (OSWorld-shaped
observations) and `OSWorldDesktopEnv` (OSWorld's ``DesktopEnv`` methods) are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.envs.desktop.env import DesktopEnv
from palaestra.lazy import lazy_exports

if TYPE_CHECKING:
    from palaestra.envs.desktop.osworld_compat import OSWorldObservation
    from palaestra.envs.desktop.osworld_env import OSWorldDesktopEnv

__all__ = ["DesktopEnv", "OSWorldDesktopEnv", "OSWorldObservation"]

__getattr__ = lazy_exports(
    __name__,
    {
        "OSWorldObservation": "palaestra.envs.desktop.osworld_compat",
        "OSWorldDesktopEnv": "palaestra.envs.desktop.osworld_env",
    },
)
