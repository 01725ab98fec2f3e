"""Judging a finished site episode again, from its evidence, with the task's current evaluators.

The episode's saved state folder becomes a new episode of the sites (``SiteRuntime.new_episode``
with ``state``), a fresh browser context gets that episode's header and the cookies the agent's
context ended with, and every tab the agent's context ended with is opened again, in order, each on
its final URL (its origin moved to where the sites serve now), the active one brought to the front.
The evaluators then read the active page, the context, the restored databases and the saved answer,
as they read the live episode. What a reload cannot bring back (a form the agent filled but never
sent, a page's script state) is not there: ``program_html`` checks on ``last`` read the page as the
site serves it from the final state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.runs.evidence import EvidenceError
from palaestra.tasks.webarena.evaluators import evaluate

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

    from palaestra.tasks.webarena.task import SiteTask

NewContext = Callable[..., Awaitable["BrowserContext"]]


def rebase(url: str, old: Mapping[str, str], new: Mapping[str, str]) -> str | None:
    """``url`` on a site's old origin moved to the site's new one; None when it is on none of the
    episode's sites (``about:blank``, an error page): nothing is loaded for it then."""
    for site, origin in old.items():
        if site in new and (url == origin or url.startswith((origin + "/", origin + "?", origin + "#"))):
            return new[site] + url[len(origin) :]
    return None


async def judge_again(
    task: SiteTask, record: Mapping[str, Any], state: Path, new_context: NewContext, mode: str
) -> tuple[float, dict[str, Any]]:
    """The task's score of the saved episode (``record``, its evidence; ``state``, its unpacked
    state folder) and the evaluators' details. An episode without an answer scores 0, as it did."""
    answer, infeasible = record.get("answer"), record.get("infeasible")
    if answer is None and infeasible is None:
        return 0.0, {"unanswered": True}
    episode = await asyncio.to_thread(task.runtime.new_episode, task.config.sites, state)
    context = await new_context(viewport={"width": task.viewport[0], "height": task.viewport[1]})
    try:
        await context.set_extra_http_headers(episode.headers)
        origins = {site: task.runtime.origin(site) for site in episode.sites}
        cookies = record.get("cookies") or []
        if cookies and origins:
            home = next(iter(origins.values()))  # the sites share one host: a cookie reaches them all
            saved = [{"name": c["name"], "value": c["value"], "url": home} for c in cookies]
            await context.add_cookies(saved)  # type: ignore[arg-type]
        tabs, active = saved_tabs(record)
        pages: list[Page] = []
        reloaded: list[str | None] = []
        for tab in tabs:
            page = await context.new_page()
            url = rebase(tab, record.get("origins") or {}, origins)
            if url is not None:
                await page.goto(url, wait_until="load")
            pages.append(page)
            reloaded.append(url)
        page = pages[active]
        await page.bring_to_front()
        ctx = task.eval_context(page, episode, answer, infeasible, mode)
        score = await evaluate(task.config.eval, ctx)
        details = {**ctx.details, "reloaded": reloaded[active], "tabs": reloaded, "active": active}
        return score, details
    finally:
        await context.close()
        episode.discard()


def saved_tabs(record: Mapping[str, Any]) -> tuple[list[str], int]:
    """The tabs' URLs an episode ended with, in order, and the active one's place. The active tab
    is on ``final_url``, the URL the evaluators judge, whatever ``tabs`` says. Evidence of version
    1 has no place: the active tab is the last one on the final URL (the only tab, if it kept no
    tabs)."""
    final = str(record.get("final_url", ""))
    tabs = [str(t) for t in record.get("tabs") or []] or [final]
    active = record.get("active")
    if active is None:
        on_final = [i for i, t in enumerate(tabs) if t == final]
        return (tabs, on_final[-1]) if on_final else ([*tabs, final], len(tabs))
    if isinstance(active, bool) or not isinstance(active, int) or not 0 <= active < len(tabs):
        raise EvidenceError(f"its evidence names tab {active!r} as active, and it kept {len(tabs)} tab(s)")
    tabs[active] = final
    return tabs, active
