"""OSWorld's compare_image_text on pictures drawn here with Pillow's own font and read by the real
Tesseract: a terminal's screenshot after ``ls`` holds OSWorld's " Ls" (case aside) and not another
command; a missing file or one that is no picture scores 0; task files naming it load, check its
rule and judge the saved screenshot; and without Tesseract the judge stops with the fix."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw, ImageFont

from palaestra.errors import DesktopUnavailableError
from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld import ocr_metrics as m

LS = {"type": "text", "text": " Ls"}  # OSWorld's rule, as its task file gives it


def terminal(path: Path, lines: list[str]) -> Path:
    """A terminal-like screenshot: light text on a dark background."""
    font = ImageFont.load_default(size=24)
    image = Image.new("RGB", (900, 40 * len(lines) + 20), (48, 10, 36))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((10, 10 + 40 * i), line, font=font, fill=(230, 230, 230))
    image.save(path)
    return path


@pytest.fixture
def screenshots(tmp_path: Path) -> dict[str, Path]:
    prompt = "user@ubuntu:~$"
    return {
        "ls": terminal(tmp_path / "ls.png", [f"{prompt} ls", "Desktop  Documents  Music", prompt]),
        "pwd": terminal(tmp_path / "pwd.png", [f"{prompt} pwd", "/home/user", prompt]),
    }


def test_read_text_joins_the_words_tesseract_reads(screenshots: dict[str, Path]) -> None:
    assert m.read_text(screenshots["ls"]) == "user@ubuntu:~$ ls Desktop Documents Music user@ubuntu:~$"


def test_compare_image_text_finds_the_rule_text_case_aside(
    screenshots: dict[str, Path], tmp_path: Path
) -> None:
    assert m.compare_image_text(screenshots["ls"], LS) == 1.0
    assert m.compare_image_text(screenshots["ls"], {"type": "text", "text": "Documents  Music"}) == 0.0
    assert m.compare_image_text(screenshots["pwd"], LS) == 0.0
    assert m.compare_image_text(screenshots["pwd"], {"type": "text", "text": "/home/user"}) == 1.0
    not_a_picture = tmp_path / "notes.png"
    not_a_picture.write_text("not a picture, though ls is written in it")
    assert m.compare_image_text(not_a_picture, LS) == 0.0
    assert m.compare_image_text(tmp_path / "missing.png", LS) == 0.0
    assert m.compare_image_text(None, LS) == 0.0


def task_file(folder: Path, rules: Any) -> Path:
    data = {
        "id": "02ce9a50-7af2-47ed-8596-af0c230501f8",
        "snapshot": "os",
        "instruction": "Run ls in /home/user and save a screenshot of it as ls.png on the Desktop.",
        "config": [],
        "related_apps": ["os"],
        "evaluator": {
            "func": "compare_image_text",
            "result": {"type": "vm_file", "path": "/home/user/Desktop/ls.png", "dest": "ls.png"},
            "expected": {"type": "rule", "rules": rules},
        },
    }
    (folder / "task.json").write_text(json.dumps(data))
    return folder / "task.json"


def test_a_task_judges_the_saved_screenshot(tmp_path: Path, screenshots: dict[str, Path]) -> None:
    task = load_task(task_file(tmp_path, LS))
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    assert task.evaluate(outcome).reward == 0.0  # no screenshot yet
    (home / "Desktop" / "ls.png").write_bytes(screenshots["pwd"].read_bytes())
    assert task.evaluate(outcome).reward == 0.0
    (home / "Desktop" / "ls.png").write_bytes(screenshots["ls"].read_bytes())
    assert task.evaluate(outcome).success


@pytest.mark.parametrize(
    "rules",
    [{"type": "regex", "text": "ls"}, {"type": "text"}, {"type": "text", "text": "  "}, "ls"],
)
def test_a_rule_other_than_some_text_is_refused_at_load(tmp_path: Path, rules: Any) -> None:
    with pytest.raises(OSWorldTaskError, match="compare_image_text's rule must be"):
        load_task(task_file(tmp_path, rules))


def test_a_missing_tesseract_stops_the_judge_with_the_fix(
    screenshots: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(m, "TESSERACT", "tesseract-not-installed")
    with pytest.raises(DesktopUnavailableError, match="apt-get install tesseract-ocr tesseract-ocr-eng"):
        m.compare_image_text(screenshots["ls"], LS)
