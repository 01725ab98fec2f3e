"""``OfficialTask``: one task of WebArena's own files, on a user's WebArena instances or on
Palaestra's stand-ins, judged in three columns.

- ``paper``: WebArena's evaluators as published (``evaluators`` in ``mode="paper"``, its
  ``func:`` helpers in ``helpers``, and with ``PALAESTRA_FUZZY_JUDGE=llm`` its own LLM grader,
  ``judges.PaperGrader``);
- ``corrected``: the same checks with Palaestra's corrections (parsed URLs instead of PR #77's
  substring test, whole words for ``must_include``, ``report_infeasible`` meets an "N/A" task, an
  answer listing candidates refused: ``candidates``);
- ``verified``: WebArena-Verified's own evaluator (the ``webarena-verified`` package) on the
  agent's answer and the episode's network events, recorded here as HAR entries.

The reward is the column the benchmark's published numbers use: ``paper`` for ``webarena`` and
``webarena-lite``, ``verified`` for ``webarena-verified``; all three are in the verdict's ``raw``.

Log-in follows WebArena's ``auto_login``: its accounts, typed into each site's own log-in form once
per worker and site; the cookies are then reused by the worker's later episodes, as WebArena reuses
its ``.auth`` storage states. On Palaestra's stand-ins the seeded default account is used instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import os
from typing import TYPE_CHECKING, Any

from palaestra.errors import SiteError
from palaestra.tasks.base import EpisodeState, Evaluation, Evidence
from palaestra.tasks.webarena.config import TaskConfig, fill_placeholders
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate
from palaestra.tasks.webarena.judges import PaperGrader, paper_grader_from_env
from palaestra.tasks.webarena.official import (
    WEBARENA_SITES,
    benchmark_configs,
    hosts_from_env,
    placeholder,
    sources,
)
from palaestra.tasks.webarena.task import SiteTask, tabs_record
from palaestra.tasks.webarena.verified_log import captured

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page, Response

#: WebArena's accounts and log-in forms (its ``auto_login.py``): path, fields (label -> value), button.
LOGINS: dict[str, tuple[str, dict[str, str], str]] = {
    "shopping": ("/customer/account/login/", {"Email": "emma.lopez@gmail.com", "Password": "Password.123"},
                 "Sign In"),
    "shopping_admin": ("/admin", {"Username": "admin", "Password": "admin1234"}, "Sign in"),
    "reddit": ("/login", {"Username": "MarvelsGrantMan136", "Password": "test1234"}, "Log in"),
    "gitlab": ("/users/sign_in", {"Username or email": "byteblaze", "Password": "hello1234"}, "Sign in"),
}  # fmt: skip
#: What WebArena's harness answers for an agent it stops (``create_stop_action(f"Early stop: ...")``).
EARLY_STOP = "Early stop: "
#: Cookies after logging in, per (site, URL), for this worker's later episodes.
_LOGGED_IN: dict[tuple[str, str], list[Any]] = {}
#: Why a task of the user's own files has no Verified column.
NOT_VERIFIED = "a task of your own files has no WebArena-Verified evaluation (Verified's are its own tasks')"
#: Responses not recorded for WebArena-Verified (static files), as its own filter.
_STATIC = (".css", ".js", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".woff", ".woff2", ".ttf", ".ico", ".webp")


def har_record(
    method: str,
    url: str,
    sent: dict[str, str],
    status: int,
    got: dict[str, str],
    post: str | None = None,
) -> dict[str, Any]:
    """One HAR entry (the fields WebArena-Verified's network checks read, and HAR's required ones)."""
    request: dict[str, Any] = {
        "method": method, "url": url, "httpVersion": "HTTP/1.1", "cookies": [], "queryString": [],
        "headers": [{"name": k, "value": v} for k, v in sent.items()], "headersSize": -1, "bodySize": -1,
    }  # fmt: skip
    if post is not None:
        request["postData"] = {"mimeType": sent.get("content-type", ""), "text": post}
    response = {
        "status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": set_cookies(got),
        "headers": [{"name": k, "value": v} for k, v in got.items()],
        "content": {"size": 0, "mimeType": got.get("content-type", "")},
        "redirectURL": got.get("location", ""), "headersSize": -1, "bodySize": -1,
    }  # fmt: skip
    timings = {"send": 0, "wait": 0, "receive": 0}
    return {"request": request, "response": response, "startedDateTime": "1970-01-01T00:00:00Z",
            "time": 0, "cache": {}, "timings": timings}  # fmt: skip


def set_cookies(headers: dict[str, str]) -> list[dict[str, Any]]:
    """HAR's ``response.cookies``: the cookies a response's ``Set-Cookie`` lines set (Playwright's
    ``all_headers`` joins them with new lines), values as sent. Verified's wish-list checks (tasks
    511-515) read Magento's ``mage-messages`` cookie there ("... has been added to your wish list")."""
    cookies: list[dict[str, Any]] = []
    for line in headers.get("set-cookie", "").split("\n"):
        pair, *attributes = line.split(";")
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            continue
        cookie: dict[str, Any] = {"name": name.strip(), "value": value.strip()}
        for attribute in attributes:
            key, _, setting = attribute.strip().partition("=")
            lowered = key.lower()
            if lowered in ("path", "domain", "expires"):
                cookie[lowered] = setting
            elif lowered in ("httponly", "secure"):
                cookie["httpOnly" if lowered == "httponly" else "secure"] = True
        cookies.append(cookie)
    return cookies


