"""The episode page says how many answers an episode's steps came in when its agent's step limit
counted answers (OSWorld's counting, `runs.step_count`), and says nothing of answers otherwise. The
runs are written through the run store as the runner writes them; the page is real Chromium over
real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.ui import UiRoots

from ..runs.conftest import build_run

ANSWERED, PLAIN = "desktop.calc-add", "miniwob.click-test"
#: What the runner keeps of an episode whose agent counted answers.
BY_ANSWERS = {"answers": 2, "step_limit_counts": "answers"}
BY_ACTIONS = {"answers": 3, "step_limit_counts": "actions"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedUi]:
    root = tmp_path_factory.mktemp("answer-runs")
    results = {ANSWERED: [True], PLAIN: [True]}
    build_run(
        root / "mixed", results, extras={f"agent|{ANSWERED}|0": BY_ANSWERS, f"agent|{PLAIN}|0": BY_ACTIONS}
    )
    with ServedUi(UiRoots.of([root])) as ui:
        yield ui


def test_the_stats_line_counts_answers_only_when_the_limit_did(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/episode?run=mixed&key=" + f"agent%7C{ANSWERED}%7C0")
        stats = page.locator("p.stats")
        expect(stats).to_contain_text(" steps (2 answers) · ")

        page.goto(served.url + "#/episode?run=mixed&key=" + f"agent%7C{PLAIN}%7C0")
        expect(page.locator("h1")).to_contain_text(PLAIN)
        expect(page.locator("p.stats")).to_contain_text(" steps · ")
        expect(page.locator("p.stats")).not_to_contain_text("answers")
        person.check_clean()
