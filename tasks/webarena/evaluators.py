"""WebArena's functional evaluators, on the episode's real pages and database.

``evaluate(spec, ctx)`` runs every evaluator ``spec.eval_types`` names and multiplies their scores,
as WebArena's combined evaluators do:

- ``string_match``: the agent's answer (its last ``send_msg_to_user``; "N/A" when it reported the
  task infeasible) against ``reference_answers``: ``exact_match`` (equal after trimming, quotes and
  case), ``must_include`` (each item, or one of its ``|OR|`` alternatives, present as whole words)
  and ``fuzzy_match`` (the configured LLM judge when there is one, else the deterministic match of
  ``normalise.fuzzy_match``).
- ``url_match``: the active page's URL against ``reference_url`` (alternatives joined by ``|OR|``)
  compared as parsed URLs: the same host, the reference's path or one below it by whole segments
  (WebArena's "GOLD in PRED": ``/f/books/12/title`` is in ``/f/books``, ``/f/books2`` is not), and
  every reference query parameter present with the same values, so ``/search?q=12`` never
  matches ``/search?q=120``. (WebArena's PR #77 proposes equal paths instead, which fails most of
  the 129 official tasks pairing url_match with program_html when done right: their agent ends
  below the reference, on a new post, a new milestone, a form under its section.)
- ``program_html``: for each check, a page (``last``: the agent's; else a URL, opened in the
  episode's own browser context, or ``func:<helper>(...)`` giving one) and a locator (a JavaScript
  expression, after the check's ``prep_actions``; empty for the page's HTML; or
  ``func:<helper>(...)``) whose value must meet ``required_contents``. The helpers are WebArena's,
  in ``helpers``.
- ``db_state``: a read-only SQL query on the episode's own database whose single value must meet
  ``expected`` (Palaestra's addition; WebArena checks state only through pages).

``EvalContext.mode`` picks the behaviour: ``"corrected"`` (the default, described above) or
``"paper"``, WebArena's evaluators as published: ``must_include`` as a lower-cased substring test
(a one-word reference against the answer's words), ``url_match`` as a substring test of the
reference's host and path in the agent's (WebArena PR #77: ``/issues/1`` matches ``/issues/12``),
an "N/A" reference met only by an answer that says "N/A" (or by WebArena's own grader agreeing
that the agent's reason matches ``string_note``), never by ``report_infeasible`` alone, and the
answer lower-cased before a grader sees it, as WebArena's ``clean_answer`` does.
"""

from __future__ import annotations

import ast
import html
import re
import sqlite3
import urllib.parse
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.errors import did_you_mean
from palaestra.tasks.webarena.config import EvalSpec, fill_placeholders
from palaestra.tasks.webarena.helpers import HELPERS, HelperError
from palaestra.tasks.webarena.normalise import contains_words, fuzzy_match, is_not_applicable, normalise

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext, Page

#: An LLM judge for fuzzy matches: (question, answer, reference) -> whether they agree.
FuzzyJudge = Callable[[str, str, str], Awaitable[bool]]


@dataclass
class EvalContext:
    #: The agent's active page and its context; None when an episode is judged from its evidence
    #: alone (``rejudge_official``), where only the checks of the answer and of ``final_url`` run.
    page: Page | None
    context: BrowserContext | None
    answer: str | None
    infeasible: str | None
    #: Placeholder (``__SHOP__``) -> base URL.
    urls: Mapping[str, str]
    #: Dataset or site name -> the episode's database file.
    databases: Mapping[str, Path]
    intent: str = ""
    judge: FuzzyJudge | None = None
    #: The paper's grader of an agent's reason for giving up: (question, reported, actual) -> same?
    ua_judge: FuzzyJudge | None = None
    #: "corrected" (Palaestra's evaluators) or "paper" (WebArena's as published).
    mode: str = "corrected"
    #: WebArena's sites served by Palaestra's stand-ins (where the shopping helpers cannot run).
    stand_ins: Collection[str] = ()
    details: dict[str, Any] = field(default_factory=dict)
    #: The agent's last URL as recorded, for judging without a page; None: its page's URL.
    final_url: str | None = None

    @property
    def live_page(self) -> Page:
        """The agent's page, for checks that read it (``program_html``, helpers)."""
        if self.page is None:
            raise ValueError("this check reads the agent's page, and the episode is judged without one")
        return self.page

    @property
    def last_url(self) -> str:
        return self.final_url if self.final_url is not None else self.live_page.url

    @property
    def final_answer(self) -> str:
        if self.answer is not None:
            return self.answer
        return "N/A" if self.infeasible is not None else ""


