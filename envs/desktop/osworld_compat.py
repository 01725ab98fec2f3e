"""OSWorld-shaped observations, so agents written against OSWorld's ``DesktopEnv`` run here unchanged.

``OSWorldObservation(env)`` wraps our `DesktopEnv` and returns OSWorld's observation dict instead
of ours: ``screenshot`` (the screen as PNG bytes), ``accessibility_tree`` (OSWorld's XML dump of
the AT-SPI tree, built by `osworld_xml.tree_xml` from the same snapshot our ``axtree`` shows),
``terminal`` (the focused terminal's text, or None) and ``instruction`` (the task's goal). Our
action strings are OSWorld's already: PyAutoGUI code (parsed, never executed), ``computer_13``
dicts as JSON, and ``WAIT``/``DONE``/``FAIL``.

A wrapper rather than more observation keys: the PNG and the XML are built from parts our
observation has anyway (the screenshot array, the tree's snapshot), only such agents want them,
and our own observation stays what it was. An environment never wrapped builds neither.
"""

from __future__ import annotations

import io
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from PIL import Image

from palaestra.envs.desktop.env import DesktopEnv
from palaestra.envs.desktop.osworld_xml import tree_xml_text
from palaestra.envs.obs import Observation
from palaestra.envs.spaces import Unicode
from palaestra.errors import ConfigError

OSWorldObs = dict[str, Any]
#: zlib level of the PNG: 1 writes a 1280 x 800 screen several times faster than the default 6,
#: for a file somewhat larger; the pixels are the same either way.
PNG_COMPRESS_LEVEL = 1


class PNGBytes(spaces.Space[bytes]):
    """A PNG file's bytes (OSWorld's ``screenshot``). Sampling gives an empty byte string."""

    def __init__(self) -> None:
        super().__init__(shape=None, dtype=None)

    def contains(self, x: Any) -> bool:
        return isinstance(x, bytes) and x.startswith(b"\x89PNG\r\n\x1a\n")

    def sample(self, mask: Any = None, probability: Any = None) -> bytes:
        return b""

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PNGBytes)


class MaybeText(spaces.Space[Any]):
    """A string or None (OSWorld's ``accessibility_tree`` and ``terminal`` when not asked for)."""

    def __init__(self) -> None:
        super().__init__(shape=None, dtype=None)

    def contains(self, x: Any) -> bool:
        return x is None or isinstance(x, str)

    def sample(self, mask: Any = None, probability: Any = None) -> None:
        return None

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaybeText)


def osworld_space() -> spaces.Dict:
    """OSWorld's observation space: its four keys, typed as its ``DesktopEnv`` hands them over."""
    return spaces.Dict(
        {
            "screenshot": PNGBytes(),
            "accessibility_tree": MaybeText(),
            "terminal": MaybeText(),
            "instruction": Unicode(),
        }
    )


def png_bytes(pixels: np.ndarray) -> bytes:
    """An (H, W, 3) uint8 screenshot as a PNG file's bytes."""
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return out.getvalue()


def terminal_text(nodes: list[dict[str, Any]]) -> str | None:
    """The text of the focused ``terminal`` element, right-stripped, or None when none has focus.

    OSWorld reads GNOME Terminal's focused terminal in its active window; any AT-SPI ``terminal``
    (VTE's, as lxterminal's) counts here.
    """
    for node in nodes:
        if node.get("role") == "terminal" and "focused" in (node.get("states") or ()):
            return str(node.get("text") or "").rstrip()
    return None


# (Gymnasium's ``Wrapper.__init__`` annotates the wrapped env with the wrapper's own observation
# type; ``Any`` here, the methods below say what goes in and out.)
class OSWorldObservation(gym.Wrapper[Any, str, Any, str]):
    """A `DesktopEnv` whose observations are OSWorld's dict (see the module doc).

    ``require_a11y_tree`` and ``require_terminal`` are OSWorld's ``DesktopEnv`` arguments of the
    same names and defaults: off, the key holds None and nothing is built for it. ``reset``/
    ``step`` and, for asyncio programs, ``areset``/``astep``/``aclose`` (which call the desktop
    environment's own coroutines, below any other wrapper) return the converted observation.
    """

    def __init__(
        self,
        env: gym.Env[Observation, str],
        *,
        require_a11y_tree: bool = True,
        require_terminal: bool = False,
    ) -> None:
        super().__init__(env)
        base = env.unwrapped
        if not isinstance(base, DesktopEnv):
            raise ConfigError(
                f"OSWorldObservation wraps a desktop environment (DesktopEnv), not {type(base).__name__}; "
                "wrap gym.make('palaestra/desktop.<task>') or a DesktopEnv."
            )
        config = base.obs_config
        if not config.screenshot:
            raise ConfigError(
                "OSWorldObservation needs the screenshot (OSWorld's observation always holds one): make the "
                "environment with ObsConfig(screenshot=True), the default."
            )
        if (require_a11y_tree or require_terminal) and not (config.axtree or config.elements):
            raise ConfigError(
                "OSWorldObservation with require_a11y_tree or require_terminal needs the accessibility tree: "
                "make the environment with ObsConfig(axtree=True), the default, or pass "
                "require_a11y_tree=False, require_terminal=False."
            )
        self.desktop_env = base
        self.require_a11y_tree, self.require_terminal = require_a11y_tree, require_terminal
        self.observation_space = osworld_space()
        #: Our own observation of the same step, for an agent that reads both.
        self.palaestra_obs: Observation | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[OSWorldObs, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        return self._convert(obs), info

    def step(self, action: str) -> tuple[OSWorldObs, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        return self._convert(obs), float(reward), terminated, truncated, info

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[OSWorldObs, dict[str, Any]]:
        obs, info = await self.desktop_env.areset(seed=seed, options=options)
        return self._convert(obs), info

    async def astep(self, action: str) -> tuple[OSWorldObs, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = await self.desktop_env.astep(action)
        return self._convert(obs), float(reward), terminated, truncated, info

    async def aclose(self) -> None:
        await self.desktop_env.aclose()

    def _convert(self, obs: Observation) -> OSWorldObs:
        self.palaestra_obs = obs
        return osworld_observation(self.desktop_env, obs, self.require_a11y_tree, self.require_terminal)


def osworld_observation(
    env: DesktopEnv, obs: Observation, require_a11y_tree: bool = True, require_terminal: bool = False
) -> OSWorldObs:
    """OSWorld's dict of ``obs``, the last observation of ``env`` (whose AT-SPI snapshot gives the
    XML): what the wrapper returns, and what runs hand an agent asking for the ``osworld`` view."""
    nodes = env.atspi_nodes
    return {
        "screenshot": png_bytes(np.asarray(obs["screenshot"])),
        "accessibility_tree": tree_xml_text(nodes) if require_a11y_tree else None,
        "terminal": terminal_text(nodes) if require_terminal else None,
        "instruction": obs.get("goal", ""),
    }
