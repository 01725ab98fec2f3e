"""The episode page shows a WebArena episode's verdict: its three evaluator columns, what each
evaluator part scored, a column's error, WebArena-Verified's status, and that an episode was judged
without the agent's answer (WebArena's "Early stop"); an episode without columns shows none of it.
The runs are written through the run store as the runner writes them; the page is real Chromium
over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.ui import UiRoots

from ..runs.conftest import build_run

#: What the runner keeps of an official task's verdict (`runs.episode_record.take_verdict`), for an episode
#: that reached the step limit on a url_match task and was judged as WebArena judges it.
JUDGED = {
    "early_stop": "Reach max steps 3",
    "columns": {"paper": 1.0, "corrected": 1.0, "verified": None},
    "verdict": {
        "details": {"paper": {"url_match": 1.0}, "corrected": {"url_match": 1.0}},
        "errors": {"verified": "Failed to evaluate task 44: <b>no network trace</b>"},
        "verified": {"status": "error", "score": 0.0, "error": "Failed to evaluate task 44"},
        "stand_ins": [],
        "early_stop": "Early stop: Reach max steps 3",
    },
}


#: What the runner keeps of a site task's verdict (no columns): its evaluator parts' scores, what
#: each wanted and read (a read value may hold a page's markup: shown as text), and the rule that
#: refused an answer holding the reference.
SITE = {
    "verdict": {
        "details": {"evaluator": {"string_match": 0.0, "url_match": 1.0}},
        "values": {
            "evaluator": {
                "string_match": {
                    "wanted": '{"must_include": ["Castelli"]}',
                    "found": "<b>42</b> Castelli, Oakhaven",
                    "ok": False,
                    "why": "lists candidates: it also names 'Oakhaven', the reference of another task "
                    "of this intent template",
                }
            }
        },
    }
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedUi]:
    root = tmp_path_factory.mktemp("verdict-runs")
    results = {"webarena.44": [True], "miniwob.click-test": [False], "shop.compare-price-0": [False]}
    build_run(
        root / "wa", results, extras={"agent|webarena.44|0": JUDGED, "agent|shop.compare-price-0|0": SITE}
    )
    with ServedUi(UiRoots.of([root])) as ui:
        yield ui


def test_the_episode_page_shows_the_three_columns_and_why(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/episode?run=wa&key=" + "agent%7Cwebarena.44%7C0")
        section = page.locator("section.verdict")
        expect(section.get_by_role("heading", name="WebArena verdict")).to_be_visible()
        rows = section.locator("tbody tr")
        expect(rows).to_have_count(3)
        paper, corrected, verified = (rows.nth(i) for i in range(3))
        expect(paper).to_have_attribute("data-column", "paper")
        assert paper.locator("th, td").all_inner_texts()[:3] == ["paper", "1.00", "url_match 1.00"]
        assert corrected.locator("th, td").all_inner_texts()[:3] == ["corrected", "1.00", "url_match 1.00"]
        cells = verified.locator("th, td").all_inner_texts()
        assert cells[:2] == ["verified", "–"]  # could not judge: no score, not a zero
        assert "status error" in cells[2] and "score 0.00" in cells[2]
        error = verified.locator("td .error")
        expect(error).to_have_text("Failed to evaluate task 44: <b>no network trace</b>")
        assert section.locator("b").count() == 0  # an error's text stays text
        early = section.locator(".early-stop")
        expect(early).to_contain_text("Reach max steps 3")
        expect(early.locator("code")).to_have_text("Early stop: Reach max steps 3")
        person.shoot("09-episode-webarena-verdict")

        page.goto(served.url + "#/episode?run=wa&key=" + "agent%7Cminiwob.click-test%7C0")
        expect(page.locator("h1")).to_contain_text("miniwob.click-test")
        expect(page.locator("section.verdict")).to_have_count(0)
        person.check_clean()


def test_a_site_episode_shows_what_its_evaluator_parts_scored(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    """A wrong answer on a self-hosted site showed no verdict at all: the check that failed is named."""
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/episode?run=wa&key=" + "agent%7Cshop.compare-price-0%7C0")
        section = page.locator("section.verdict")
        expect(section.get_by_role("heading", name="Verdict")).to_be_visible()
        parts = section.locator("ul.parts > li")
        expect(parts.locator("> code")).to_have_text(["string_match", "url_match"])
        wanted_read = parts.nth(0).locator("dl.part-values")
        expect(wanted_read.locator("dt")).to_have_text(["wanted", "read", "why"])
        expect(wanted_read.locator("code.wanted")).to_have_text('{"must_include": ["Castelli"]}')
        expect(wanted_read.locator("code.found")).to_have_text("<b>42</b> Castelli, Oakhaven")
        # The rule that refused an answer holding the reference (it lists the template's candidates).
        expect(wanted_read.locator("dd.why")).to_contain_text("it also names 'Oakhaven'")
        assert section.locator("b").count() == 0  # a page's markup stays text
        expect(parts.nth(1).locator("dl")).to_have_count(0)  # a part kept without values: its score
        person.shoot("09-episode-site-verdict-values")
        person.check_clean()
