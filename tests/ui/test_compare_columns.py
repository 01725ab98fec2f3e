"""The compare page's WebArena evaluator columns: the JSON over real HTTP carries `palaestra compare`'s
column table (None when no run has columns, `None` cells for a run without), and the page in real
Chromium draws it as a second table under the success table, and draws nothing more without it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.runs.compare import compare_runs
from palaestra.ui import UiRoots

from ..runs.conftest import COLUMN_EXTRAS, COLUMN_RESULTS, build_run, columns_extra


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two WebArena runs judged three ways (the second without a's webarena.2), two runs without."""
    root = tmp_path_factory.mktemp("column-runs")
    build_run(root / "wa-first", COLUMN_RESULTS, extras=COLUMN_EXTRAS)
    second = {
        "a|webarena.1|0": columns_extra(1.0, 1.0, 1.0),
        "a|webarena.1|1": columns_extra(0.0, 1.0, 0.0),
        "b|webarena.1|0": columns_extra(0.0, 0.0, None),
    }
    judged = {("a", "webarena.1"): [True, True], ("b", "webarena.1"): [False]}
    build_run(root / "wa-second", judged, extras=second)
    build_run(root / "plain-p", {"t": "3/4"}, agent="p", steps=1)
    build_run(root / "plain-q", {"t": "1/4"}, agent="q", steps=1)
    return root


@pytest.fixture(scope="module")
def served(results: Path) -> Iterator[ServedUi]:
    with ServedUi(UiRoots.of([results])) as ui:
        yield ui


def _compare(served: ServedUi, *runs: str) -> dict:
    with httpx.Client(base_url=served.url, timeout=60) as http:
        answer = http.get("api/compare", params=[("run", run) for run in runs])
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_the_comparison_json_carries_the_evaluator_columns(served: ServedUi, results: Path) -> None:
    c = _compare(served, "wa-first", "wa-second")
    columns = c["columns"]
    assert columns["names"] == ["paper", "corrected", "verified"]
    assert [(r["agent"], r["task"], r["overall"], r["tasks"]) for r in columns["rows"]] == [
        ("a", "webarena.1", False, 1),
        ("a", "webarena.2", False, 1),
        ("a", "overall", True, 1),
        ("b", "webarena.1", False, 1),
        ("b", "overall", True, 1),
    ]
    first, second = columns["rows"][0]["cells"]
    assert first["episodes"] == 3 and second["episodes"] == 2
    assert first["means"] == {
        "paper": {"mean": pytest.approx(1 / 3), "n": 3},
        "corrected": {"mean": pytest.approx(2 / 3), "n": 3},
        "verified": {"mean": 1.0, "n": 2},
    }
    assert columns["rows"][1]["cells"][1] is None  # a's webarena.2: not in the second run
    assert columns["rows"][3]["cells"][1]["means"]["verified"] == {"mean": None, "n": 0}
    # The same numbers as `palaestra compare`, read through the same function.
    direct = compare_runs([results / "wa-first", results / "wa-second"]).columns
    assert direct is not None
    for row, ours in zip(direct.rows, columns["rows"], strict=True):
        for cell, drawn in zip(row.cells, ours["cells"], strict=True):
            assert (cell is None) == (drawn is None)
            if cell is not None:
                assert {k: (v["mean"], v["n"]) for k, v in drawn["means"].items()} == cell.means

    # Without columns in any run: no table, and the success rows as before.
    plain = _compare(served, "plain-p", "plain-q")
    assert plain["columns"] is None and plain["by_task"]
    assert [r["task"] for r in plain["rows"]] == ["t", "overall"]
    # One run with columns, one without: the one without has no cell.
    mixed = _compare(served, "plain-p", "wa-first")
    assert mixed["columns"] is not None
    assert all(r["cells"][0] is None and r["cells"][1] is not None for r in mixed["columns"]["rows"])


def test_the_compare_page_draws_the_columns_under_the_success_table(
    served: ServedUi, browser: Browser, shots: Path
) -> None:
    with person_at(browser, served.url, shots) as person:
        page = person.open()
        for name in ("wa-first", "wa-second"):
            page.get_by_role("checkbox", name=re.compile(name)).check()
        page.get_by_role("button", name=re.compile("Compare")).click()
        columns = page.locator("table.evaluator-columns")
        expect(columns).to_be_visible()
        expect(page.get_by_role("heading", name="Evaluator columns (WebArena)")).to_be_visible()
        headers = columns.locator("thead th").all_inner_texts()
        assert headers[:4] == ["agent", "task", "[1] paper", "[1] corrected"] and headers[-1] == "[2] n"
        # Laid out as a table: the body's rows under its header, not beside it.
        head = columns.locator("thead tr").bounding_box()
        first = columns.locator("tbody tr").first.bounding_box()
        assert head and first and first["x"] == head["x"] and first["y"] >= head["y"] + head["height"] - 1
        cells = columns.locator("tbody tr").first.locator("td").all_inner_texts()
        assert cells == ["a", "webarena.1", "0.33", "0.67", "1.00 (n=2)", "3", "0.50", "1.00", "0.50", "2"]
        second = columns.locator("tbody tr").nth(1).locator("td").all_inner_texts()
        assert second[-4:] == ["–"] * 4  # a's webarena.2 is not in the second run
        expect(columns.locator("tr.mean")).to_have_count(2)
        # The success table comes first, unchanged.
        success = page.locator("table").first
        expect(success).to_contain_text("1.00 ± 0.00 (1/1)")
        expect(success).to_contain_text("overall (1 task)")
        assert page.locator("table").count() == 2
        person.shoot("08-compare-evaluator-columns")

        page.goto(served.url + "#/compare?run=plain-p&run=plain-q")
        expect(page.locator("table").first).to_contain_text("0.75 ± ")
        expect(page.locator("table")).to_have_count(1)
        expect(page.get_by_text("Evaluator columns")).to_have_count(0)
        person.check_clean()
