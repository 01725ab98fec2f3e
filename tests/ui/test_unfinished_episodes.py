"""A run's page lists the episodes it started and has not recorded: a live run's episodes under way
(their rows are written only when they end, their trajectories step by step) and those a stopped run
was cut short in. Before, they were invisible until they ended, or for ever if the run was killed."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.runs.store import RunStore
from palaestra.ui import UiRoots
from palaestra.ui.unfinished import unfinished_episodes

from ..runs.conftest import build_run


def _started(run: Path, task: str, seed: int, actions: list[tuple[str, str]]) -> None:
    """An episode's trajectory as the runner writes it while it plays: its header and its steps."""
    folder = run / "episodes" / "agent" / task / str(seed)
    folder.mkdir(parents=True)
    lines = [{"type": "episode", "format": 1, "task": task, "seed": seed, "goal": "Click the button.",
              "source": "run", "agent": "agent", "started": 1.0}]  # fmt: skip
    lines += [{"type": "step", "index": i, "action": a, "error": e} for i, (a, e) in enumerate(actions)]
    text = "\n".join(json.dumps(line) for line in lines) + '\n{"type": "step", "ind'  # a line being written
    (folder / "trajectory.jsonl").write_text(text)


def test_the_run_page_lists_episodes_started_and_not_recorded(tmp_path: Path, browser: Browser) -> None:
    run = build_run(tmp_path / "runs" / "r", {"miniwob.click-test": [True, False]})
    _started(run, "miniwob.click-test", 2, [("click('12')", ""), ("click('999')", "No element with bid 999")])

    with RunStore(run, readonly=True) as store:
        rows = store.episodes()
    listed = unfinished_episodes(run, rows)
    assert [(e["task"], e["seed"], e["steps"], e["last_error"]) for e in listed] == [
        ("miniwob.click-test", 2, 2, "No element with bid 999")
    ]  # the recorded seeds 0 and 1 are not listed; the line cut mid-write is skipped
    with ServedUi(UiRoots.of([tmp_path / "runs"])) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open(f"#/run?run={run}")
        section = page.locator("section.unfinished")
        expect(section.locator("h2")).to_have_text("Unfinished (1)")
        expect(section.locator("tbody tr td")).to_have_text(
            ["agent", "miniwob.click-test", "2", "2", "click('999')", "No element with bid 999"]
        )
        person.check_clean()
