"""An episode a run is playing opens in the Episode viewer: its steps so far, read-only, marked "in
progress". Before, the run's page listed it, but the viewer read only recorded rows: "No episode ...
in this run".

The run is a real one (Synapse on a scripted model, real Chromium); its synapse seed-0 episode is put
back where it was before it ended: no row yet, its trajectory without its end line, the run running.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from ui_support import MARKUP, Runs, ServedUi, person_at

from palaestra.runs.store import RunStore
from palaestra.ui import UiRoots

KEY = "synapse|miniwob.click-button|0"


def _as_if_under_way(run: Path) -> Path:
    """The episode ``KEY`` as the run leaves it mid-play; returns its folder."""
    with RunStore(run) as store, store.db:
        folder = run / store.db.execute("SELECT artifacts FROM episodes WHERE key = ?", (KEY,)).fetchone()[0]
        store.db.execute("DELETE FROM episodes WHERE key = ?", (KEY,))  # its steps go with it
        store.db.execute("UPDATE invocations SET status = 'running', finished = NULL")
    trajectory = folder / "trajectory.jsonl"
    lines = trajectory.read_text(encoding="utf-8").splitlines()
    trajectory.write_text("\n".join(x for x in lines if json.loads(x).get("type") != "end") + "\n")
    return folder


def test_an_episode_under_way_opens_with_its_steps_so_far(
    runs: Runs, tmp_path: Path, browser: Browser
) -> None:
    run = Path(shutil.copytree(runs.model_run, tmp_path / "runs" / "with-model"))
    folder = _as_if_under_way(run)
    with ServedUi(UiRoots.of([tmp_path / "runs"])) as ui:
        with httpx.Client(base_url=ui.url, timeout=60) as http:
            detail = http.get("api/episode", params={"run": str(run), "key": KEY})
            assert detail.status_code == 200, detail.text
            episode = detail.json()
            assert episode["result"] == "in_progress" and episode["episode"]["steps"] == 2
            assert [s["action"] for s in episode["steps"]] == [f"fill('999', '{MARKUP}')"] * 2
            assert episode["final"]["observation"] == "obs-002.txt"  # the page the agent acts on now
            seen = http.get("api/observation", params={"run": str(run), "key": KEY, "step": "1"}).json()
            assert "button" in seen["record"]["axtree"] and seen["diff"] is not None
            shot = http.get("api/file", params={"run": str(run), "key": KEY, "name": "shot-000.jpg"})
            assert shot.status_code == 200 and shot.headers["content-type"] == "image/jpeg"
            prompt = http.get("api/prompt", params={"run": str(run), "key": KEY, "step": "0"}).json()
            assert prompt["messages"] and prompt["action"] == f"fill('999', '{MARKUP}')"
            unknown = http.get(
                "api/episode", params={"run": str(run), "key": "synapse|miniwob.click-button|7"}
            )
            assert unknown.status_code == 404
            assert (folder / "trajectory.jsonl").read_text().count('"type": "end"') == 0  # read, not written

        with person_at(browser, ui.url, tmp_path) as person:
            page = person.open(f"#/run?run={run}")
            section = page.locator("section.unfinished")
            expect(section.locator("h2")).to_have_text("In progress (1)")
            section.locator("a", has_text="miniwob.click-button").click()
            expect(page.locator("h1")).to_contain_text("synapse · miniwob.click-button · seed 0")
            expect(page.locator("h1 .badge")).to_have_text("… in progress")
            expect(page.locator("p.in-progress")).to_contain_text("these are its steps so far")
            expect(page.locator(".timeline .chip")).to_have_count(3)  # two steps and the page it is on
            expect(page.locator(".facts code.action")).to_have_text(f"fill('999', '{MARKUP}')")
            person.check_clean()