async def evaluate(spec: EvalSpec, ctx: EvalContext) -> float:
    score = 1.0
    for kind in spec.eval_types:
        part = await EVALUATORS[kind](spec, ctx)
        ctx.details[kind] = part
        score *= part
    return score


def _clean(text: str) -> str:
    return str(text).strip().strip("\"'").strip().lower()


def _alternatives(item: str) -> list[str]:
    return [a.strip() for a in str(item).split("|OR|")]


def includes(answer: str, item: str, mode: str = "corrected", tokenize: bool = False) -> bool:
    if mode == "paper":
        return any(paper_includes(answer, alt, tokenize) for alt in _alternatives(item))
    canonical = normalise(answer)
    return any(contains_words(canonical, normalise(alt)) for alt in _alternatives(item))


def paper_includes(answer: str, reference: str, tokenize: bool = False) -> bool:
    """WebArena's ``must_include``: a substring of the lower-cased answer; with ``tokenize`` a
    one-word reference is looked up among the answer's words (NLTK's tokens, approximated here by
    runs of word characters and single punctuation marks)."""
    ref, pred = _clean(reference), _clean(answer)
    if tokenize and re.fullmatch(r"\w+", ref):
        return ref in re.findall(r"\w+|[^\w\s]", pred)
    return ref in pred


async def string_match(spec: EvalSpec, ctx: EvalContext) -> float:
    answers = spec.reference_answers or {}
    answer = ctx.final_answer
    score = 1.0
    if "exact_match" in answers:
        score *= float(_clean(answer) == _clean(answers["exact_match"]))
    if "must_include" in answers:
        for item in answers["must_include"]:
            # WebArena looks a one-word item up among the words only when it is the only item.
            alone = len(answers["must_include"]) == 1
            score *= float(includes(answer, item, ctx.mode, tokenize=alone))
    if "fuzzy_match" in answers:
        refs = answers["fuzzy_match"]
        if isinstance(refs, str) and refs.strip().upper() == "N/A":  # WebArena's mark of an unachievable task
            if ctx.mode == "paper":  # its exact match on "N/A", then its grader on the agent's reason
                ok = _clean(answer) == "n/a" or (
                    ctx.ua_judge is not None
                    and await ctx.ua_judge(ctx.intent, _clean(answer), spec.string_note)
                )
                score *= float(ok)
            else:
                score *= float(ctx.infeasible is not None or is_not_applicable(answer))
        elif isinstance(refs, str):
            score *= float(await _fuzzy(ctx, answer, refs))
        else:
            for ref in refs:
                score *= float(await _fuzzy(ctx, answer, ref))
    return score


async def _fuzzy(ctx: EvalContext, answer: str, reference: str) -> bool:
    if ctx.mode == "paper":  # WebArena's graders see the cleaned (lower-cased) answer
        answer = _clean(answer)
    if ctx.judge is not None:
        return await ctx.judge(ctx.intent, answer, reference)
    return fuzzy_match(answer, reference)


def _parsed(url: str) -> tuple[str, str, dict[str, list[str]]]:
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(parts.path).rstrip("/") or "/"
    return parts.netloc.lower(), path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)


def url_matches(pred: str, ref: str, mode: str = "corrected") -> bool:
    pred_host, pred_path, pred_query = _parsed(pred)
    ref_host, ref_path, ref_query = _parsed(ref)
    # WebArena's own evaluator tests host and path as a substring (its PR #77: /todos2 is in /todos);
    # ours tests containment by whole path segments.
    if mode == "paper":
        path_ok = f"{ref_host}{ref_path}" in f"{pred_host}{pred_path}"
    else:
        below = pred_path == ref_path or pred_path.startswith(ref_path.rstrip("/") + "/")
        path_ok = pred_host == ref_host and below
    query_ok = all(set(values) <= set(pred_query.get(key, [])) for key, values in ref_query.items())
    return path_ok and query_ok


async def url_match(spec: EvalSpec, ctx: EvalContext) -> float:
    pred = ctx.last_url
    refs = [fill_placeholders(r, ctx.urls) for r in _alternatives(spec.reference_url)]
    ctx.details["url"] = pred
    return float(any(url_matches(pred, ref, ctx.mode) for ref in refs))


def _helper_call(text: str) -> tuple[str, list[str | None]]:
    """``func:name('a', __page__)`` -> (name, ["a", None]): string arguments, None for ``__page__``."""
    try:
        call = ast.parse(text.strip().removeprefix("func:"), mode="eval").body
    except SyntaxError:
        call = None
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name) or call.keywords:
        raise HelperError(f"program_html helper {text!r} is not a call like func:name('argument')")
    args: list[str | None] = []
    for arg in call.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            args.append(arg.value)
        elif isinstance(arg, ast.Name) and arg.id == "__page__":
            args.append(None)
        else:
            raise HelperError(f"program_html helper {text!r}: arguments are strings or __page__")
    return call.func.id, args


