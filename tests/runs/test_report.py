"""`write_report`: the pages as a reader sees them in Chromium, and what the report refuses to read.

The browser tests look at rendered, visible content (not at the HTML source), so a table that does
not render, a broken link or an image that does not decode fails them.
"""

from __future__ import annotations

import base64
import io
import re
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, sync_playwright

from palaestra.cli import main
from palaestra.envs import find_chromium
from palaestra.envs.browser import CHROMIUM_FLAGS
from palaestra.runs.report import write_report
from palaestra.runs.report_html import episode_page_name
from palaestra.ui.links import base_url

from .conftest import COLUMN_EXTRAS, COLUMN_RESULTS

MakeRun = Callable[..., Path]
EVIL_GOAL = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2"> Click <b>OK</b> & go'
RESULTS: dict[Any, Any] = {
    ("oracle", "click-test"): "3/3",
    ("agent-a", "click-test"): [True, False, "browser_crashed"],
    ("agent-a", "evil"): "1/2",
}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test on any request that is not a local file or inline data."""
    context = browser.new_context()
    opened = context.new_page()
    remote: list[str] = []
    opened.on("request", lambda r: None if r.url.startswith(("file:", "data:")) else remote.append(r.url))
    yield opened
    context.close()
    assert not remote, f"the report loaded {remote}"


@pytest.fixture
def run(make_run: MakeRun) -> Path:
    return make_run(RESULTS, goals={"evil": EVIL_GOAL})


def cells(page: Page, selector: str) -> list[list[str]]:
    rows = page.locator(selector)
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()] for i in range(rows.count())]


def test_index_shows_the_run(run: Path, page: Page) -> None:
    index = write_report(run)
    assert index == run / "report" / "index.html"
    page.goto(index.as_uri())
    tables = page.locator("table")
    summary = cells(page, "h2:has-text('Summary') + table tbody tr")
    assert [row[:3] for row in summary] == [
        ["agent-a", "click-test", "2"], ["agent-a", "evil", "2"], ["oracle reference", "click-test", "3"],
    ]  # fmt: skip
    assert summary[0][3] == "0.50 ± 0.35" and summary[0][-1] == "1"  # the error is not a failure
    means = cells(page, "h3:has-text('Per agent') + table tbody tr")
    assert means[0][:4] == ["agent-a", "2", "4", "0.50 ± 0.25"]
    assert page.locator("svg.chart rect.bar").count() == 3
    assert (
        "agent-a · click-test: 0.50 ± 0.35 (n=2)"
        in page.locator("svg.chart rect.bar title").all_text_contents()
    )
    errors = cells(page, "h2:has-text('Errors') + table tbody tr")
    assert len(errors) == 1 and errors[0][:4] == ["browser_crashed", "retryable", "1", "1"]
    record = page.locator("dl.record").inner_text()
    assert "0123456789abcdef0123456789abcdef01234567 (dirty" in record
    assert "Chromium 999.0 (test)" in record and "palaestra eval --agent test" in record
    assert re.search(r"Seeds\s+0-2\n", record)
    episodes = page.locator("a.episode")
    assert episodes.count() == 8 and tables.count() == 4
    assert page.locator("text=⚠ error: browser_crashed").is_visible()


def test_index_shows_webarenas_evaluator_columns(make_run: MakeRun, run: Path, page: Page) -> None:
    webarena = make_run(COLUMN_RESULTS, name="webarena", extras=COLUMN_EXTRAS)
    page.goto(write_report(webarena).as_uri())
    heading = "h3:has-text('Evaluator columns (WebArena)') + table"
    assert page.locator(f"{heading} th").all_inner_texts() == [
        "agent",
        "task",
        "paper",
        "corrected",
        "verified",
        "n",
    ]
    assert cells(page, f"{heading} tbody tr") == [
        ["a", "webarena.1", "0.33", "0.67", "1.00 (n=2)", "3"],
        ["a", "webarena.2", "1.00", "1.00", "0.00", "1"],
        ["a", "all tasks", "0.50", "0.75", "0.67 (n=3)", "4"],
        ["b", "webarena.1", "0.50", "0.00", "0.50", "2"],
        ["b", "all tasks", "0.50", "0.00", "0.50", "2"],
    ]
    assert "Evaluator columns" not in write_report(run).read_text()  # a run without columns: nothing new


def test_a_link_opens_the_episode_page_with_its_steps(run: Path, page: Page) -> None:
    page.goto(write_report(run).as_uri())
    row = page.locator("h2:has-text('Episodes') + table tbody tr", has_text="click-test").filter(has_text="✗")
    row.locator("a.episode").click()
    page.wait_for_load_state()
    assert page.url.endswith(episode_page_name("agent-a|click-test|1"))
    assert page.locator("h1").inner_text() == "agent-a · click-test · seed 1"
    assert page.locator("h2", has_text="Outcome").inner_text() == "Outcome: ✗ failure"
    assert page.locator("section.step").count() == 2
    first = page.locator("section.step").first
    image = first.locator("img.shot")
    assert image.is_visible()
    assert image.evaluate("i => i.complete && i.naturalWidth") == 64
    text = first.inner_text()
    assert "click('10')" in text and "no element 9" in text and "env 0.500 s · agent 1.500 s" in text
    assert (
        first.locator("details", has_text="Thoughts").locator("pre").inner_text() == "thinking about step 0"
    )
    observation = first.locator("details", has_text="Observation")
    assert not observation.locator("pre").is_visible()  # collapsed until asked for
    observation.locator("summary").click()
    assert "url: file:///click-test.html" in observation.locator("pre").inner_text()
    page.locator("text=← Run report").click()
    page.wait_for_load_state()
    assert page.url.endswith("/report/index.html")


def test_untrusted_goal_is_text_not_markup(run: Path, page: Page) -> None:
    write_report(run)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto((run / "report" / "episodes" / episode_page_name("agent-a|evil|0")).as_uri())
    assert page.locator(".goal").inner_text() == EVIL_GOAL
    assert page.locator("script").count() == 0 and page.locator(".goal img, .goal b").count() == 0
    assert page.evaluate("window.pwned") is None and not dialogs


def test_errored_episode_page_shows_the_error(run: Path, page: Page) -> None:
    write_report(run)
    page.goto((run / "report" / "episodes" / episode_page_name("agent-a|click-test|2")).as_uri())
    assert page.locator("h2", has_text="Outcome").inner_text() == "Outcome: ⚠ error: browser_crashed"
    assert "the browser went away" in page.locator("pre.error-message").inner_text()
    assert "browser_crashed" in page.locator("h2:has-text('Errored attempts') + table").inner_text()


def test_report_location_and_self_containment(run: Path, tmp_path: Path) -> None:
    index = write_report(run, tmp_path / "elsewhere")
    assert index == tmp_path / "elsewhere" / "index.html"
    pages = sorted((tmp_path / "elsewhere" / "episodes").glob("*.html"))
    assert len(pages) == 8
    named = write_report(run, tmp_path / "out" / "mine.html")
    assert named.is_file()
    back = (named.parent / "episodes" / episode_page_name("oracle|click-test|0")).read_text()
    assert 'href="../mine.html"' in back
    ui = base_url()  # the one link out: each episode in the local debugging UI, loaded only when clicked
    for html in [index.read_text(), *(p.read_text() for p in pages)]:
        assert "<script" not in html and not re.search(
            r"""(src|href)=["']?(https?:)?//""", html.replace(ui, "")
        )
        assert "Content-Security-Policy" in html


