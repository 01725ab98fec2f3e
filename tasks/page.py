"""``PageTask``: any web page as a task, judged by a JavaScript predicate on the page.

Useful for one-off tasks, for tests of the environment, and as the smallest example of the
``Task`` interface. The predicate runs in the page (task side); the agent never sees it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from palaestra.errors import TaskError
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
        # Between actions the page may be mid-way to another document: a throw is "not yet".
        return self.success_js is not None and (await self._predicate(page)).get("value") is True

    async def _predicate(self, page: Page) -> dict[str, object]:
        """``{"value": bool}``, or ``{"error": text}`` when the predicate throws; a predicate that is
        not an expression at all is the task's error (``TaskError``), never the environment's."""
        from playwright.async_api import Error as PlaywrightError

        wrapped = (
            f"() => {{ try {{ return {{value: !!({self.success_js})}}; }} "
            "catch (e) { return {error: String(e)}; } }"
        )
        try:
            result: dict[str, object] = await page.evaluate(wrapped)
        except PlaywrightError as exc:
            if "SyntaxError" not in str(exc):
                raise
            raise TaskError(
                f"The PageTask `{self.name}`'s success_js {self.success_js!r:.200} is not a JavaScript "
                f"expression ({str(exc).splitlines()[0]}). Write one expression, such as "
                "\"document.querySelector('#done') !== null\"."
            ) from None
        return result

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        if self.success_js is None:
            return Evaluation()
        result = await self._predicate(page)
        if "error" in result:
            raise TaskError(
                f"The PageTask `{self.name}`'s success_js {self.success_js!r:.200} threw {result['error']} "
                f"on {page.url}. Make it an expression that is false rather than throwing while the page "
                "is not yet done (`window.app && app.done`)."
            )
        success = result.get("value") is True
        return Evaluation(reward=1.0 if success else 0.0, done=success, success=success)
