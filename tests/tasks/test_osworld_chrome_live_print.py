"""``pdf_from_url`` on a real Xvfb with Debian's real Chromium: two pages in HOME printed to PDF by
the session's headless printer and judged by ``compare_pdf_images``, the verdict following the
page's file as the agent changes it, while the agent's browser keeps its tabs and its window (the
printer opens none) and no printer is left running."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import numpy as np
import psutil
import pytest
from PIL import Image

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.loop import run_sync
from palaestra.tasks.desktop.osworld import load_task

MINE, GOLD = "file:///home/user/pages/mine.html", "file:///home/user/pages/gold.html"


def page(seed: int) -> str:
    """A page showing a picture of smooth random colours (a PNG in a data: URL)."""
    cells = np.random.default_rng(seed).integers(0, 256, (8, 8, 3), dtype=np.uint8)
    png = io.BytesIO()
    Image.fromarray(cells).resize((96, 96), Image.Resampling.BICUBIC).save(png, "PNG")
    picture = base64.b64encode(png.getvalue()).decode()
    return (
        "<!DOCTYPE html><html><head><title>Report</title></head><body><h1>Report</h1>"
        f'<img alt="chart" width="192" height="192" src="data:image/png;base64,{picture}"></body></html>'
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopEnv]:
    folder = tmp_path_factory.mktemp("print")
    (folder / "mine.html").write_text(page(1))
    (folder / "gold.html").write_text(page(2))
    data = {
        "id": "live-print",
        "snapshot": "chrome",
        "instruction": "Make the report show the gold chart.",
        "config": [
            {
                "type": "download",
                "parameters": {
                    "files": [
                        {"url": "mine.html", "path": "/home/user/pages/mine.html"},
                        {"url": "gold.html", "path": "/home/user/pages/gold.html"},
                    ]
                },
            },
            {"type": "launch", "parameters": {"command": ["google-chrome", MINE]}},
        ],
        "related_apps": ["chrome"],
        "evaluator": {
            "func": "compare_pdf_images",
            "result": {"type": "pdf_from_url", "path": MINE, "dest": "mine.pdf"},
            "expected": {"type": "pdf_from_url", "path": GOLD, "dest": "gold.pdf"},
        },
    }
    (folder / "task.json").write_text(json.dumps(data))
    shared = DesktopEnv(load_task(folder / "task.json"))
    yield shared
    shared.close()


def printers() -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "--headless" in cmdline and any("/printer-" in arg for arg in cmdline):
            found.append(process)
    return found


def test_the_printed_pages_follow_the_file_and_leave_the_browser_alone(env: DesktopEnv) -> None:
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "Report - Chromium", obs["focused_window"]
    tabs = [(t["title"], t["url"]) for t in run_sync(env.aoutcome()).browser_tabs or []]
    windows = [w["title"] for w in obs["windows"]]
    obs, reward, terminated, _truncated, info = env.step("wait(0.1)")
    assert reward == 0.0 and not terminated, info["task_info"]  # another chart than the gold's
    checks = info["task_info"]["checks"]
    assert checks == [{"func": "compare_pdf_images", "score": 0.0}], checks
    # The agent changes the page's file (as an editor would): its next print shows the gold chart.
    home = env.outcome().home
    (home / "pages/mine.html").write_text(page(2))
    obs, reward, terminated, _truncated, info = env.step("wait(0.1)")
    assert reward == 1.0 and terminated and info["success"], info["task_info"]
    assert [w["title"] for w in obs["windows"]] == windows and obs["focused_window"] == "Report - Chromium"
    after = [(t["title"], t["url"]) for t in run_sync(env.aoutcome()).browser_tabs or []]
    assert after == tabs and len(tabs) == 1, (tabs, after)
    assert not printers()
