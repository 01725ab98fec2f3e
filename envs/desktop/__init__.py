"""Desktop environments: real X11 applications on a private display, read through AT-SPI.

Importing this package is cheap: python-xlib, jeepney and mss are imported only by the desktop
session process, never by the environment's own process.
"""

from palaestra.envs.desktop.env import DesktopEnv

__all__ = ["DesktopEnv"]