async def _call_helper(ctx: EvalContext, page: Page, text: str) -> str:
    """A helper's value on ``page`` (``__page__``); ``__last_url__`` is the agent's page's URL, as
    WebArena substitutes it."""
    name, args = _helper_call(text)
    if name not in HELPERS:
        raise HelperError(
            f"Unknown program_html helper `{name}`.{did_you_mean(name, HELPERS)} Known: {sorted(HELPERS)}"
        )
    values = [
        fill_placeholders(a.replace("__last_url__", ctx.last_url), ctx.urls) for a in args if a is not None
    ]
    try:
        return await HELPERS[name](ctx, page, values)
    except HelperError:
        raise
    except (KeyError, IndexError, TypeError, ValueError) as exc:  # wrong arguments, odd responses
        raise HelperError(f"func:{name} failed on {values}: {type(exc).__name__}: {exc}") from exc


async def _locate(page: Page, check: Mapping[str, Any], ctx: EvalContext) -> str:
    locator = str(check.get("locator", ""))
    if not locator.strip():
        return await page.content()
    if locator.startswith("func:"):
        return await _call_helper(ctx, page, locator)
    for action in check.get("prep_actions", []):  # e.g. opening a collapsed section of a form
        await page.evaluate(f"() => {{ try {{ {action}; }} catch (e) {{}} }}")
    value = await page.evaluate(f"() => {{ try {{ return {locator}; }} catch (e) {{ return ''; }} }}")
    return "" if value is None else str(value)


async def program_html(spec: EvalSpec, ctx: EvalContext) -> float:
    score = 1.0
    for check in spec.program_html:
        target = str(check.get("url", "last"))
        if target.startswith("func:"):
            target = await _call_helper(ctx, ctx.live_page, target)
        if target == "last":
            value = await _locate(ctx.live_page, check, ctx)
        else:
            page = await ctx.live_page.context.new_page()
            try:
                await page.goto(fill_placeholders(target, ctx.urls), wait_until="load")
                value = await _locate(page, check, ctx)
            finally:
                await page.close()
        if ctx.mode == "paper":
            value = html.unescape(value)
        elif "<" in value:  # whole words of the HTML's text, not of its markup
            value = html.unescape(re.sub(r"<[^>]*>", " ", value))
        required = check.get("required_contents", {})
        if "exact_match" in required:
            score *= float(_clean(value) == _clean(required["exact_match"]))
        for item in required.get("must_include", []):
            score *= float(includes(value, item, ctx.mode))
        for item in required.get("must_exclude", []):
            score *= float(not includes(value, item, ctx.mode))
    return score


def query_value(database: Path, query: str) -> Any:
    """The first value of a read-only query on an episode's database (None when it has no rows)."""
    if not re.match(r"^\s*(select|with)\b", query, re.I):
        raise ValueError(f"db_state queries must be SELECT statements, not {query[:40]!r}.")
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        row = conn.execute(query).fetchone()
    return None if row is None else row[0]


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return bool(value) == bool(expected)
    if isinstance(expected, int | float) and value is not None:
        try:
            return abs(float(value) - float(expected)) < 1e-6
        except (TypeError, ValueError):
            return False
    if expected is None or value is None:
        return expected is value
    return _clean(str(value)) == _clean(str(expected))


def _database_file(database: Path, file: str | None) -> Path:
    """The episode's database, or another database file of the episode (``file``, relative to the
    episode's folder: the code host keeps one repository per project there)."""
    if not file:
        return database
    target = (database.parent / file).resolve()
    if not target.is_relative_to(database.parent.resolve()):
        raise ValueError(f"db_state file {file!r} is outside the episode's folder")
    return target


async def db_state(spec: EvalSpec, ctx: EvalContext) -> float:
    score = 1.0
    for check in spec.db_state:
        name = check.get("dataset") or check.get("site", "")
        if name not in ctx.databases:
            raise ValueError(f"db_state names {name!r}; this episode has {sorted(ctx.databases)}")
        value = query_value(_database_file(ctx.databases[name], check.get("file")), str(check["query"]))
        ok = includes(str(value or ""), check["must_include"]) if "must_include" in check \
            else _same(value, check.get("expected"))  # fmt: skip
        if check.get("negate"):
            ok = not ok
        ctx.details.setdefault("db_values", []).append(value)
        score *= float(ok)
    return score


EVALUATORS: dict[str, Callable[[EvalSpec, EvalContext], Awaitable[float]]] = {
    "string_match": string_match,
    "url_match": url_match,
    "program_html": program_html,
    "db_state": db_state,
}