async def har_entry(response: Response) -> dict[str, Any]:
    """The HAR entry of one response, with every header the browser sent (``all_headers``:
    Playwright's ``headers`` leaves some out)."""
    request = response.request
    sent, received = await request.all_headers(), await response.all_headers()
    return har_record(request.method, request.url, sent, response.status, received, request.post_data)


class OfficialTask(SiteTask):
    #: WebArena's harness judges every episode: one that reaches its step limit (or that it stops for
    #: repeated or unparsable actions) ends with a stop action whose answer is "Early stop: <why>".
    judge_at_step_limit = True

    def __init__(
        self,
        config: TaskConfig,
        name: str,
        benchmark: str,
        hosts: dict[str, str] | None = None,
        paper_grader: PaperGrader | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, name, **kwargs)
        #: WebArena's grader for the paper column (None: the judge is off).
        self.paper_grader = paper_grader if paper_grader is not None else paper_grader_from_env()
        self.benchmark = benchmark
        self.hosts = hosts_from_env() if hosts is None else dict(hosts)
        self.primary = "verified" if benchmark == "webarena-verified" else "paper"
        self._events: dict[BrowserContext, list[dict[str, Any]]] = {}

    def tools(self) -> Any:
        """The calculator only: Palaestra's manuals and wiki describe its stand-ins, not WebArena's images."""
        if not self.with_tools:
            return None
        from palaestra.tasks.webarena.site_tools import site_tools

        return site_tools(())

    async def evidence(self, page: Page, state: EpisodeState) -> Evidence | None:
        """What ``palaestra judge`` re-judges offline (``rejudge_official``): the answer (or why the
        episode was stopped without one), the tabs, the sites' URLs the episode used, and its network
        events for Verified. No cookies and no site state: the sites may be the user's instances."""
        record = {
            "answer": state.messages[-1] if state.messages else None,
            "infeasible": state.infeasible,
            "early_stop": state.early_stop,
            **tabs_record(page),
            "urls": self.urls(),
        }
        return Evidence(record, None, network=list(self._events.get(page.context, [])))

    def stand_ins(self) -> list[str]:
        """Palaestra's sites this task runs on (its sites that no user instance replaces)."""
        out = []
        for site in self.config.sites:
            if site in self.hosts:
                continue
            ours = WEBARENA_SITES.get(site)
            if ours is None:
                raise SiteError(
                    f"Task {self.config.task_id} needs WebArena's {site} site, which Palaestra does not "
                    f"stand in for. Give your instance: palaestra eval --site {site}=http://HOST:PORT ..."
                )
            out.append(ours)
        return out

    def urls(self) -> dict[str, str]:
        urls = {placeholder(s): self.hosts[s] for s in self.config.sites if s in self.hosts}
        for site in self.config.sites:
            ours = WEBARENA_SITES.get(site)
            if site not in self.hosts and ours is not None:
                urls[placeholder(site)] = self.runtime.url(ours)
        return urls

    async def _start(self, page: Page) -> None:
        context = page.context
        ours = self.stand_ins()
        if ours:
            await self._new_episode(context, ours)
        await context.clear_cookies()
        if self.config.require_login:
            if ours:
                await context.add_cookies(self._episodes[context].login_cookies())
            for site in (s for s in self.config.sites if s in self.hosts and s in LOGINS):
                await context.add_cookies(await self._log_in(page, site))
        if context not in self._events:
            context.on("response", lambda response: self._record(context, response))
        self._events[context] = []
        start = fill_placeholders(self.config.start_url.split(" |AND| ")[0], self.urls())
        await page.goto(start, wait_until="load")

    async def _record(self, context: BrowserContext, response: Response) -> None:
        if response.url.split("?", 1)[0].endswith(_STATIC):
            return
        from playwright.async_api import Error as PlaywrightError  # loaded already: the episode runs on it

        events = self._events.setdefault(context, [])  # this episode's list, even if it ends meanwhile
        with contextlib.suppress(PlaywrightError):  # the page closed before its headers were read
            events.append(await har_entry(response))

    async def _log_in(self, page: Page, site: str) -> list[Any]:
        url = self.hosts[site]
        key = (site, url)
        if key not in _LOGGED_IN:
            path, fields, button = LOGINS[site]
            await page.goto(url + path, wait_until="load")
            for label, value in fields.items():
                await page.get_by_label(label, exact=False).first.fill(value)
            await page.get_by_role("button", name=button).first.click()
            await page.wait_for_load_state("load")
            if await page.locator("input[type=password]").count():  # the form again: refused
                account = next(iter(fields.values()))
                raise SiteError(
                    f"Logging in to {site} at {url} as {account} failed: {page.url} still shows a log-in "
                    "form. Check that the instance is WebArena's image with its seeded accounts (a reset "
                    "instance keeps them), or log in by hand and pass the cookies another way."
                )
            _LOGGED_IN[key] = list(await page.context.cookies(url))
        return _LOGGED_IN[key]

    async def setup(self, page: Page, seed: int) -> str:
        if self.stand_ins():
            return await super().setup(page, seed)
        return self.config.intent

    def sources(self) -> dict[str, str]:
        """Where the task files came from: the packages' versions, or the user's own files."""
        if self.benchmark == "webarena-json":
            from palaestra.tasks.webarena.own_tasks import TASKS_ENV

            return {"task_files": os.environ.get(TASKS_ENV, "")}
        return sources()

    async def verified_column(
        self, answer: str | None, events: list[dict[str, Any]], urls: dict[str, str]
    ) -> tuple[float | None, dict[str, Any]]:
        """Verified's score and details; a task of the user's own files (``webarena-json``) has no
        Verified evaluation (Verified's are looked up by WebArena's task ids), so None, with why."""
        if self.benchmark == "webarena-json":
            return None, {"skipped": NOT_VERIFIED}  # not an error: there is nothing to judge by
        return await asyncio.to_thread(verified_verdict, self.config.task_id, answer, events, urls)

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        if self.stand_ins():
            self.episode(page).check_alive()
        if not state.messages and state.infeasible is None and state.early_stop is None:
            return Evaluation()
        answer = state.messages[-1] if state.messages else None
        # An episode without an answer is judged as WebArena's harness judges it: the paper column
        # gets its "Early stop: ..." answer; the corrected column and Verified see no answer at all.
        early = EARLY_STOP + state.early_stop if answer is None and state.early_stop is not None else None
        columns: dict[str, float | None] = {}
        errors: dict[str, str] = {}
        details: dict[str, Any] = {}
        stand_ins = [s for s in self.config.sites if s not in self.hosts]
        for mode in ("paper", "corrected"):
            grader = self.paper_grader if mode == "paper" else None
            given = early if mode == "paper" and early is not None else answer
            ctx = EvalContext(
                page=page, context=page.context, answer=given, infeasible=state.infeasible, urls=self.urls(),
                databases={}, intent=self.config.intent, mode=mode, stand_ins=stand_ins,
                judge=grader.fuzzy if grader else self.judge,
                ua_judge=grader.unachievable if grader else None,
            )  # fmt: skip
            try:
                columns[mode] = await evaluate(self.config.eval, ctx)
            except (ValueError, KeyError) as exc:  # a helper that cannot run here, a grader's odd reply
                columns[mode], errors[mode] = None, str(exc)
            details[mode] = ctx.details
        events = self._events.get(page.context, [])
        columns["verified"], verified = await self.verified_column(
            answer or state.infeasible, events, self.urls()
        )
        if verified.get("error"):
            errors["verified"] = verified["error"]
        score = columns.get(self.primary) or 0.0
        raw = {
            "score": score,
            "task_id": self.config.task_id,
            "columns": columns,
            "errors": errors,
            "details": details,
            "verified": verified,
            "sources": self.sources(),
            "stand_ins": stand_ins,
            "early_stop": early,
        }  # fmt: skip  (WebArena's sites not on the user's instances)
        return Evaluation(reward=score, done=True, success=score >= 1.0, raw=raw)


