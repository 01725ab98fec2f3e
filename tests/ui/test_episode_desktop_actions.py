"""The episode viewer reads a recorded desktop episode's actions with the desktop's parser, as its
environment did: OSWorld's PyAutoGUI scripts (``import pyautogui``, ``time.sleep``) or, in a run made
with ``--action-set computer_13``, its JSON actions; and where a click landed, for the screenshot.
Before, every recorded action was read as a browser action, so a desktop step that had run showed
a parse error and no point. The runs are written through the real run store (SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from palaestra.runs.store import RunStore
from palaestra.ui.episode_view import episode_detail

from ..runs.conftest import build_run

#: What the runner keeps of a desktop episode's resource figures (only desktop episodes have them).
MEASURED = {"resources": {"cpu_s": 0.2, "peak_memory_mb": 20.0, "oom_kills": 0, "source": "cgroup"}}
SCRIPT = "import pyautogui, time\npyautogui.click(640, 400)\ntime.sleep(0.5)\npyautogui.click('12')"
COMPUTER_13 = '{"action_type": "CLICK", "parameters": {"x": 100, "y": 200}}'


def _first_action(run: Path, key: str, action: str) -> None:
    with sqlite3.connect(run / "results.sqlite") as db:
        db.execute("UPDATE steps SET action = ? WHERE episode = ? AND idx = 0", (action, key))


def _parsed(run: Path, key: str) -> dict[str, object]:
    return dict(episode_detail(run, key)["steps"][0]["parsed"])


def test_a_desktop_episodes_script_is_parsed_as_its_environment_parsed_it(tmp_path: Path) -> None:
    # A registered desktop task; one of a folder of OSWorld files this process does not read; a browser one.
    tasks = ["desktop.calc-add", "osworld-json.not-registered-here", "miniwob.click-test"]
    run = build_run(tmp_path / "run", {t: [True] for t in tasks}, extras={f"agent|{tasks[1]}|0": MEASURED})
    for task in tasks[:2]:
        _first_action(run, f"agent|{task}|0", SCRIPT)
        parsed = _parsed(run, f"agent|{task}|0")
        assert parsed["error"] == "", parsed
        assert [c["name"] for c in parsed["calls"]] == ["click", "wait", "click"]  # type: ignore[index]
        assert parsed["points"] == [[640.0, 400.0]] and parsed["targets"] == ["12"]
    _first_action(run, "agent|miniwob.click-test|0", "click('12')")
    assert _parsed(run, "agent|miniwob.click-test|0")["targets"] == ["12"]


def test_a_run_made_with_computer_13_reads_its_json_actions(tmp_path: Path) -> None:
    run = build_run(tmp_path / "run", {"desktop.calc-add": [True]})
    with RunStore(run) as store:
        store.set_meta("config", {"settings": {"action_set": "computer_13"}})
    _first_action(run, "agent|desktop.calc-add|0", COMPUTER_13)
    parsed = _parsed(run, "agent|desktop.calc-add|0")
    assert parsed["error"] == "" and parsed["points"] == [[100.0, 200.0]], parsed
