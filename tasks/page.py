"""``PageTask``: any web page as a task, judged by a JavaScript predicate on the page.

Useful for one-off tasks, for tests of the environment, and as the smallest example of the
``Task`` interface. The predicate runs in the page (task side); the agent never sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.tasks.base import EpisodeState, Evaluation, Task

if TYPE_CHECKING:
    from playwright.async_api import Page


class PageTask(Task):
    """Open ``url``; the episode succeeds when ``success_js`` (an expression) is truthy."""

    def __init__(
        self,
        url: str,
        goal: str,
        success_js: str | None = None,
        *,
        name: str = "page",
        viewport: tuple[int, int] = (800, 600),
        allowed_urls: tuple[str, ...] | None = None,
        action_set: str = "web",
    ) -> None:
        self.url, self.goal, self.success_js = url, goal, success_js
        self.name, self.viewport, self.allowed_urls, self.action_set = (
            name,
            viewport,
            allowed_urls,
            action_set,
        )

    async def prepare(self, page: Page) -> None:
        await page.goto(self.url, wait_until="load")

    async def setup(self, page: Page, seed: int) -> str:
        return self.goal

    async def ended(self, page: Page) -> bool:
        return self.success_js is not None and await self._succeeded(page)

    async def _succeeded(self, page: Page) -> bool:
        return bool(await page.evaluate(f"() => !!({self.success_js})"))

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        if self.success_js is None:
            return Evaluation()
        success = await self._succeeded(page)
        return Evaluation(reward=1.0 if success else 0.0, done=success, success=success)
