"""The runner's judging of an episode it ends without an answer (``aearly_stop``) runs alone, as a
step or a reset does (`palaestra.envs.one_call`). Judged while a step ran, the episode was judged
twice and both verdicts paid; a step during the judging acted on the episode being judged. Real
Chromium; a step that reaches ``max_steps`` still judges through it (a call within the step)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from playwright.async_api import Page

from palaestra.envs import BrowserEnv
from palaestra.errors import EnvStateError
from palaestra.tasks.base import EpisodeState, Evaluation
from palaestra.tasks.page import PageTask

PAGES = Path(__file__).parent / "pages"


class JudgedAtTheLimit(PageTask):
    """Judged at the step limit, as WebArena's official tasks are; counts its verdicts and takes
    half a second over the early-stop one (long enough to call the environment meanwhile)."""

    judge_at_step_limit = True

    def __init__(self) -> None:
        super().__init__((PAGES / "widgets.html").as_uri(), "Wait.")
        self.early_verdicts = 0

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        if state.early_stop is None:
            return Evaluation()
        self.early_verdicts += 1
        await asyncio.sleep(0.5)
        return Evaluation(reward=1.0, done=True, success=True)


def test_early_stop_during_a_step_and_a_step_during_it_are_refused() -> None:
    task = JudgedAtTheLimit()

    async def main() -> None:
        async with BrowserEnv(task, pages_ahead=0) as env:
            await env.areset(seed=0)
            step = asyncio.ensure_future(env.astep("noop(600)"))
            await asyncio.sleep(0.2)
            with pytest.raises(EnvStateError, match=r"aearly_stop\(\) while a step\(\)"):
                await env.aearly_stop("Reach max steps 1")
            assert (await step)[4]["error"] == {}  # the step ended as it would have alone

            judging = asyncio.ensure_future(env.aearly_stop("Reach max steps 1"))
            await asyncio.sleep(0.2)
            with pytest.raises(EnvStateError, match=r"step\(\) while the episode is being judged"):
                await env.astep("noop(0)")
            with pytest.raises(EnvStateError, match=r"already being judged"):
                await env.aearly_stop("Reach max steps 1")
            judged = await judging
            assert judged is not None and judged[1] == 1.0 and task.early_verdicts == 1

    asyncio.run(main())


def test_a_step_that_reaches_the_limit_is_judged_once_within_it() -> None:
    task = JudgedAtTheLimit()

    async def main() -> None:
        async with BrowserEnv(task, pages_ahead=0, max_steps=1) as env:
            await env.areset(seed=0)
            _, reward, terminated, truncated, info = await env.astep("noop(0)")
            assert (reward, terminated, truncated) == (1.0, False, True), info
            assert info["early_stop"] == "Reach max steps 1" and task.early_verdicts == 1
            assert await env.aearly_stop("Reach max steps 1") is None  # judged already

    asyncio.run(main())
