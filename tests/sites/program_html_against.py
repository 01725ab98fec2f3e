"""Scores ``program_html`` checks on real pages of the served sites with our ``paper`` column and with
WebArena's own evaluator (libwebarena 0.0.5's ``HTMLContentEvaluator``, run by
``testing/webarena_page_scorer.py`` in the venv ``scripts/setup`` makes for it), for
``test_program_html_against_webarena.py`` and the helper tests beside it.

A case is a task's ``program_html`` checks, the agent's last page and the site state it is judged
in (``Visit``: an episode, seeded or changed through the sites' forms first, or a user-hosted
instance). Ours is computed in-process by ``evaluators.evaluate`` in ``mode="paper"`` (and
``"corrected"``) on a page of our Chromium, the call ``OfficialTask`` makes; WebArena's in one
subprocess for all cases, on a page of its own Chromium (same build and flags) that sends the
same episode header and log-in cookies. Where we differ on purpose, the test lists the case with
both verdicts and the reason (``Difference``), as the answer and OSWorld differential tests do.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser

from palaestra.envs.browser import CHROMIUM_FLAGS, find_chromium
from palaestra.sites.runtime import Episode
from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate
from palaestra.testing.side_scorer import disagreements, run_scorer

WEBARENA_PYTHON = Path(sys.prefix) / "share" / "palaestra" / "venv-webarena" / "bin" / "python"
SCORER = Path(__file__).resolve().parents[2] / "testing" / "webarena_page_scorer.py"
#: WebArena's site -> the environment variable its helpers read its address from.
SITE_VARIABLES = {"shopping": "SHOPPING", "shopping_admin": "SHOPPING_ADMIN", "reddit": "REDDIT",
                  "gitlab": "GITLAB"}  # fmt: skip


@dataclass(frozen=True)
class Case:
    """``checks`` (WebArena's ``program_html`` list) judged with the agent on ``last`` (a URL with
    WebArena's placeholders), in the site state ``state`` names."""

    checks: tuple[dict[str, Any], ...]
    last: str
    state: str = "seed"
    sites: tuple[str, ...] = ("shopping",)
    #: The sites a user's instance serves (the rest are Palaestra's stand-ins).
    hosted: tuple[str, ...] = ()

    def config(self, urls: Mapping[str, str]) -> dict[str, Any]:
        """The task as WebArena's generated config file has it: placeholders replaced by the sites'
        URLs (WebArena's ``generate_test_data`` does that before its evaluators read a file)."""
        spec = {"eval_types": ["program_html"], "reference_answers": None, "reference_url": "",
                "program_html": [fill(check, urls) for check in self.checks]}  # fmt: skip
        return {"task_id": 0, "sites": list(self.sites), "intent": "Do the task.", "require_login": True,
                "start_url": fill(self.last, urls), "storage_state": None, "eval": spec}  # fmt: skip

    def kinds(self) -> set[str]:
        """The kinds of page, locator and required contents of the first check (each needs a case
        WebArena passes and one it fails; WebArena refuses the kinds named "other")."""
        check = self.checks[0]
        locator, url, required = str(check["locator"]), str(check["url"]), check["required_contents"]
        where = "func: url" if url.startswith("func:") else ("last page" if url == "last" else "url")
        how = ("page's HTML" if not locator.strip() else "func: locator" if locator.startswith("func:")
               else "[...document. locator" if locator.startswith("[...document.")
               else "document. locator" if locator.startswith("document.") else "other locator")  # fmt: skip
        what = next((key for key in ("exact_match", "must_include") if key in required), "other contents")
        return {where, how, what}


@dataclass(frozen=True)
class Visit:
    """A site state cases are judged in: the sites' addresses (WebArena's site -> base URL) and what
    a judging browser's context sends them, the episode's header and log-in cookies on Palaestra's
    sites (``of_episode``), nothing on a user's instance."""

    addresses: dict[str, str]
    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[Any] = field(default_factory=list)

    @classmethod
    def of_episode(cls, episode: Episode, addresses: dict[str, str]) -> Visit:
        return cls(addresses, episode.headers, episode.login_cookies())

    @property
    def urls(self) -> dict[str, str]:
        """WebArena's placeholders (``__SHOPPING__``) -> base URL."""
        return {f"__{site.upper()}__": url for site, url in self.addresses.items()}


@dataclass(frozen=True)
class Difference:
    """A case where our paper column differs from WebArena on purpose: both verdicts and why."""

    ours: float | str
    webarena: float | str
    reason: str


def fill(value: Any, urls: Mapping[str, str]) -> Any:
    """``value`` (text, or a check's dict) with WebArena's placeholders replaced by the sites' URLs."""
    if isinstance(value, dict):
        return {key: fill(item, urls) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, urls) for item in value]
    if isinstance(value, str):
        for name, url in urls.items():
            value = value.replace(name, url)
    return value


