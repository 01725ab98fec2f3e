"""How a ``BrowserEnv`` episode is judged at its end when its agent did not end it, and what is kept
to judge it again.

WebArena's harness judges every episode, the ones its agent never answered too ("Early stop:
Reach max steps N"): ``limit_steps`` takes the environment's own step limit (``max_steps``, or
``gym.make``'s ``max_episode_steps`` through `palaestra.envs.step_limit`), and ``aearly_stop``
judges the episode as it stands, no action run, when its task asks for that
(``Task.judge_at_step_limit``). ``aevidence`` reads what the task keeps of an ended episode for
``palaestra judge`` to re-judge it later. The step itself is ``browser_step``'s.
"""

from __future__ import annotations

from palaestra.envs.base import StepResult
from palaestra.envs.browser_step import BrowserSteps
from palaestra.tasks.base import EpisodeState, Evidence


class BrowserJudging(BrowserSteps):
    """A browser episode's step limit, its judging without an answer and its evidence for re-judging."""

    def limit_steps(self, max_steps: int | None) -> None:
        self._set_step_limit(max_steps)

    async def aearly_stop(self, reason: str) -> StepResult | None:
        """Judge the episode without an answer, as WebArena's harness does, if its task asks for that
        (``Task.judge_at_step_limit``): no action runs, the task's ``evaluate`` gets ``reason``."""
        self._bind_loop()
        async with self._calls.claim("early_stop"):  # judged during a step, it was judged twice
            if not self.task.judge_at_step_limit or self._episode is None or self._done:
                return None
            self._episode.early_stop = reason
            result = await self._guarded(self._episode, "", early_stop=reason)
            self._done = True  # judged: a later step runs no action (the environment server may get one)
            return result

    async def aevidence(self) -> Evidence | None:
        """The task's evidence of the episode that just ended, read from its page and context
        (kept until the next reset), for ``palaestra judge``."""
        self._bind_loop()
        episode = self._episode
        if episode is None:  # never started, or its infrastructure failed
            return None
        state = EpisodeState(
            list(episode.state.messages),
            episode.state.infeasible,
            episode.early_stop,
            await episode.downloads.saved(),
        )
        return await self.task.evidence(episode.state.page, state)
