"""The UI compares the agents of one run (a study), as `palaestra compare RUN` does: the JSON over
real HTTP, and the runs page in real Chromium, whose compare button takes one picked run of several
agents (and stays off for one run of one agent)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.ui import UiRoots

from ..runs.conftest import build_run, default_record


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("agent-runs")
    study = {("generic", "t"): "9/10", ("agentlab", "t"): "1/10"}
    build_run(root / "study", study, steps=1, config_hash={"generic": "g", "agentlab": "a"})
    build_run(root / "alone", {"t": "3/4"}, agent="p", steps=1)
    short = {**default_record(range(4)), "config": {"settings": {"max_steps": 5}}}
    build_run(root / "short", {"t": "1/4"}, agent="q", steps=1, record=short)
    return root


@pytest.fixture(scope="module")
def served(results: Path) -> Iterator[ServedUi]:
    with ServedUi(UiRoots.of([results])) as ui:
        yield ui


def test_one_runs_agents_compare_over_http(served: ServedUi) -> None:
    with httpx.Client(base_url=served.url, timeout=60) as http:
        c = http.get("api/compare", params=[("run", "study")]).json()
        alone = http.get("api/compare", params=[("run", "alone")])
    assert c["within"] and [r["label"] for r in c["runs"]] == ["agentlab", "generic"]
    (row, overall) = c["rows"]
    assert [cell["successes"] for cell in row["cells"]] == [1, 9] and row["deltas"][1]["verdict"] == "▲"
    assert overall["overall"]
    assert alone.status_code == 400 and "holds only `p`" in alone.text


def test_the_runs_page_compares_one_picked_study(served: ServedUi, browser: Browser, shots: Path) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open()
        button = page.get_by_role("button", name=re.compile("Compare"))
        page.get_by_role("checkbox", name=re.compile(r"\balone to")).check()
        expect(button).to_be_disabled()  # one run of one agent: nothing to compare
        page.get_by_role("checkbox", name=re.compile(r"\balone to")).uncheck()
        page.get_by_role("checkbox", name=re.compile(r"\bstudy to")).check()
        expect(button).to_be_enabled()
        button.click()
        heading = page.get_by_role("heading", name=re.compile(r"The agents of .*study side by side"))
        expect(heading).to_be_visible()
        headers = page.locator("table").first.locator("thead th").all_inner_texts()
        assert headers == ["task", "[1] agentlab", "[2] generic", "Δ [2]-[1]"]
        expect(page.locator("table").first).to_contain_text("0.90 ± ")
        person.shoot("09-compare-one-runs-agents")
        person.check_clean()


def test_runs_that_ended_episodes_differently_are_compared_with_the_note(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    """`palaestra compare` names differing step limits; the UI's compare page said nothing of them."""
    with httpx.Client(base_url=served.url, timeout=60) as http:
        c = http.get("api/compare", params=[("run", "alone"), ("run", "short")]).json()
    note = "Note: the runs did not end episodes alike ([1] --max-steps 30, [2] --max-steps 5)"
    assert len(c["notes"]) == 1 and c["notes"][0].startswith(note)
    with person_at(browser, served.url, shots) as person:
        page = person.open("#/compare?run=alone&run=short")
        expect(page.locator("p.warn")).to_contain_text(note)
