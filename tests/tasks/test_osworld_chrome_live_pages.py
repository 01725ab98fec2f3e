"""The page getters and the history step on a real Xvfb with Debian's real Chromium: the HTML the
session reads over the browser's DevTools pipe (what was typed into a field included) judged by
``active_tab_html_parse`` and ``page_info``, doing nothing scoring 0 and typing the answer 1; and a
History written by ``update_browse_history`` that the browser takes as its own, keeping its
entries beside the page it then showed. One desktop session serves both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.loop import run_sync
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.chrome_getters import history

FORM = """<!DOCTYPE html><html><head><title>Trip form</title></head><body>
<h1>Trip</h1><p class="note">Where do you pick the car up?</p>
<label for="city">City</label> <input id="city" name="city">
</body></html>"""
PAGE = "file:///home/user/pages/form.html"
LAUNCH = {
    "type": "launch",
    "parameters": {"command": ["google-chrome", "--remote-debugging-port=1337", PAGE]},
}
DOWNLOAD = {
    "type": "download",
    "parameters": {"files": [{"url": "form.html", "path": "/home/user/pages/form.html"}]},
}
PARSE = {
    "type": "active_tab_html_parse",
    "category": "input",
    "inputObject": {"//input[@id='city']": "city"},
}


def write_task(folder: Path, config: list[Any], evaluator: dict[str, Any]) -> Path:
    (folder / "form.html").write_text(FORM)
    data = {
        "id": "live",
        "snapshot": "chrome",
        "instruction": "Type Zurich as the city.",
        "config": config,
        "related_apps": ["chrome"],
        "evaluator": evaluator,
    }
    (folder / "live.json").write_text(json.dumps(data))
    return folder / "live.json"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DesktopEnv]:
    folder = tmp_path_factory.mktemp("form")
    evaluator = {
        "func": ["check_direct_json_object", "is_added_to_steam_cart"],
        "result": [PARSE, {"type": "page_info", "url": PAGE}],
        "expected": [
            {"type": "rule", "rules": {"expected": {"city": "Zurich"}}},
            {"type": "rule", "rules": {"items": ["Where do you pick the car up?", 'value="Zurich"']}},
        ],
    }
    shared = DesktopEnv(load_task(write_task(folder, [DOWNLOAD, LAUNCH], evaluator)))
    yield shared
    shared.close()


def test_what_is_typed_into_the_page_is_read_and_judged(env: DesktopEnv) -> None:
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "Trip form - Chromium", obs["focused_window"]
    obs, reward, terminated, _truncated, info = env.step("wait(0.1)")
    assert reward == 0.0 and not terminated, info["task_info"]
    field = next(e for e in obs["elements"] if e["role"] == "entry" and e["name"] == "City")
    obs, reward, *_rest, info = env.step(f"click('{field['id']}')\nwrite('Zurich')")
    for _ in range(4):  # the text reaches the page a moment after the keys
        if reward == 1.0:
            break
        obs, reward, *_rest, info = env.step("wait(0.5)")
    assert reward == 1.0 and info["success"], (info["task_info"], obs["axtree"][-2000:])
    tabs = run_sync(env.aoutcome()).browser_tabs or []
    assert [t["title"] for t in tabs] == ["Trip form"] and "content" in tabs[0]
    assert 'value="Zurich"' in tabs[0]["content"] and "<h1>Trip</h1>" in tabs[0]["content"]


def test_done_at_once_scores_zero(env: DesktopEnv) -> None:
    env.reset(seed=0)
    _obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated and reward == 0.0 and not info["success"], info["task_info"]


def test_the_browser_keeps_the_history_the_step_wrote(env: DesktopEnv, tmp_path: Path) -> None:
    """The entries are in the History the browser opens: after it quits (the postconfig's
    ``pkill chrome``), they are still there, beside the page it showed, which it wrote itself."""
    step = {
        "type": "update_browse_history",
        "parameters": {
            "history": [
                {
                    "url": "https://www.youtube.com/watch?v=1",
                    "title": "A video",
                    "visit_time_from_now_in_seconds": 600,
                }
            ]
        },
    }
    evaluator = {
        "func": "check_history_deleted",
        "result": {"type": "history"},
        "expected": {"type": "rule", "rules": {"type": "keywords", "keywords": ["youtube"]}},
        "postconfig": [{"type": "launch", "parameters": {"command": ["pkill", "chrome"]}}],
    }
    env.task = load_task(write_task(tmp_path, [step, DOWNLOAD, LAUNCH], evaluator))
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "Trip form - Chromium", obs["focused_window"]
    _obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated and reward == 0.0, info["task_info"]
    rows = history(env.outcome()) or []
    urls = [url for url, _title, _time in rows]
    assert "https://www.youtube.com/watch?v=1" in urls and PAGE in urls, rows