def test_thumbnails_are_downscaled(run: Path) -> None:
    folder = run / "episodes" / "oracle" / "click-test" / "0"
    big = Image.effect_noise((1600, 1000), 60).convert("RGB")
    big.save(folder / "shot-000.jpg", quality=95)
    write_report(run)
    html = (run / "report" / "episodes" / episode_page_name("oracle|click-test|0")).read_text()
    encoded = re.search(r'src="data:image/jpeg;base64,([^"]+)"', html)
    assert encoded is not None
    thumbnail = Image.open(io.BytesIO(base64.b64decode(encoded.group(1))))
    assert thumbnail.size == (480, 300)
    assert len(html) < (folder / "shot-000.jpg").stat().st_size


def test_paths_outside_the_run_are_refused(run: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "obs-000.txt").write_text("TOPSECRET")
    (outside / "trajectory.jsonl").write_text('{"type": "step", "index": 0, "thoughts": "TOPSECRET"}\n')
    with sqlite3.connect(run / "results.sqlite") as db:
        db.execute("UPDATE episodes SET artifacts = '../secret' WHERE key = 'oracle|click-test|0'")
        db.execute(
            "UPDATE steps SET observation = '../../../../secret/obs-000.txt' WHERE episode = ?",
            ("oracle|click-test|1",),
        )
    db.close()
    write_report(run)
    pages = run / "report" / "episodes"
    moved = (pages / episode_page_name("oracle|click-test|0")).read_text()
    assert "TOPSECRET" not in moved and "refused" in moved and "outside the run directory" in moved
    step = (pages / episode_page_name("oracle|click-test|1")).read_text()
    assert "TOPSECRET" not in step and "refused: ../../../../secret/obs-000.txt" in step


def test_missing_artifacts_and_empty_runs_still_render(make_run: MakeRun, run: Path, tmp_path: Path) -> None:
    for file in (run / "episodes" / "agent-a" / "evil" / "1").iterdir():
        file.unlink()
    write_report(run)
    html = (run / "report" / "episodes" / episode_page_name("agent-a|evil|1")).read_text()
    assert "shot-000.jpg is missing" in html and "obs-000.txt is missing" in html
    empty = write_report(make_run({}, name="empty")).read_text()
    assert "No episode recorded yet" in empty and "No errors." in empty


def test_not_a_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(FileNotFoundError, match="not a run directory"):
        write_report(tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()
    assert main(["report", str(tmp_path / "nothing")]) == 2
    assert "palaestra eval" in capsys.readouterr().err


def test_answers_show_beside_steps_where_an_agent_counted_them(make_run: MakeRun, page: Page) -> None:
    """An agent whose step limit counted answers (OSWorld's) has its answers shown beside its steps
    (its actions); a run where none did shows no answers column."""
    counted = {"answers": 1, "step_limit_counts": "answers"}
    run = make_run(
        {("osworld", "calc-add"): "1/2", ("ours", "calc-add"): "1/1"},
        extras={"osworld|calc-add|0": counted, "osworld|calc-add|1": {**counted, "answers": 2}},
    )
    page.goto(write_report(run).as_uri())
    assert page.locator("h2:has-text('Summary') + table th").all_inner_texts()[-1] == "answers"
    summary = cells(page, "h2:has-text('Summary') + table tbody tr")
    assert [(row[0], row[5], row[-1]) for row in summary] == [("osworld", "2.0", "1.5"), ("ours", "2.0", "-")]
    episodes = cells(page, "h2:has-text('Episodes') + table tbody tr")
    assert [row[4] for row in episodes] == ["2 (1 answer)", "2 (2 answers)", "2"]
    page.locator("h2:has-text('Episodes') + table tbody tr").first.locator("a.episode").click()
    page.wait_for_load_state()
    assert re.search(r"Steps\s+2 \(1 answer\)\n", page.locator("dl.record").first.inner_text())
    plain = make_run({"calc-add": "1/1"}, name="plain")
    assert ">answers<" not in write_report(plain).read_text()
