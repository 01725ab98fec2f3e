"""``SiteTask``: one WebArena-format task on Palaestra's sites, with its own state per episode.

``prepare`` (which the environment runs ahead, in the background, for the next episodes) gives the
page's browser context a fresh episode: the sites' seeded databases copied for it alone, the header
that routes its requests there, the log-in cookie of the task's account, and the start page loaded.
A reset then costs only its first observation. The episode ends when the agent answers
(``send_msg_to_user``) or gives up (``report_infeasible``); the evaluators then judge it. A site that
stopped during the episode ends it with the error kind ``site_crashed``; the next episode gets a
restarted site.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from palaestra.errors import SiteCrashedError
from palaestra.tasks.base import EpisodeState, Evaluation, Evidence, Task
from palaestra.tasks.webarena.config import TaskConfig, fill_placeholders
from palaestra.tasks.webarena.evaluators import EvalContext, FuzzyJudge, evaluate
from palaestra.tasks.webarena.judges import judge_from_env

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page


class SiteTask(Task):
    action_set = "web"
    viewport = (1280, 720)
    ends_at_answer = True

    def __init__(
        self,
        config: TaskConfig,
        name: str = "",
        runtime: Any = None,
        judge: FuzzyJudge | None = None,
        tools: bool | None = None,
    ) -> None:
        self.config = config
        #: Offer the calculator, the sites' manuals and the wiki search (``site_tools``); off unless
        #: asked (``tools=True`` or ``PALAESTRA_SITE_TOOLS=1``), since tools change the action set.
        self.with_tools = os.environ.get("PALAESTRA_SITE_TOOLS") == "1" if tools is None else tools
        self.name = name or f"webarena.{config.task_id}"
        self._runtime = runtime
        self.judge = judge if judge is not None else judge_from_env()
        self._episodes: dict[BrowserContext, Any] = {}

    def tools(self) -> Any:
        if not self.with_tools:
            return None
        from palaestra.tasks.webarena.site_tools import site_tools

        return site_tools(self.config.sites)

    @property
    def runtime(self) -> Any:
        if self._runtime is None:
            from palaestra.sites.runtime import get_runtime

            self._runtime = get_runtime()
        return self._runtime

    def urls(self) -> dict[str, str]:
        """Placeholder -> base URL for every site of the task (starting them if needed)."""
        from palaestra.sites.registry import get_site

        return {get_site(s).placeholder: self.runtime.url(s) for s in self.config.sites}

    def site_origins(self) -> tuple[str, ...]:
        return tuple(self.urls().values())

    def episode(self, page: Page) -> Any:
        """The ``palaestra.sites.runtime.Episode`` of the page's browser context."""
        return self._episodes[page.context]

    async def warm_up(self) -> None:
        await asyncio.to_thread(self.urls)  # builds the seed if needed and starts the sites

    async def prepare(self, page: Page) -> None:
        await self._start(page)

    async def _start(self, page: Page) -> None:
        context = page.context
        episode = await self._new_episode(context, self.config.sites)
        if self.config.require_login:
            await context.clear_cookies()
            await context.add_cookies(episode.login_cookies(self.config.login_as))
        await page.goto(fill_placeholders(self.config.start_url, self.urls()), wait_until="load")

    async def _new_episode(self, context: BrowserContext, sites: Sequence[str]) -> Any:
        """A fresh copy of ``sites``' state for the episode in ``context``, replacing (and
        discarding) the copy its previous episode used; the last is discarded with the context."""
        episode = await asyncio.to_thread(self.runtime.new_episode, sites)
        old = self._episodes.get(context)
        self._episodes[context] = episode
        if old is not None:
            old.discard()
        else:
            context.on("close", lambda _: self._forget(context))
        await context.set_extra_http_headers(episode.headers)
        return episode

    def _forget(self, context: BrowserContext) -> None:
        episode = self._episodes.pop(context, None)
        if episode is not None:
            episode.discard()

    async def setup(self, page: Page, seed: int) -> str:
        try:
            self.episode(page).check_alive()
        except SiteCrashedError:  # prepared before a site restarted: start this episode afresh
            await self._start(page)
        # A multi-site intent names the other sites' addresses (``__CODE__``), as WebArena's do.
        return fill_placeholders(self.config.intent, self.urls())

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        episode = self.episode(page)
        episode.check_alive()
        if not state.messages and state.infeasible is None:
            return Evaluation()
        answer = state.messages[-1] if state.messages else None
        ctx = self.eval_context(page, episode, answer, state.infeasible)
        score = await evaluate(self.config.eval, ctx)
        raw = {"score": score, "task_id": self.config.task_id, **ctx.details}
        return Evaluation(reward=score, done=True, success=score >= 1.0, raw=raw)

    def eval_context(
        self, page: Page, episode: Any, answer: str | None, infeasible: str | None, mode: str = "corrected"
    ) -> EvalContext:
        """What the evaluators read of an episode: its page, its databases, the agent's answer;
        also what ``palaestra judge`` gives them for an episode restored from its evidence."""
        from palaestra.sites.registry import get_site

        databases = {s: episode.database(get_site(s).dataset) for s in self.config.sites}
        databases.update(
            {get_site(s).dataset: episode.database(get_site(s).dataset) for s in self.config.sites}
        )
        return EvalContext(
            page=page, context=page.context, answer=answer, infeasible=infeasible, urls=self.urls(),
            databases=databases, intent=self.config.intent, judge=self.judge, mode=mode,
        )  # fmt: skip

    async def evidence(self, page: Page, state: EpisodeState) -> Evidence | None:
        """The answer, the tabs' URLs and which is active, the context's cookies, the sites' origins
        (a later judge serves them on other ports) and the episode's state folder."""
        episode = self._episodes.get(page.context)
        if episode is None:
            return None
        record = {
            "answer": state.messages[-1] if state.messages else None,
            "infeasible": state.infeasible,
            **tabs_record(page),
            "origins": {site: self.runtime.origin(site) for site in episode.sites},
            "cookies": [
                {"name": c["name"], "value": c["value"], "path": c.get("path", "/")}
                for c in await page.context.cookies()
            ],
        }
        return Evidence(record, episode.folder)


def tabs_record(page: Page) -> dict[str, Any]:
    """Where the episode ended, for its evidence: the active page's URL (``final_url``), every
    tab's URL in the context's order (``tabs``) and the active one's place among them (``active``)."""
    pages = page.context.pages
    return {
        "final_url": page.url,
        "tabs": [p.url for p in pages],
        "active": pages.index(page) if page in pages else len(pages) - 1,
    }
