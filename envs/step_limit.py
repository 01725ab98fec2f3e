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

from typing import TYPE_CHECKING, Any

import gymnasium as gym
from gymnasium.envs.registration import WrapperSpec

from palaestra.envs.base import PalaestraEnv, StepResult

if TYPE_CHECKING:
    from palaestra.envs.actions import ActionSet

ENTRY_POINT = "palaestra.envs.step_limit:StepLimitToEnv"


class StepLimitToEnv(gym.Wrapper[Any, Any, Any, Any], gym.utils.RecordConstructorArgs):
    """Hands ``gym.make``'s ``max_episode_steps`` to the Palaestra environment it wraps; steps pass
    through unchanged.

    As the outermost wrapper ``gym.make`` returns, it also offers the environment's async face
    (``areset``, ``astep``, ``aclose``) and its ``action_set``: Gymnasium 1.x wrappers forward no
    attributes, so ``await gym.make(id).areset()`` was an AttributeError. The async calls go to the
    environment itself, past Gymnasium's checking wrappers; the step limit holds there (above).
    """

    def __init__(self, env: gym.Env[Any, Any]) -> None:
        gym.utils.RecordConstructorArgs.__init__(self)
        gym.Wrapper.__init__(self, env)
        limit = env.spec.max_episode_steps if env.spec is not None else None
        if limit is not None and isinstance(env.unwrapped, PalaestraEnv):
            env.unwrapped.limit_steps(limit)

    @property
    def palaestra_env(self) -> PalaestraEnv:
        env = self.env.unwrapped
        if not isinstance(env, PalaestraEnv):
            raise TypeError(f"{type(env).__name__} is not a Palaestra environment: it has no async face.")
        return env

    @property
    def action_set(self) -> ActionSet:
        return self.palaestra_env.action_set

    async def areset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> Any:
        return await self.palaestra_env.areset(seed=seed, options=options)

    async def astep(self, action: str) -> StepResult:
        return await self.palaestra_env.astep(action)

    async def aclose(self) -> None:
        await self.palaestra_env.aclose()

    async def __aenter__(self) -> StepLimitToEnv:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def wrapper_spec() -> WrapperSpec:
    return WrapperSpec(name="StepLimitToEnv", entry_point=ENTRY_POINT, kwargs={})
