"""BrowserGym-shaped observations, so agents written for BrowserGym (AgentLab's) run here unchanged.

``BrowserGymObservation(env)`` wraps a ``BrowserEnv`` and returns BrowserGym's observation dict
instead of ours: ``chat_messages``, ``goal``, ``goal_object``, ``open_pages_urls``,
``open_pages_titles``, ``active_page_index``, ``url``, ``screenshot``, ``dom_object``,
``axtree_object``, ``extra_element_properties``, ``focused_element_bid``, ``last_action``,
``last_action_error`` and ``elapsed_time``. The page objects are our capture's own CDP answers
(`palaestra.envs.browsergym_objects`) carrying our element ids where BrowserGym's utilities look
for theirs, so ``click('12')`` built from what ``flatten_axtree_to_str`` prints acts on element 12.
Our action strings are BrowserGym's high-level ones already.

A wrapper rather than more observation keys: the page objects are large nested dicts (not one of
our key kinds), only such agents want them, and our own observation stays what it was. Wrapping
turns ``ObsConfig.browsergym`` on; an environment never wrapped computes nothing more.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from palaestra.envs.browser_env import BrowserEnv
from palaestra.envs.obs import Observation
from palaestra.envs.spaces import Unicode, screenshot_space
from palaestra.errors import ConfigError

BrowserGymObs = dict[str, Any]


class PageObject(spaces.Space[dict[str, Any]]):
    """A JSON-like dict (BrowserGym's ``AnyDict``): a CDP answer, the element properties, a
    chat message or a goal part."""

    def __init__(self) -> None:
        super().__init__(shape=None, dtype=None)

    def contains(self, x: Any) -> bool:
        return isinstance(x, dict)

    def sample(self, mask: Any = None, probability: Any = None) -> dict[str, Any]:
        return {}

    @property
    def is_np_flattenable(self) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PageObject)

    def __repr__(self) -> str:
        # Printed inside the observation space's repr: say what the key holds, not an address.
        return "PageObject(dict)"


def browsergym_space(viewport: tuple[int, int]) -> spaces.Dict:
    """BrowserGym's observation space (its ``AnyDict`` and sequences as our equivalents)."""
    return spaces.Dict(
        {
            "chat_messages": spaces.Sequence(PageObject(), stack=False),
            "goal": Unicode(),
            "goal_object": spaces.Sequence(PageObject(), stack=False),
            "open_pages_urls": spaces.Sequence(Unicode(), stack=False),
            "open_pages_titles": spaces.Sequence(Unicode(), stack=False),
            "active_page_index": spaces.Box(0, 255, shape=(1,), dtype=np.int64),
            "url": Unicode(),
            "screenshot": screenshot_space(*viewport),
            "dom_object": PageObject(),
            "axtree_object": PageObject(),
            "extra_element_properties": PageObject(),
            "focused_element_bid": Unicode(),
            "last_action": Unicode(),
            "last_action_error": Unicode(),
            "elapsed_time": spaces.Box(0, np.inf, shape=(1,), dtype=np.float64),
        }
    )


class BrowserGymConverter:
    """Turns one ``BrowserEnv``'s observations into BrowserGym's dict, episode by episode.

    Apart from the wrapper because the environment server converts the observations of the
    environment a session holds (`palaestra.server.session`), which it steps itself, not through a
    Gymnasium wrapper. It keeps what BrowserGym's dict accumulates over an episode: the chat and
    the time the episode began. Making one turns ``ObsConfig.browsergym`` on.

    The chat is made as BrowserGym makes it: the goal as the user's message, then each
    ``send_msg_to_user`` as the assistant's and a ``report_infeasible`` as ``infeasible``, stamped
    when the step that sent it returned. Without the screenshot part (``ObsConfig(screenshot=
    False)``) ``screenshot`` is an empty (0, 0, 3) array, so a vision agent fails visibly.
    """

    def __init__(self, env: Any) -> None:
        if not isinstance(env, BrowserEnv):
            raise ConfigError(
                f"BrowserGym-shaped observations come from a browser environment (BrowserEnv), not "
                f"{type(env).__name__}; use gym.make('palaestra/<web task>') or a BrowserEnv."
            )
        if not env.obs_config.browsergym:
            env.obs_config = dataclasses.replace(env.obs_config, browsergym=True)
        self.browser_env = env
        self._chat: list[dict[str, Any]] = []
        self._sent = 0  # messages of info["messages"] already in the chat
        self._infeasible_sent = False
        self._start = time.time()

    def begin(self, obs: Observation) -> BrowserGymObs:
        """The first observation of an episode (after a reset): the chat starts again."""
        self._start = time.time()
        self._chat = [{"role": "user", "timestamp": self._start, "message": obs.get("goal", "")}]
        self._sent, self._infeasible_sent = 0, False
        return self.convert(obs, {})

    def convert(self, obs: Observation, info: dict[str, Any]) -> BrowserGymObs:
        """A step's observation (and its ``info``, which carries the messages sent)."""
        now = time.time()
        messages = list(info.get("messages") or [])
        for text in messages[self._sent :]:
            self._chat.append({"role": "assistant", "timestamp": now, "message": str(text)})
        self._sent = max(self._sent, len(messages))
        if info.get("infeasible") is not None and not self._infeasible_sent:
            self._chat.append({"role": "infeasible", "timestamp": now, "message": str(info["infeasible"])})
            self._infeasible_sent = True
        pages = list(obs.get("open_pages", []))
        active = next((i for i, p in enumerate(pages) if p["active"]), 0)
        page = self.browser_env.browsergym_page or {}
        goal = obs.get("goal", "")
        screenshot = obs.get("screenshot")
        return {
            "chat_messages": tuple(dict(m) for m in self._chat),
            "goal": goal,
            "goal_object": ({"type": "text", "text": goal},),
            "open_pages_urls": tuple(p["url"] for p in pages),
            "open_pages_titles": tuple(p["title"] for p in pages),
            "active_page_index": np.asarray([active]),
            "url": obs.get("url", ""),
            "screenshot": screenshot if screenshot is not None else np.zeros((0, 0, 3), dtype=np.uint8),
            "dom_object": page.get("dom_object", {"documents": [], "strings": []}),
            "axtree_object": page.get("axtree_object", {"nodes": []}),
            "extra_element_properties": page.get("extra_element_properties", {}),
            "focused_element_bid": obs.get("focused_element", ""),
            "last_action": obs.get("last_action", ""),
            "last_action_error": obs.get("last_action_error", ""),
            "elapsed_time": np.asarray([now - self._start]),
        }


# (Gymnasium's ``Wrapper.__init__`` annotates the wrapped env with the wrapper's own observation
# type; ``Any`` here, the methods below say what goes in and out.)
class BrowserGymObservation(gym.Wrapper[Any, str, Any, str]):
    """A ``BrowserEnv`` whose observations are BrowserGym's dict (see the module doc and
    `BrowserGymConverter`, which makes them).

    ``reset``/``step`` and, for asyncio programs, ``areset``/``astep`` (which call the browser
    environment's own coroutines, below any other wrapper) return the converted observation.
    """

    def __init__(self, env: gym.Env[Observation, str]) -> None:
        super().__init__(env)
        self.converter = BrowserGymConverter(env.unwrapped)
        self.browser_env: BrowserEnv = self.converter.browser_env
        self.observation_space = browsergym_space(self.browser_env.task.viewport)
        #: Our own observation of the same step, for an agent that reads both.
        self.palaestra_obs: Observation | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[BrowserGymObs, dict[str, Any]]:
        obs, info = self.env.reset(seed=seed, options=options)
        self.palaestra_obs = obs
        return self.converter.begin(obs), info

    def step(self, action: str) -> tuple[BrowserGymObs, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = self.env.step(action)
        self.palaestra_obs = obs
        return self.converter.convert(obs, info), float(reward), terminated, truncated, info

    async def areset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[BrowserGymObs, dict[str, Any]]:
        obs, info = await self.browser_env.areset(seed=seed, options=options)
        self.palaestra_obs = obs
        return self.converter.begin(obs), info

    async def astep(self, action: str) -> tuple[BrowserGymObs, float, bool, bool, dict[str, Any]]:
        obs, reward, terminated, truncated, info = await self.browser_env.astep(action)
        self.palaestra_obs = obs
        return self.converter.convert(obs, info), float(reward), terminated, truncated, info
