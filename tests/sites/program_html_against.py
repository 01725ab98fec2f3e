"""Scores ``program_html`` checks on real pages of the served sites with our ``paper`` column and with
WebArena's own evaluator (libwebarena 0.0.5's ``HTMLContentEvaluator``, run by
``testing/webarena_page_scorer.py`` in the venv ``scripts/setup`` makes for it), for
``test_program_html_against_webarena.py``.

A case is a task's ``program_html`` checks, the agent's last page and the site state it is judged
in (an episode, seeded, or changed through the sites' forms first). Ours is computed in-process by
``evaluators.evaluate`` in ``mode="paper"`` on a page of our Chromium, the call ``OfficialTask``
makes; WebArena's in one subprocess, on a page of its own Chromium (same flags) that sends the
same episode header and log-in cookies. Where we differ on purpose, the test lists the case with
both verdicts and the reason (``Difference``), as the answer and OSWorld differential tests do.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.async_api import Browser

from palaestra.envs.browser import CHROMIUM_FLAGS, find_chromium
from palaestra.sites.runtime import Episode
from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate
from palaestra.testing.side_scorer import run_scorer

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
    """What a judging browser's context sends to the sites: the episode's header and log-in cookies
    on Palaestra's sites (``of_episode``), nothing on a user's instance."""

    headers: dict[str, str] = field(default_factory=dict)
    cookies: list[Any] = field(default_factory=list)

    @classmethod
    def of_episode(cls, episode: Episode) -> Visit:
        return cls(episode.headers, episode.login_cookies())


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


async def column_score(
    browser: Browser, case: Case, visit: Visit, urls: Mapping[str, str], mode: str
) -> float | str:
    """Our column's score of a case on a fresh logged-in page, or the name of the exception it
    raised (``OfficialTask.evaluate`` makes a ``ValueError`` the column's error)."""
    config = from_json(case.config({}) | {"start_url": case.last})
    context = await browser.new_context(extra_http_headers=visit.headers)
    try:
        if visit.cookies:
            await context.add_cookies(visit.cookies)
        page = await context.new_page()
        await page.goto(fill(case.last, urls), wait_until="load")
        ctx = EvalContext(page=page, context=context, answer=None, infeasible=None, urls=urls, databases={},
                          mode=mode, stand_ins=[s for s in case.sites if s not in case.hosted])  # fmt: skip
        try:
            return await evaluate(config.eval, ctx)
        except ValueError:
            return "ValueError"
    finally:
        await context.close()


def same_chromium(browser: Browser) -> str:
    """The executable the test's browser runs (``find_chromium``'s choice: Playwright's own when
    installed, else the system's), for WebArena's side to launch the same build."""
    chosen = find_chromium()
    own = browser.browser_type.executable_path
    return own if not os.environ.get("PALAESTRA_CHROMIUM") and Path(own).is_file() else str(chosen)


def webarena_verdicts(
    browser: Browser, cases: Mapping[str, Case], visits: Mapping[str, Visit],
    urls: Mapping[str, str], addresses: Mapping[str, str],
) -> dict[str, float | str]:  # fmt: skip
    """WebArena's score of each case in its state, or the name of the exception it raised."""
    chromium = same_chromium(browser)
    payload = [
        {
            "config": case.config(urls),
            "url": fill(case.last, urls),
            "headers": visits[case.state].headers,
            "cookies": visits[case.state].cookies,
        }
        for case in cases.values()
    ]
    env = {"SCORER_CHROMIUM": chromium, "SCORER_CHROMIUM_ARGS": json.dumps(list(CHROMIUM_FLAGS)),
           **{SITE_VARIABLES[site]: url for site, url in addresses.items()}}  # fmt: skip
    return dict(zip(cases, run_scorer(WEBARENA_PYTHON, SCORER, payload, env), strict=True))


def assert_same_scores(
    loop: asyncio.AbstractEventLoop, browser: Browser, cases: Mapping[str, Case],
    visits: Mapping[str, Visit], urls: Mapping[str, str], addresses: Mapping[str, str],
    differences: Mapping[str, Difference], coverage: bool = True,
) -> tuple[dict[str, float | str], dict[str, float | str]]:  # fmt: skip
    """Every case scores the same in our paper column and in WebArena, but those in
    ``differences``, which score exactly as listed; with ``coverage``, each kind of check has a
    case WebArena passes and one it fails. Returns WebArena's verdicts and our corrected column's
    scores, for the test to check its own tables."""
    assert set(differences) <= set(cases), set(differences) - set(cases)
    theirs = webarena_verdicts(browser, cases, visits, urls, addresses)
    ours = {
        name: loop.run_until_complete(column_score(browser, case, visits[case.state], urls, "paper"))
        for name, case in cases.items()
    }
    report = []
    for name in cases:
        if name in differences:
            want = differences[name]
            if (ours[name], theirs[name]) != (want.ours, want.webarena):
                listed = f"listed as ours {want.ours!r} / WebArena {want.webarena!r}"
                report.append(f"{name}: {listed}, now {ours[name]!r} / {theirs[name]!r}")
        elif ours[name] != theirs[name]:
            report.append(f"{name}: paper {ours[name]!r}, WebArena {theirs[name]!r}")
    table = "\n".join(f"{n}: {sorted(cases[n].kinds())}: {theirs[n]!r}" for n in cases)
    assert not report, "\n".join(report) + "\nWebArena's verdicts:\n" + table
    kinds = set().union(*(case.kinds() for case in cases.values())) if coverage else set()
    for kind in kinds - {"other locator", "other contents"}:
        seen = {theirs[n] for n, c in cases.items() if kind in c.kinds()}
        assert 1.0 in seen and 0.0 in seen, f"{kind} lacks a passing or a failing case:\n{table}"
    corrected = {
        name: loop.run_until_complete(column_score(browser, case, visits[case.state], urls, "corrected"))
        for name, case in cases.items()
    }
    return theirs, corrected