async def column_scores(browser: Browser, case: Case, visit: Visit) -> tuple[float | str, float | str]:
    """Our paper and corrected columns' scores of a case on a fresh logged-in page, or the name of
    the exception each raised (``OfficialTask.evaluate`` makes a ``ValueError`` the column's error).
    Both read the same page, paper first: its reading never runs a prep action the corrected one
    skips, so the page the corrected column reads is the one it would have made itself."""
    config, urls = from_json(case.config({}) | {"start_url": case.last}), visit.urls
    context = await browser.new_context(extra_http_headers=visit.headers)
    try:
        if visit.cookies:
            await context.add_cookies(visit.cookies)
        page = await context.new_page()
        await page.goto(fill(case.last, urls), wait_until="load")
        scores: list[float | str] = []
        stand_ins = [site for site in case.sites if site not in case.hosted]
        for mode in ("paper", "corrected"):
            ctx = EvalContext(page=page, context=context, answer=None, infeasible=None, urls=urls,
                              databases={}, mode=mode, stand_ins=stand_ins)  # fmt: skip
            try:
                scores.append(await evaluate(config.eval, ctx))
            except ValueError:
                scores.append("ValueError")
        return scores[0], scores[1]
    finally:
        await context.close()


def same_chromium(browser: Browser) -> str:
    """The executable the test's browser runs (``find_chromium``'s choice: Playwright's own when
    installed, else the system's), for WebArena's side to launch the same build."""
    chosen = find_chromium()
    own = browser.browser_type.executable_path
    return own if not os.environ.get("PALAESTRA_CHROMIUM") and Path(own).is_file() else str(chosen)


def webarena_verdicts(
    browser: Browser, cases: Mapping[str, Case], visits: Mapping[str, Visit]
) -> Callable[[], dict[str, float | str]]:
    """A call giving WebArena's score of each case in its state, or the name of the exception it
    raised. It only waits on WebArena's subprocess, so it can run in a thread while our columns
    score the same pages (no case changes a site: prep actions act on the page alone)."""
    payload = []
    for case in cases.values():
        visit = visits[case.state]
        payload.append({
            "config": case.config(visit.urls), "url": fill(case.last, visit.urls), "headers": visit.headers,
            "cookies": visit.cookies, "sites": {SITE_VARIABLES[s]: url for s, url in visit.addresses.items()},
        })  # fmt: skip
    env = {
        "SCORER_CHROMIUM": same_chromium(browser),
        "SCORER_CHROMIUM_ARGS": json.dumps(list(CHROMIUM_FLAGS)),
    }
    return lambda: dict(zip(cases, run_scorer(WEBARENA_PYTHON, SCORER, payload, env), strict=True))


def assert_same_scores(
    loop: asyncio.AbstractEventLoop, browser: Browser, cases: Mapping[str, Case],
    visits: Mapping[str, Visit], differences: Mapping[str, Difference], coverage: bool = True,
) -> tuple[dict[str, float | str], dict[str, float | str]]:  # fmt: skip
    """Every case scores the same in our paper column and in WebArena, but those in
    ``differences``, which score exactly as listed; with ``coverage``, each kind of check has a
    case WebArena passes and one it fails. Returns WebArena's verdicts and our corrected column's
    scores, for the test to check its own tables."""
    assert set(differences) <= set(cases), set(differences) - set(cases)
    with ThreadPoolExecutor(max_workers=1) as pool:
        webarena = pool.submit(webarena_verdicts(browser, cases, visits))
        both = {name: loop.run_until_complete(column_scores(browser, case, visits[case.state]))
                for name, case in cases.items()}  # fmt: skip
        theirs = webarena.result()
    ours = {name: paper for name, (paper, _) in both.items()}
    listed = {name: (d.ours, d.webarena) for name, d in differences.items()}
    report = disagreements(cases, ours, theirs, listed, "WebArena")
    table = "\n".join(f"{n}: {sorted(cases[n].kinds())}: {theirs[n]!r}" for n in cases)
    assert not report, "\n".join(report) + "\nWebArena's verdicts:\n" + table
    kinds = set().union(*(case.kinds() for case in cases.values())) if coverage else set()
    for kind in kinds - {"other locator", "other contents"}:
        seen = {theirs[n] for n, c in cases.items() if kind in c.kinds()}
        assert 1.0 in seen and 0.0 in seen, f"{kind} lacks a passing or a failing case:\n{table}"
    return theirs, {name: corrected for name, (_, corrected) in both.items()}
