"""Impress's picture-fit and slide-number-colour checks (`slides_pictures`) on real decks written by
python-pptx: each on a right deck, wrong ones and a missing one, and the colour rules checked when a
task file is loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Inches

from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.slides_pictures import (
    check_image_stretch_and_center,
    check_page_number_colors,
    check_slide_numbers_color,
)


def picture_deck(path: Path, colour: str, box: tuple[float, float, float, float]) -> Path:
    """One 10 x 7.5 inch slide with a picture of ``colour`` at ``box`` (left, top, width, height)."""
    image = path.with_suffix(f".{colour}.png")
    Image.new("RGB", (16, 12), colour).save(image)
    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[6])  # blank
    slide.shapes.add_picture(str(image), *(Inches(v) for v in box))
    presentation.save(str(path))
    return path


def test_the_picture_must_fill_the_slide_and_be_centred(tmp_path: Path) -> None:
    original = picture_deck(tmp_path / "original.pptx", "green", (1, 1, 2, 1.5))
    stretched = picture_deck(tmp_path / "a.pptx", "green", (0, 0, 10, 7.5))
    nearly = picture_deck(tmp_path / "b.pptx", "green", (0.2, 0.1, 9.7, 7.4))
    assert check_image_stretch_and_center(stretched, original) == 1.0
    assert check_image_stretch_and_center(nearly, original) == 1.0
    centred_small = picture_deck(tmp_path / "c.pptx", "green", (2.5, 1.875, 5, 3.75))
    assert check_image_stretch_and_center(centred_small, original) == 0.0
    off_centre = picture_deck(tmp_path / "d.pptx", "green", (2, 0, 10, 7.5))
    assert check_image_stretch_and_center(off_centre, original) == 0.0
    another = picture_deck(tmp_path / "e.pptx", "red", (0, 0, 10, 7.5))
    assert check_image_stretch_and_center(another, original) == 0.0
    assert check_image_stretch_and_center(tmp_path / "absent.pptx", original) == 0.0


def _number_placeholder(owner: Any) -> Any:
    return next(p for p in owner.placeholders if p.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER)


def numbered_deck(path: Path, master: RGBColor | None, slide: RGBColor | None = None) -> Path:
    """Two slides; the master's slide number coloured ``master``, and, when ``slide`` is given, the
    first slide showing a number of its own in that colour."""
    presentation = Presentation()
    for _ in range(2):
        presentation.slides.add_slide(presentation.slide_layouts[1])
    if master is not None:
        _number_placeholder(presentation.slide_master).text_frame.paragraphs[0].font.color.rgb = master
    if slide is not None:
        first = presentation.slides[0]
        first.shapes.clone_placeholder(_number_placeholder(first.slide_layout))
        _number_placeholder(first).text_frame.paragraphs[0].font.color.rgb = slide
    presentation.save(str(path))
    return path


def test_slide_numbers_are_read_in_the_colour_they_show(tmp_path: Path) -> None:
    red, blue = RGBColor(230, 20, 20), RGBColor(0, 0, 200)
    red_master = numbered_deck(tmp_path / "red.pptx", red)
    assert check_slide_numbers_color(red_master) == 1.0
    assert check_page_number_colors(red_master, {"color": "red"}) == 1.0
    assert check_page_number_colors(red_master, {"color": "blue"}) == 0.0
    uncoloured = numbered_deck(tmp_path / "plain.pptx", None)
    assert check_slide_numbers_color(uncoloured) == 0.0
    assert check_page_number_colors(uncoloured, {"color": "black"}) == 0.0
    own_blue = numbered_deck(tmp_path / "own.pptx", red, slide=blue)  # the slide's own colour shows
    assert check_page_number_colors(own_blue, {"color": "blue"}) == 1.0
    assert check_slide_numbers_color(own_blue) == 0.0
    assert check_slide_numbers_color(tmp_path / "absent.pptx") == 0.0


def test_the_colour_rule_is_checked_when_a_task_loads(tmp_path: Path) -> None:
    def task(rules: dict[str, Any]) -> Path:
        data = {
            "id": "page-numbers",
            "snapshot": "libreoffice_impress",
            "instruction": "Make the page numbers red.",
            "config": [{"type": "open", "parameters": {"path": "/home/user/Desktop/a.pptx"}}],
            "related_apps": ["libreoffice_impress"],
            "evaluator": {
                "func": "check_page_number_colors",
                "result": {"type": "vm_file", "path": "/home/user/Desktop/a.pptx", "dest": "a.pptx"},
                "expected": {"type": "rule", "rules": rules},
            },
        }
        (tmp_path / "task.json").write_text(json.dumps(data))
        return tmp_path / "task.json"

    assert load_task(task({"color": "red"}))
    with pytest.raises(OSWorldTaskError, match="one of"):
        load_task(task({"color": "purple"}))
