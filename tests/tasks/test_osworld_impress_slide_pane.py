"""``check_left_panel`` (`slides_checks`): Impress's slide pane read from the screen's accessibility
tree, on the real office on Xvfb (the pane shown when a deck opens scores 1; closed with its Close
Pane button, 0) and on trees without it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.osworld import BUNDLED, load_task
from palaestra.tasks.desktop.osworld.accessibility import AccessibilityTree
from palaestra.tasks.desktop.osworld.slides_checks import check_left_panel

PANE = {"role": "document frame", "name": "Slides View", "states": ["showing", "visible"]}


def test_check_left_panel_reads_the_pane_from_the_tree() -> None:
    assert check_left_panel(AccessibilityTree("", [PANE])) == 1.0
    assert check_left_panel(AccessibilityTree("", [{**PANE, "states": ["visible"]}])) == 0.0
    assert check_left_panel(AccessibilityTree("", [{**PANE, "name": "Outline"}])) == 0.0
    assert check_left_panel(None) == 0.0


def test_the_slide_pane_on_the_real_impress(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    shutil.copy(BUNDLED / "files" / "club.pptx", tmp_path / "files" / "club.pptx")
    data = {
        "id": "impress-slide-pane",
        "snapshot": "libreoffice_impress",
        "instruction": "Show the slide pane on the left.",
        "config": [
            {
                "type": "download",
                "parameters": {"files": [{"url": "files/club.pptx", "path": "/home/user/club.pptx"}]},
            },
            {"type": "open", "parameters": {"path": "/home/user/club.pptx"}},
        ],
        "related_apps": ["libreoffice_impress"],
        "evaluator": {"func": "check_left_panel", "result": {"type": "accessibility_tree"}},
    }
    (tmp_path / "task.json").write_text(json.dumps(data))
    env = DesktopEnv(load_task(tmp_path / "task.json"))
    try:
        env.reset(seed=0)
        close = next(n for n in env.unwrapped.outcome().nodes if n.get("name") == "Close Pane")
        x, y, w, h = close["box"]
        _obs, reward, terminated, _truncated, _info = env.step(f"click({x + w // 2}, {y + h // 2})")
        assert reward == 0.0 and not terminated
        env.reset(seed=0)
        _obs, reward, terminated, _truncated, info = env.step("wait(0.5)")
        assert reward == 1.0 and info["success"], info["task_info"]
    finally:
        env.close()
