"""The evaluators of the state an episode left behind: ``program_html`` on pages (the agent's, or
others opened in its browser context, read by a locator or one of WebArena's helpers) and
``db_state`` on the episode's own databases, read-only.

Apart from the checks of the answer and the final URL (``eval_answer``) because these need the live
episode: its browser and its files.
"""

from __future__ import annotations

import ast
import html
import re
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.errors import did_you_mean
from palaestra.tasks.webarena import eval_paper as paper
from palaestra.tasks.webarena.config import EvalSpec, TaskConfigError, fill_placeholders
from palaestra.tasks.webarena.eval_answer import _clean, includes
from palaestra.tasks.webarena.eval_context import EvalContext
from palaestra.tasks.webarena.helpers import HELPERS, HelperError
from palaestra.tasks.webarena.normalise import fuzzy_match

if TYPE_CHECKING:
    from playwright.async_api import Page


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
    if ctx.mode == "paper" and not locator.startswith(("document.", "[...document.")):
        raise TaskConfigError(
            f"program_html locator {locator[:60]!r}: WebArena runs only expressions starting with "
            "'document.' or '[...document.' (or func: helpers, or a blank locator for the page's HTML)"
        )
    for action in check.get("prep_actions", []):  # e.g. opening a collapsed section of a form
        done = await page.evaluate(
            f"() => {{ try {{ {action}; return true; }} catch (e) {{ return false; }} }}"
        )
        if not done and ctx.mode == "paper":  # WebArena runs them in one try: the rest are skipped
            break
    value = await page.evaluate(f"() => {{ try {{ return {locator}; }} catch (e) {{ return ''; }} }}")
    if value is None:  # null, undefined: no text; WebArena's str() makes it the text "None"
        return "None" if ctx.mode == "paper" else ""
    return str(value)


def _required(check: Mapping[str, Any]) -> Mapping[str, Any]:
    """A check's ``required_contents``, refused unless it names one of them, ``exact_match`` is text
    and the lists (``must_include``, ``must_exclude``, Lite's ``fuzzy_match``) are lists of text: a
    bare string as ``must_include`` would be read one character at a time, and a check requiring
    nothing would pass any page."""
    required = check.get("required_contents", {})
    exact = required.get("exact_match", "")
    lists = [required.get(key, []) for key in ("must_include", "must_exclude", "fuzzy_match")]
    if (
        not {"exact_match", "must_include", "must_exclude", "fuzzy_match"} & set(required)
        or not isinstance(exact, str)
        or not all(isinstance(items, list) and all(isinstance(i, str) for i in items) for items in lists)
    ):
        raise TaskConfigError(
            f"program_html required_contents {required!r}: give exact_match (a string) or must_include / "
            'must_exclude / fuzzy_match (lists of strings), e.g. {"must_include": ["Okafor"]}'
        )
    return required


async def _fuzzy_contents(ctx: EvalContext, value: str, references: list[str]) -> bool:
    """WebArena-Lite's ``fuzzy_match`` of a page's value (four of its tasks; WebArena has none): the
    configured judge on the references joined by ", ", as Lite's grader gets them; without a judge,
    the deterministic match of each reference."""
    if ctx.judge is not None:
        return await ctx.judge(ctx.intent, value, ", ".join(references))
    return all(fuzzy_match(value, reference) for reference in references)


async def program_html(spec: EvalSpec, ctx: EvalContext) -> float:
    score = 1.0
    for check in spec.program_html:
        required = _required(check)
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
        part = await _contents_score(ctx, value, required)
        wanted = {
            "url": fill_placeholders(target, ctx.urls),
            "locator": str(check.get("locator", "")),
            **required,
        }
        ctx.keep_values("program_html", wanted, value, part >= 1)
        score *= part
    return score


async def _contents_score(ctx: EvalContext, value: str, required: Mapping[str, Any]) -> float:
    """How the value one check read meets its ``required_contents``."""
    if not {"exact_match", "must_include", "must_exclude"} & set(required) and "fuzzy_match" in required:
        return float(await _fuzzy_contents(ctx, value, required["fuzzy_match"]))
    if ctx.mode == "paper":
        return float(paper.html_contents(value, required))
    score = 1.0
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
        wanted = {k: check[k] for k in ("query", "expected", "must_include", "negate") if k in check}
        ctx.keep_values("db_state", wanted, value, ok)
        score *= float(ok)
    return score