@functools.cache
def _verifier(urls: tuple[tuple[str, str], ...]) -> Any:
    """WebArena-Verified's evaluator for these site URLs (its dataset loads once per worker)."""
    from webarena_verified import WebArenaVerified
    from webarena_verified.types.config import EnvironmentConfig, WebArenaVerifiedConfig

    environments = {k.strip("_").lower(): EnvironmentConfig(urls=[v]) for k, v in urls}
    return WebArenaVerified(config=WebArenaVerifiedConfig(environments=environments))


def verified_verdict(
    task_id: int, answer: str | None, events: list[dict[str, Any]], urls: dict[str, str]
) -> tuple[float | None, dict[str, Any]]:
    """WebArena-Verified's score of an episode (None when its package is missing or it errs)."""
    try:
        import webarena_verified  # noqa: F401
    except ImportError:
        return None, {"error": "webarena-verified is not installed: pip install 'palaestra[webarena]'"}
    response: Any = answer
    if answer is not None:
        with contextlib.suppress(json.JSONDecodeError):
            response = json.loads(answer)
    verifier = _verifier(tuple(sorted(urls.items())))
    with captured() as logged:  # Verified's log (a traceback for an answer it cannot read): kept here
        result = verifier.evaluate_task(task_id=task_id, agent_response=response, network_trace=events or [])
    status = str(getattr(result.status, "value", result.status))
    out: dict[str, Any] = {"status": status, "score": result.score, **({"log": logged} if logged else {})}
    if status == "error":
        results = result.evaluators_results
        failed = [r for r in results if str(getattr(r.status, "value", r.status)) == "error"]
        only_the_answer = failed and all(r.evaluator_name == "AgentResponseEvaluator" for r in failed)
        if only_the_answer and gives_data_none_is_asked(task_id, response):
            out.update(status="failure", score=0.0, note=DATA_NOT_ASKED)
            return 0.0, out
        messages = [str(r.error_msg) for r in failed if r.error_msg]
        out["error"] = str(getattr(result, "error_msg", "") or "; ".join(messages) or "evaluation error")
        return None, out
    return float(result.score), out


