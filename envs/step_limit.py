"""``gym.make(id, max_episode_steps=N)`` on a Palaestra task: the environment ends the episode itself.

Gymnasium's ``TimeLimit`` truncates at N steps without asking the task anything, so an episode of a
WebArena task that its agent never answered earned 0 where WebArena's harness judges it ("Early
stop: Reach max steps N": a task reached by navigation passes). ``make`` never passes
``max_episode_steps`` to the environment, and applies the spec's ``additional_wrappers`` after its
``TimeLimit``: every Palaestra id is registered with `StepLimitToEnv` there, which reads the limit
from the spec the ``TimeLimit`` reports and hands it to the environment (``limit_steps``). At step
N the environment judges the episode and returns ``truncated=True`` with the verdict's reward;
the ``TimeLimit`` then truncates a step that is truncated already.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
from gymnasium.envs.registration import WrapperSpec

from palaestra.envs.base import PalaestraEnv

ENTRY_POINT = "palaestra.envs.step_limit:StepLimitToEnv"


class StepLimitToEnv(gym.Wrapper[Any, Any, Any, Any], gym.utils.RecordConstructorArgs):
    """Hands ``gym.make``'s ``max_episode_steps`` to the Palaestra environment it wraps; steps pass
    through unchanged."""

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        limit = env.spec.max_episode_steps if env.spec is not None else None
        if limit is not None and isinstance(env.unwrapped, PalaestraEnv):
            env.unwrapped.limit_steps(limit)


def wrapper_spec() -> WrapperSpec:
    return WrapperSpec(name="StepLimitToEnv", entry_point=ENTRY_POINT, kwargs={})
