"""WebArena's official task files and their three evaluator columns, offline.

Recorded episodes of official tasks (the agent's answer, the last page's URL and HTML, the network
events) are replayed through the evaluators on a real Chromium page (the recorded HTML served at
the recorded URL), with the verdicts of WebArena's published evaluators (``paper``), of Palaestra's
corrected ones and of WebArena-Verified's package as expected values. Where ``paper`` and
``corrected`` differ, the case is one of WebArena's known evaluator errors (PR #77's URL substring,
``must_include`` as a substring).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Route

from palaestra.errors import SiteError, UnknownNameError
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate
from palaestra.tasks.webarena.official import (
    benchmark_configs,
    parse_sites,
    raw_tasks,
    read_sites_file,
    sources,
)
from palaestra.tasks.webarena.official_task import gives_data_none_is_asked, har_record, verified_verdict

URLS = {"__GITLAB__": "http://gitlab.test:8023", "__SHOPPING__": "http://shop.test:7770",
        "__SHOPPING_ADMIN__": "http://admin.test:7780", "__MAP__": "http://map.test:3000"}  # fmt: skip
PAGE = "<html><body><h1>{}</h1></body></html>"


def event(url: str, status: int = 200) -> dict[str, Any]:
    """A recorded navigation, as the browser sends one."""
    sent = {"accept": "text/html,application/xhtml+xml", "sec-fetch-dest": "document",
            "sec-fetch-mode": "navigate", "sec-fetch-user": "?1"}  # fmt: skip
    return har_record("GET", url, sent, status, {"content-type": "text/html"})


NAVIGATE = json.dumps({"task_type": "NAVIGATE", "status": "SUCCESS", "retrieved_data": None})
#: (task id, answer, last URL, page text, expected {paper, corrected}, expected verified or None)
RECORDED: list[tuple[int, str | None, str, str, dict[str, float], float | None]] = [
    # string_match exact_match: equal after trimming and case; an answer around it is not exact.
    (1, "sprite", "__SHOPPING_ADMIN__/", "", {"paper": 1, "corrected": 1}, None),
    (1, "The top brand is Sprite", "__SHOPPING_ADMIN__/", "", {"paper": 0, "corrected": 0}, None),
    (1, json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS", "retrieved_data": ["Sprite"]}),
     "__SHOPPING_ADMIN__/", "", {"paper": 0, "corrected": 0}, 1.0),
    # must_include, one word: looked up among the answer's words in both.
    (11, "16 reviews", "__SHOPPING_ADMIN__/", "", {"paper": 0, "corrected": 0}, None),
    (11, "There are 6 reviews.", "__SHOPPING_ADMIN__/", "", {"paper": 1, "corrected": 1}, None),
    # must_include, several items: WebArena's substring test takes 37165 for 3716.
    (98, "Fuku Tea, 3716 Forbes Avenue, Central Oakland, Pittsburgh, 653m", "__MAP__/", "",
     {"paper": 1, "corrected": 1}, None),
    (98, "Fuku Tea, 37165 Forbes Avenue, Central Oakland, Pittsburgh, 653m", "__MAP__/", "",
     {"paper": 1, "corrected": 0}, None),
    # fuzzy_match "N/A" (unachievable): the answer "N/A" meets it in both.
    (22, "N/A", "__SHOPPING__/", "", {"paper": 1, "corrected": 1}, None),
    (22, "Olivia and Ken mention it", "__SHOPPING__/", "", {"paper": 0, "corrected": 0}, None),
    # url_match with a query: every reference parameter must be there.
    (45, None, "__GITLAB__/a11yproject/a11yproject.com/-/issues/?sort=created_asc&state=opened", "",
     {"paper": 1, "corrected": 1}, None),
    (45, None, "__GITLAB__/a11yproject/a11yproject.com/-/issues/?state=opened", "",
     {"paper": 0, "corrected": 0}, None),
    # PR #77: a longer path holds the reference's as a substring (issue 12 is not issue 1); the
    # corrected test is "GOLD in PRED" by whole path segments.
    (176, "No, it is open", "__GITLAB__/byteblaze/a11y-syntax-highlighting/-/issues/1", "",
     {"paper": 1, "corrected": 1}, None),
    (176, "No, it is open", "__GITLAB__/byteblaze/a11y-syntax-highlighting/-/issues/12", "",
     {"paper": 1, "corrected": 0}, None),
    (44, NAVIGATE, "__GITLAB__/dashboard/todos", "", {"paper": 1, "corrected": 1}, 1.0),
    (44, NAVIGATE, "__GITLAB__/dashboard/todos2", "", {"paper": 1, "corrected": 0}, 0.0),
    # program_html on the last page's HTML.
    (118, "Done", "__SHOPPING__/catalogsearch/result/?q=jaw+bruxism+mouth+guard",
     "Search results for: 'jaw bruxism mouth guard'", {"paper": 1, "corrected": 1}, None),
    (118, "Done", "__SHOPPING__/catalogsearch/result/?q=jaw", "Search results for: 'jaw'",
     {"paper": 0, "corrected": 0}, None),
]  # fmt: skip


async def replay(browser: Browser, task_id: int, answer: str | None, url: str, text: str) -> dict[str, float]:
    """Both of WebArena's columns on the recorded last page (served at its recorded URL)."""
    config = benchmark_configs("webarena")[str(task_id)]
    context = await browser.new_context()
    page = await context.new_page()

    async def serve(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html", body=PAGE.format(text))

    await page.route("**/*", serve)
    for placeholder, base in URLS.items():
        url = url.replace(placeholder, base)
    await page.goto(url)
    columns = {}
    for mode in ("paper", "corrected"):
        ctx = EvalContext(page, context, answer, None, URLS, {}, intent=config.intent, mode=mode)
        columns[mode] = await evaluate(config.eval, ctx)
    await context.close()
    return columns


@pytest.mark.parametrize("case", RECORDED, ids=[f"{c[0]}-{i}" for i, c in enumerate(RECORDED)])
def test_recorded_episode_gets_the_official_verdicts(
    case: tuple[Any, ...], browser: Browser, loop: asyncio.AbstractEventLoop
) -> None:
    task_id, answer, url, text, expected, verified = case
    assert loop.run_until_complete(replay(browser, task_id, answer, url, text)) == expected
    if verified is not None:
        for placeholder, base in URLS.items():
            url = url.replace(placeholder, base)
        score, details = verified_verdict(
            task_id, answer, [event(URLS["__GITLAB__"] + "/"), event(url)], URLS
        )
        assert score == verified, details


def test_verified_needs_the_page_to_have_loaded() -> None:
    """Verified's network check reads the response status: a 404 at the right URL fails."""
    url = URLS["__GITLAB__"] + "/dashboard/todos"
    assert verified_verdict(44, NAVIGATE, [event(url)], URLS)[0] == 1.0
    assert verified_verdict(44, NAVIGATE, [event(url, status=404)], URLS)[0] == 0.0
    assert verified_verdict(44, "I opened it.", [event(url)], URLS)[0] == 0.0  # not Verified's JSON


def test_verified_fails_data_given_for_a_task_whose_answer_is_not_found() -> None:
    """Task 8 (airports within 5 km of CMU) expects NOT_FOUND_ERROR and no data: Verified 1.2.3's
    evaluator raises on an answer that gives data ("Schema type must be 'array', got: 'null'"),
    which left the column unjudged; it is a wrong answer, scored 0, and the right one still 1."""
    page = [event(URLS["__MAP__"] + "/")]
    data = json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS", "retrieved_data": ["N/A"]})
    score, details = verified_verdict(8, data, page, URLS)
    assert score == 0.0 and details["status"] == "failure" and "retrieved_data" in details["note"]
    none = json.dumps({"task_type": "RETRIEVE", "status": "NOT_FOUND_ERROR", "retrieved_data": None})
    assert verified_verdict(8, none, page, URLS)[0] == 1.0
    score, details = verified_verdict(8, data, [], URLS)  # no network events: still Verified's error
    assert score is None and "Trace content list is empty" in details["error"]


def test_verifieds_log_goes_into_the_verdict_not_the_terminal(caplog: pytest.LogCaptureFixture) -> None:
    """Verified 1.2.3 logs a traceback through ``logging`` for an answer it cannot read, with no
    handler of its own: Python printed it on the user's terminal. It is kept in the verdict's
    ``log``; what Verified logs outside a verdict still reaches logging's handlers."""
    page = [event(URLS["__MAP__"] + "/")]
    data = json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS", "retrieved_data": ["N/A"]})
    with caplog.at_level(logging.WARNING):
        score, details = verified_verdict(8, data, page, URLS)
        assert score == 0.0 and [r.name for r in caplog.records] == []
        assert any("Traceback (most recent call last)" in line for line in details["log"]), details
        assert details["log"][0].startswith(
            "ERROR: Error during evaluation with evaluator AgentResponseEvaluator"
        )
        none = json.dumps({"task_type": "RETRIEVE", "status": "NOT_FOUND_ERROR", "retrieved_data": None})
        assert "log" not in verified_verdict(8, none, page, URLS)[1]  # nothing logged, nothing kept
        logging.getLogger("WebArena-Verified").error("logged outside a verdict")
    assert [r.getMessage() for r in caplog.records] == ["logged outside a verdict"]


def test_data_for_a_retrieval_that_finds_nothing_is_told_by_structure() -> None:
    """The rule reads the task's expectation and the answer, never Verified's error text: only
    retrievals expected to find nothing (8) are concerned; one expecting data (7) and a navigation
    (44, whose data Verified ignores) are not, nor an answer that gives none or is not JSON."""
    assert gives_data_none_is_asked(8, {"status": "SUCCESS", "retrieved_data": ["N/A"]})
    assert gives_data_none_is_asked(8, {"status": "SUCCESS", "retrieved_data": []})
    assert not gives_data_none_is_asked(8, {"status": "NOT_FOUND_ERROR", "retrieved_data": None})
    assert not gives_data_none_is_asked(8, "no airport is that close")
    assert not gives_data_none_is_asked(7, {"status": "SUCCESS", "retrieved_data": ["N/A"]})
    assert not gives_data_none_is_asked(44, {"status": "SUCCESS", "retrieved_data": ["x"]})
    assert not gives_data_none_is_asked(10**6, {"retrieved_data": ["x"]})  # no such task


def test_verified_reads_the_message_cookie_a_wish_list_post_sets() -> None:
    """Tasks 511-515 check the ``mage-messages`` cookie of the POST's response (URL-encoded JSON,
    as Magento sets it): recorded from ``Set-Cookie``, kept through the evidence's redaction."""
    from palaestra.runs.har import redacted_entry

    def added(product: str) -> dict[str, Any]:
        message = json.dumps([{"type": "success", "text": f"{product} has been added to your Wish List."}])
        got = {"set-cookie": f"mage-messages={quote(message)}; path=/; expires=Sun, 06-Dec-2027 00:00:00 GMT",
               "location": URLS["__SHOPPING__"] + "/wishlist/"}  # fmt: skip
        sent = {"content-type": "application/x-www-form-urlencoded"}
        url = URLS["__SHOPPING__"] + "/wishlist/index/add/"
        return har_record("POST", url, sent, 302, got, "product=1234&uenc=aHR0cA%2C%2C&form_key=abc")

    mutate = json.dumps({"task_type": "MUTATE", "status": "SUCCESS", "retrieved_data": None})
    detergent = added("Tide Laundry Detergent, 92 loads")
    assert verified_verdict(511, mutate, [detergent], URLS)[0] == 1.0
    assert verified_verdict(511, mutate, [redacted_entry(detergent)], URLS)[0] == 1.0
    assert verified_verdict(511, mutate, [added("Crest Toothpaste")], URLS)[0] == 0.0
    no_message = {**detergent, "response": {**detergent["response"], "cookies": []}}
    assert verified_verdict(511, mutate, [no_message], URLS)[0] == 0.0


def test_the_three_benchmarks_load_from_their_packages() -> None:
    assert len(benchmark_configs("webarena")) == 812
    assert len(benchmark_configs("webarena-lite")) == 165
    verified = benchmark_configs("webarena-verified")
    assert len(verified) == 812
    # Verified revises intents and keeps its own evaluation; the start page and log-in are WebArena's.
    assert verified["45"].intent != benchmark_configs("webarena")["45"].intent
    assert verified["45"].extra["verified"]["eval"][1]["evaluator"] == "NetworkEventEvaluator"
    assert verified["45"].require_login
    assert "old_task_id" in benchmark_configs("webarena-lite")["0"].extra
    assert sources()["webarena-verified"] == "1.2.3"
    assert {t["task_id"] for t in raw_tasks("webarena")} == set(range(812))


def test_user_hosted_sites_are_checked(tmp_path: Path) -> None:
    assert parse_sites(["shopping=http://host:7770/"]) == {"shopping": "http://host:7770"}
    with pytest.raises(UnknownNameError, match="Did you mean: `shopping`"):
        parse_sites(["shoping=http://host:7770"])
    with pytest.raises(SiteError, match="NAME=URL"):
        parse_sites(["gitlab"])
    (tmp_path / "sites.toml").write_text('gitlab = "http://host:8023"\nreddit = "http://host:9999"\n')
    assert read_sites_file(tmp_path / "sites.toml") == {
        "gitlab": "http://host:8023",
        "reddit": "http://host:9999",
    }