def gives_data_none_is_asked(task_id: int, response: Any) -> bool:
    """Whether the answer carries ``retrieved_data`` for a retrieval Verified expects to end in
    none (a NOT_FOUND_ERROR, whose expected data is ``null``). Such an answer is wrong whatever else
    Verified would compare, so Verified failing to read it is a failure, not an error. Decided from
    the task's expectation and the answer's structure, not from the message Verified's evaluator
    happens to raise (navigations and changes are not concerned: Verified ignores their data)."""
    config = benchmark_configs("webarena-verified").get(str(task_id))
    checks = config.extra.get("verified", {}).get("eval", []) if config else []
    expected = [c.get("expected") for c in checks if c.get("evaluator") == "AgentResponseEvaluator"]
    if not expected or not all(isinstance(e, dict) and is_empty_retrieval(e) for e in expected):
        return False
    return isinstance(response, dict) and response.get("retrieved_data") is not None


def is_empty_retrieval(expected: dict[str, Any]) -> bool:
    """Whether Verified expects a retrieval to find nothing (no data to give)."""
    kind = str(expected.get("task_type", "")).lower()
    return kind == "retrieve" and expected.get("retrieved_data") is None


#: Why an answer Verified's package could not read is scored 0 rather than left unjudged.
DATA_NOT_ASKED = (
    "the answer gives retrieved_data where the task expects none (a NOT_FOUND_ERROR retrieval): "
    "Verified's evaluator raises on it instead of failing it; scored as the failure it is"
)
