"""Writer's layout and object metrics (`writer_layout`) on real .docx files made with python-docx and
Pillow: tab stops, pictures where the expected document has them, an inserted equation, the same
pictures; each on a right and a wrong document and a missing one, and loaded from a task file."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.shared import Inches
from lxml import etree
from PIL import Image

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import UnsupportedEvaluatorError, load_task
from palaestra.tasks.desktop.osworld.writer_layout import (
    check_tabstops,
    compare_contains_image,
    compare_docx_images,
    compare_insert_equation,
)

MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"


def tabbed(
    path: Path, lines: list[str], stop: float | None, kind: WD_TAB_ALIGNMENT = WD_TAB_ALIGNMENT.LEFT
) -> Path:
    made = docx.Document()
    for line in lines:
        paragraph = made.add_paragraph(line)
        if stop is not None:
            paragraph.paragraph_format.tab_stops.add_tab_stop(Inches(stop), kind)
    made.save(str(path))
    return path


def test_check_tabstops_scores_how_near_the_stops_are(tmp_path: Path) -> None:
    lines = ["Title one\tAuthor", "Title two\tEditor"]
    gold = tabbed(tmp_path / "gold.docx", lines, 4.0)
    assert check_tabstops(tabbed(tmp_path / "same.docx", lines, 4.0), gold) == 1.0
    near = check_tabstops(tabbed(tmp_path / "near.docx", lines, 3.5), gold)
    assert 0.9 < near < 1.0  # half an inch off in 6 inches of text
    assert check_tabstops(tabbed(tmp_path / "none.docx", lines, None), gold) == 0.0
    right = tabbed(tmp_path / "right.docx", lines, 4.0, WD_TAB_ALIGNMENT.RIGHT)
    assert check_tabstops(right, gold) == 0.0
    assert check_tabstops(tmp_path / "absent.docx", gold) == 0.0


def test_check_tabstops_counts_the_words_before_the_tab(tmp_path: Path) -> None:
    gold = tabbed(tmp_path / "gold.docx", ["Alpha beta gamma\tdelta"], 4.0)
    three = tabbed(tmp_path / "three.docx", ["Alpha beta gamma\tdelta"], 4.0)
    two = tabbed(tmp_path / "two.docx", ["Alpha beta\tgamma delta"], 4.0)
    assert check_tabstops(three, gold, word_number_split_by_tabstop=3, index=0) == 1.0
    assert check_tabstops(two, gold, word_number_split_by_tabstop=3, index=0) == 0.0
    assert check_tabstops(three, gold, word_number_split_by_tabstop=1, index=1) == 1.0
    assert check_tabstops(three, gold, word_number_split_by_tabstop=1, index=2) == 0.0


def picture(path: Path, colour: str) -> Path:
    Image.new("RGB", (8, 8), colour).save(path)
    return path


def illustrated(path: Path, pictures: list[Path], at_first: bool = True) -> Path:
    made = docx.Document()
    for i, picture_path in enumerate(pictures):
        paragraph = made.add_paragraph()
        if at_first:
            paragraph.add_run().add_picture(str(picture_path), width=Inches(0.5))
        paragraph.add_run(f"Figure {i + 1}")
        if not at_first:
            paragraph.add_run().add_picture(str(picture_path), width=Inches(0.5))
    made.save(str(path))
    return path


def test_compare_contains_image_wants_pictures_in_the_same_runs(tmp_path: Path) -> None:
    red = picture(tmp_path / "red.png", "red")
    gold = illustrated(tmp_path / "gold.docx", [red])
    assert compare_contains_image(illustrated(tmp_path / "a.docx", [red]), gold) == 1.0
    assert compare_contains_image(illustrated(tmp_path / "b.docx", [red], at_first=False), gold) == 0.0
    assert compare_contains_image(tabbed(tmp_path / "c.docx", ["Figure 1"], None), gold) == 0.0
    assert compare_contains_image(tmp_path / "absent.docx", gold) == 0.0


def test_compare_docx_images_compares_pixels_in_order(tmp_path: Path) -> None:
    red, blue = picture(tmp_path / "red.png", "red"), picture(tmp_path / "blue.png", "blue")
    red_jpeg = tmp_path / "red.bmp"
    Image.new("RGB", (8, 8), "red").save(red_jpeg)
    gold = illustrated(tmp_path / "gold.docx", [red, blue])
    assert compare_docx_images(illustrated(tmp_path / "a.docx", [red, blue]), gold) == 1.0
    resaved = illustrated(tmp_path / "resaved.docx", [red_jpeg, blue])
    assert compare_docx_images(resaved, gold) == 1.0  # the same pixels in another format
    assert compare_docx_images(illustrated(tmp_path / "b.docx", [blue, red]), gold) == 0.0
    assert compare_docx_images(illustrated(tmp_path / "c.docx", [red]), gold) == 0.0
    assert compare_docx_images(tmp_path / "absent.docx", gold) == 0.0


def with_equation(path: Path, equation: bool, text: str = "Energy: ") -> Path:
    made = docx.Document()
    paragraph = made.add_paragraph(text)
    if equation:
        formula = etree.SubElement(paragraph._p, f"{{{MATH}}}oMath")
        etree.SubElement(etree.SubElement(formula, f"{{{MATH}}}r"), f"{{{MATH}}}t").text = "E=mc2"
    made.save(str(path))
    return path


def test_compare_insert_equation_wants_the_text_and_an_equation(tmp_path: Path) -> None:
    gold = with_equation(tmp_path / "gold.docx", True)
    assert compare_insert_equation(with_equation(tmp_path / "a.docx", True), gold) == 1.0
    assert compare_insert_equation(with_equation(tmp_path / "b.docx", False), gold) == 0.0
    assert compare_insert_equation(with_equation(tmp_path / "c.docx", True, "Power: "), gold) == 0.0
    assert compare_insert_equation(tmp_path / "absent.docx", gold) == 0.0


def task_file(tmp_path: Path, func: str, options: dict[str, object]) -> Path:
    data = {
        "id": "0a0faba3-5580-44df-965d-f562a99b291c",
        "snapshot": "libreoffice_writer",
        "instruction": "Put a tab stop after the first three words of each line.",
        "config": [{"type": "open", "parameters": {"path": "/home/user/Desktop/list.docx"}}],
        "related_apps": ["libreoffice_writer"],
        "evaluator": {
            "func": func,
            "result": {"type": "vm_file", "path": "/home/user/Desktop/list.docx", "dest": "list.docx"},
            "expected": {"type": "cloud_file", "path": "gold.docx", "dest": "gold.docx"},
            "options": options,
        },
    }
    path = tmp_path / "task.json"
    path.write_text(json.dumps(data))
    return path


def test_a_task_loads_checks_its_options_and_judges_the_saved_document(tmp_path: Path) -> None:
    tabbed(tmp_path / "gold.docx", ["a b c\td"], 4.0)
    task = load_task(task_file(tmp_path, "check_tabstops", {"word_number_split_by_tabstop": 3, "index": 0}))
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    tabbed(home / "Desktop" / "list.docx", ["a b\tc d"], 4.0)
    assert task.evaluate(outcome).reward == 0.0
    tabbed(home / "Desktop" / "list.docx", ["a b c\td"], 4.0)
    assert task.evaluate(outcome).reward == 1.0
    with pytest.raises(UnsupportedEvaluatorError, match="word_number_split_by_tabstop"):
        load_task(task_file(tmp_path, "check_tabstops", {"word_number_split_by_tab": 3}))
    with pytest.raises(UnsupportedEvaluatorError, match="Did you mean: `check_tabstops`"):
        load_task(task_file(tmp_path, "check_tab_stops", {}))
