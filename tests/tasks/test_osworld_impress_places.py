"""``compare_pptx_files``'s options on where shapes moved and how they were resized (`slides_places`),
on real decks written by python-pptx: each option on the move it asks for (1), a wrong move and no
move (0), and a missing deck; and a task file turning one on loads and is judged."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pptx import Presentation
from pptx.util import Inches

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import load_task
from palaestra.tasks.desktop.osworld.slides_metrics import compare_pptx_files

Edit = Callable[[dict[str, Any]], None]


def deck(path: Path, edit: Edit | None = None) -> Path:
    """One 10 x 7.5 inch slide: a title near the top, a picture and a table on the left, a text
    box; ``edit`` moves or resizes them (by name) before the deck is saved."""
    picture_file = path.with_suffix(".png")
    Image.new("RGB", (16, 16), "green").save(picture_file)
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])  # title only
    slide.shapes.title.text = "Product Comparison"
    shapes = {
        "title": slide.shapes.title,
        "picture": slide.shapes.add_picture(str(picture_file), Inches(1), Inches(3), Inches(2), Inches(2)),
        "table": slide.shapes.add_table(2, 2, Inches(4), Inches(2), Inches(2), Inches(1)),
        "text": slide.shapes.add_textbox(Inches(1), Inches(6), Inches(3), Inches(0.5)),
    }
    shapes["text"].text_frame.text = "Elaborate on what you want to discuss."
    if edit is not None:
        edit(shapes)
    presentation.save(str(path))
    return path


def setting(name: str, **sides: float) -> Edit:
    def edit(shapes: dict[str, Any]) -> None:
        for side, inches in sides.items():
            setattr(shapes[name], side, Inches(inches))

    return edit


CASES = [
    # option, a right edit, wrong edits
    (
        "examine_title_bottom_position",
        setting("title", top=6),
        [setting("title", top=0.1), setting("title", top=2), setting("text", top=6.5)],
    ),
    (
        "examine_table_bottom_position",
        setting("table", top=5),
        [setting("table", top=1), setting("picture", top=5)],
    ),
    (
        "examine_right_position",
        setting("picture", left=7),
        [setting("picture", left=0.2), setting("table", left=7)],
    ),
    (
        "examine_top_position",
        setting("picture", top=0.5),
        [setting("picture", top=5), setting("title", top=0)],
    ),
    ("examine_shape_for_shift_size", setting("text", height=1.5, top=5.5), [setting("picture", width=3)]),
    (
        "examine_image_size",
        setting("picture", left=5),
        [setting("picture", width=3), setting("table", left=1)],
    ),
    (
        "examine_modify_height",
        setting("picture", width=4),
        [setting("picture", height=3), setting("text", width=5)],
    ),
]


@pytest.mark.parametrize(("option", "right", "wrongs"), CASES, ids=[c[0] for c in CASES])
def test_each_option_judges_the_move_it_names(
    tmp_path: Path, option: str, right: Edit, wrongs: list[Edit]
) -> None:
    original = deck(tmp_path / "original.pptx")
    options = {"examine_shape": False, option: True}
    assert compare_pptx_files(deck(tmp_path / "right.pptx", right), original, **options) == 1.0
    for i, wrong in enumerate(wrongs):
        assert compare_pptx_files(deck(tmp_path / f"wrong{i}.pptx", wrong), original, **options) == 0.0
    unmoved = compare_pptx_files(deck(tmp_path / "same.pptx"), original, **options)
    assert unmoved == (
        1.0
        if option in ("examine_shape_for_shift_size", "examine_image_size", "examine_modify_height")
        else 0.0
    )
    assert compare_pptx_files(tmp_path / "absent.pptx", original, **options) == 0.0


def test_a_task_moving_the_image_right_loads_and_is_judged(tmp_path: Path) -> None:
    (tmp_path / "files").mkdir()
    deck(tmp_path / "files" / "201_6_Original.pptx")
    data = {
        "id": "2b94c692-6abb-48ae-ab0b-b3e8a19cb340",
        "snapshot": "libreoffice_impress",
        "instruction": "Move the image to the right side on Slide 1.",
        "config": [{"type": "open", "parameters": {"path": "/home/user/Desktop/201_6.pptx"}}],
        "related_apps": ["libreoffice_impress"],
        "evaluator": {
            "func": "compare_pptx_files",
            "result": {"type": "vm_file", "path": "/home/user/Desktop/201_6.pptx", "dest": "201_6.pptx"},
            "expected": {
                "type": "cloud_file",
                "path": "files/201_6_Original.pptx",
                "dest": "201_6_Original.pptx",
            },
            "options": {"examine_right_position": True, "examine_shape": False},
        },
    }
    (tmp_path / "task.json").write_text(json.dumps(data))
    task = load_task(tmp_path / "task.json")
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    deck(home / "Desktop" / "201_6.pptx")
    assert task.evaluate(outcome).reward == 0.0
    deck(home / "Desktop" / "201_6.pptx", setting("picture", left=7.5))
    assert task.evaluate(outcome).reward == 1.0
