"""Every evaluator kind passes and fails on real pages of the sites; combined evaluators multiply."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Page

from palaestra.sites.runtime import Episode, SiteRuntime
from palaestra.tasks.webarena.config import from_json
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate, url_matches
from palaestra.tasks.webarena.normalise import fuzzy_match, normalise


class Session:
    """A logged-in page of a fresh shop episode, and a way to judge it against an ``eval`` spec."""

    def __init__(self, loop: asyncio.AbstractEventLoop, runtime: SiteRuntime, browser: Browser) -> None:
        self.loop, self.runtime = loop, runtime
        self.episode: Episode = runtime.new_episode(["shop"])
        self.context: BrowserContext = self.run(browser.new_context(extra_http_headers=self.episode.headers))
        self.run(self.context.add_cookies(self.episode.login_cookies()))
        self.page: Page = self.run(self.context.new_page())
        self.urls = {"__SHOP__": runtime.url("shop")}

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def goto(self, path: str) -> None:
        self.run(self.page.goto(self.urls["__SHOP__"] + path))

    def judge(self, spec: dict[str, Any], answer: str | None = None, infeasible: str | None = None) -> float:
        return self.judged(spec, answer, infeasible)[0]

    def judged(
        self,
        spec: dict[str, Any],
        answer: str | None = None,
        infeasible: str | None = None,
        mode: str = "corrected",
    ) -> tuple[float, dict[str, Any]]:
        """The score and the details the evaluators kept (what each part wanted and read)."""
        raw = {"sites": ["shop"], "task_id": 1, "intent": "?", "start_url": "__SHOP__/", "eval": spec}
        ctx = EvalContext(
            self.page, self.context, answer, infeasible, self.urls, {"shop": self.episode.database("shop")},
            mode=mode,
        )  # fmt: skip
        return float(self.run(evaluate(from_json(raw).eval, ctx))), ctx.details

    def close(self) -> None:
        self.run(self.context.close())
        self.episode.discard()


@pytest.fixture
def session(loop: asyncio.AbstractEventLoop, runtime: SiteRuntime, browser: Browser) -> Iterator[Session]:
    made = Session(loop, runtime, browser)
    yield made
    made.close()


def strings(**answers: Any) -> dict[str, Any]:
    return {"eval_types": ["string_match"], "reference_answers": answers}


def test_string_match_exact_must_include_and_fuzzy(session: Session) -> None:
    assert session.judge(strings(exact_match="Shipped"), answer=" 'shipped' ") == 1.0
    assert session.judge(strings(exact_match="Shipped"), answer="It was shipped") == 0.0
    assert (
        session.judge(strings(must_include=["$26.50", "Castelli"]), answer="Castelli wok: 26.50 dollars")
        == 1.0
    )
    assert (
        session.judge(strings(must_include=["12"]), answer="120 units") == 0.0
    )  # whole words, not substrings
    assert session.judge(strings(must_include=["Yes |OR| Correct"]), answer="correct") == 1.0
    assert session.judge(strings(fuzzy_match=["July 5, 2021"]), answer="They joined on 5 Jul '21.") == 1.0
    assert session.judge(strings(fuzzy_match=["July 5, 2021"]), answer="2021-07-06") == 0.0
    assert session.judge(strings(fuzzy_match="N/A"), infeasible="no such order") == 1.0
    assert session.judge(strings(fuzzy_match="N/A"), answer="N/A") == 1.0
    assert session.judge(strings(fuzzy_match="N/A"), answer="$12.00") == 0.0
    # One hedge, "N/A" and an answer after it, met both kinds: now only an "N/A" reference.
    hedge = "N/A, but if there is one it is Castelli at $26.50"
    assert session.judge(strings(fuzzy_match="N/A"), answer=hedge) == 1.0
    assert session.judge(strings(must_include=["$26.50", "Castelli"]), answer=hedge) == 0.0
    assert session.judge(strings(fuzzy_match=["Castelli"]), answer=hedge) == 0.0
    assert session.judge(strings(exact_match="None"), answer="none") == 1.0  # "None" as the answer


def test_url_match_compares_parsed_urls_on_real_pages(session: Session) -> None:
    session.goto("/search/?q=wok")
    spec = {"eval_types": ["url_match"], "reference_url": "__SHOP__/search/?q=wok"}
    assert session.judge(spec) == 1.0
    other = {"eval_types": ["url_match"], "reference_url": "__SHOP__/search/?q=wo |OR| __SHOP__/basket/"}
    assert session.judge(other) == 0.0  # WebArena's substring test would have passed q=wo
    session.goto("/search/?q=wok&page=1")
    assert session.judge(spec) == 1.0  # extra parameters of the agent's URL do not matter
    assert url_matches("http://h/a/b?q=12", "http://h/a/b/?q=12")
    assert not url_matches("http://h/a/bc?q=12", "http://h/a/b?q=12")
    assert url_matches("http://h/a/bc?q=12", "http://h/a/b?q=12", mode="paper")  # WebArena's, PR #77
    assert url_matches("http://h/f/books/12/title", "http://h/f/books")  # GOLD in PRED, by segments
    assert not url_matches("http://h/f/books2/12", "http://h/f/books")
    assert not url_matches("http://g/f/books/12", "http://h/f/books")


def test_program_html_on_the_agents_page_and_on_a_fetched_one(session: Session) -> None:
    session.goto("/accounts/profile/")
    on_page = {
        "eval_types": ["program_html"],
        "program_html": [
            {
                "url": "last",
                "locator": "document.querySelector('table').innerText",
                "required_contents": {"must_include": ["Emma Lopez"]},
            }
        ],
    }
    assert session.judge(on_page) == 1.0
    wrong = {
        **on_page,
        "program_html": [{**on_page["program_html"][0], "required_contents": {"must_include": ["Ada"]}}],
    }
    assert session.judge(wrong) == 0.0
    fetched = {
        "eval_types": ["program_html"],
        "program_html": [
            {
                "url": "__SHOP__/about/",
                "locator": "document.querySelector('h1').innerText",
                "required_contents": {"exact_match": "About us"},
            }
        ],
    }
    assert session.judge(fetched) == 1.0
    assert session.page.url.endswith("/accounts/profile/")  # the agent's page was not moved
    fetched["program_html"][0]["required_contents"] = {"exact_match": "Contact us"}
    assert session.judge(fetched) == 0.0


def _rename_in_page(session: Session, last_name: str) -> None:
    session.goto("/accounts/profile/edit/")
    session.run(session.page.get_by_label("Last name").fill(last_name))
    session.run(session.page.get_by_role("button", name="Save").click())
    session.run(session.page.wait_for_url("**/accounts/profile/"))


def test_db_state_reads_the_episodes_own_database_and_combined_evaluators_multiply(session: Session) -> None:
    query = "SELECT last_name FROM auth_user WHERE username = 'emma.lopez'"
    db = {"eval_types": ["db_state"], "db_state": [{"dataset": "shop", "query": query, "expected": "Okafor"}]}
    assert session.judge(db) == 0.0
    _rename_in_page(session, "Okafor")
    assert session.judge(db) == 1.0
    both = {**db, "eval_types": ["db_state", "string_match"], "reference_answers": {"must_include": ["done"]}}
    assert session.judge(both, answer="done") == 1.0
    assert session.judge(both, answer="sorry") == 0.0
    with pytest.raises(ValueError, match="SELECT"):
        session.judge(
            {**db, "db_state": [{"dataset": "shop", "query": "DELETE FROM auth_user", "expected": 0}]}
        )


def test_a_failed_verdict_keeps_what_each_part_wanted_and_read(session: Session) -> None:
    """`string_match 0` alone sent the researcher to the task file and the episode's pages: each part
    keeps its reference and what the agent's answer, page or database gave, cut short."""
    shop = session.urls["__SHOP__"]
    score, details = session.judged(strings(must_include=["$26.50"]), answer="It costs 30 dollars")
    assert score == 0.0
    assert details["values"]["string_match"] == {
        "wanted": '{"must_include": ["$26.50"]}',
        "found": "It costs 30 dollars",
        "ok": False,
    }
    _, paper = session.judged(strings(exact_match="Shipped"), answer="Pending", mode="paper")
    assert paper["values"]["string_match"]["wanted"] == '{"exact_match": "Shipped"}'

    session.goto("/search/?q=wok")
    _, details = session.judged(
        {"eval_types": ["url_match"], "reference_url": "__SHOP__/basket/ |OR| __SHOP__/x"}
    )
    assert details["values"]["url_match"] == {
        "wanted": f"{shop}/basket/ |OR| {shop}/x",
        "found": f"{shop}/search/?q=wok",
        "ok": False,
    }

    heading = {"url": "__SHOP__/about/", "locator": "document.querySelector('h1').innerText"}
    checks = [
        {**heading, "required_contents": {"exact_match": "About us"}},  # passes
        {**heading, "required_contents": {"must_include": ["Contact"]}},  # fails: the one kept
        {"url": "last", "locator": "", "required_contents": {"must_include": ["Ada"]}},  # fails too
    ]
    _, details = session.judged({"eval_types": ["program_html"], "program_html": checks})
    kept = details["values"]["program_html"]
    assert kept["found"] == "About us" and not kept["ok"]
    assert kept["wanted"] == (
        f'{{"url": "{shop}/about/", "locator": "document.querySelector(\'h1\').innerText", '
        '"must_include": ["Contact"]}'
    )
    _, details = session.judged({"eval_types": ["program_html"], "program_html": checks[2:]})
    whole_page = details["values"]["program_html"]["found"]  # the page's text, cut
    assert len(whole_page) == 300 and whole_page.endswith("…")

    query = "SELECT last_name FROM auth_user WHERE username = 'emma.lopez'"
    db = {"eval_types": ["db_state"], "db_state": [{"dataset": "shop", "query": query, "expected": "Okafor"}]}
    _, details = session.judged(db)
    assert details["values"]["db_state"] == {
        "wanted": json.dumps({"query": query, "expected": "Okafor"}),
        "found": "Lopez",
        "ok": False,
    }


def test_the_normaliser() -> None:
    assert normalise("The total: $1,299.50.") == "the total 1299.5"
    assert normalise("Three lbs on March 5, 2025") == "3 lb on 2025-03-05"
    assert fuzzy_match("It costs $18.49 today", "18.49") and not fuzzy_match("118.49", "18.49")
    # A mention names its user: "@byteblaze" holds "byteblaze", not "byteblaze2".
    assert fuzzy_match("The owner is @byteblaze.", "byteblaze") and not fuzzy_match(
        "@byteblaze2", "byteblaze"
    )
