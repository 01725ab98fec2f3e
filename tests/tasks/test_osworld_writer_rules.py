"""OSWorld's last Writer checks (`writer_rules`) on .docx files written here with python-docx, and
LibreOffice's settings (`office_settings`) on registrymodifications.xcu files as LibreOffice writes
them: each on a right and a wrong document and a missing one, and task files naming them load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.enum.text import WD_BREAK
from docx.shared import Pt

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld import OSWorldTaskError, load_task
from palaestra.tasks.desktop.osworld.getters import FilePath
from palaestra.tasks.desktop.osworld.office_settings import check_libre_locale, find_default_font
from palaestra.tasks.desktop.osworld.writer_rules import (
    check_italic_font_size_14,
    check_no_duplicates,
    compare_docx_files_and_ignore_new_lines,
    compare_references,
    compare_unique_train_records,
    contains_page_break,
    evaluate_alignment,
    evaluate_conversion,
    evaluate_spacing,
)

MISSING = FilePath("/nonexistent/none.docx")


def document(path: Path, *paragraphs: str) -> FilePath:
    made = docx.Document()
    for text in paragraphs:
        made.add_paragraph(text)
    made.save(str(path))
    return FilePath(str(path))


def test_evaluate_conversion_wants_no_run_left_upper_case(tmp_path: Path) -> None:
    lower = docx.Document()
    lower.add_paragraph("quarterly report")
    lower.add_table(rows=1, cols=1).cell(0, 0).text = "total"
    lower.save(str(tmp_path / "a.docx"))
    upper = docx.Document()
    upper.add_paragraph("quarterly report")
    upper.add_table(rows=1, cols=1).cell(0, 0).text = "TOTAL"
    upper.save(str(tmp_path / "b.docx"))
    assert evaluate_conversion(FilePath(str(tmp_path / "a.docx"))) == 1.0
    assert evaluate_conversion(FilePath(str(tmp_path / "b.docx"))) == 0.0
    assert evaluate_conversion(MISSING) == 0.0


def spaced(path: Path, spacings: list[float]) -> FilePath:
    made = docx.Document()
    for spacing in spacings:
        made.add_paragraph("text").paragraph_format.line_spacing = spacing
    made.save(str(path))
    return FilePath(str(path))


def test_evaluate_spacing_wants_single_double_and_one_and_a_half(tmp_path: Path) -> None:
    assert evaluate_spacing(spaced(tmp_path / "a.docx", [1.0, 2.0, 1.5])) == 1.0
    assert evaluate_spacing(spaced(tmp_path / "b.docx", [1.0, 1.5, 2.0])) == 0.0
    assert evaluate_spacing(spaced(tmp_path / "c.docx", [1.0, 2.0])) == 0.0
    assert evaluate_spacing(MISSING) == 0.0


def italic(path: Path, size: int | None) -> FilePath:
    made = docx.Document()
    paragraph = made.add_paragraph("plain ")
    run = paragraph.add_run("slanted")
    run.italic = True
    run.font.size = None if size is None else Pt(size)
    made.save(str(path))
    return FilePath(str(path))


def test_check_italic_font_size_14_wants_italics_at_14_and_the_same_text(tmp_path: Path) -> None:
    gold = italic(tmp_path / "gold.docx", 14)
    assert check_italic_font_size_14(italic(tmp_path / "a.docx", 14), gold) == 1.0
    assert check_italic_font_size_14(italic(tmp_path / "b.docx", 12), gold) == 0.0
    assert check_italic_font_size_14(italic(tmp_path / "c.docx", None), gold) == 0.0
    assert check_italic_font_size_14(document(tmp_path / "d.docx", "other words"), gold) == 0.0
    assert check_italic_font_size_14(MISSING, gold) == 0.0


def test_evaluate_alignment_allows_a_wide_gap_only_after_the_third_word(tmp_path: Path) -> None:
    aligned = document(tmp_path / "a.docx", "Name of item\tfirst entry here. One two three\tfour.")
    broken = document(tmp_path / "b.docx", "Name\tof item first entry here.")
    assert evaluate_alignment(aligned) == 1.0
    assert evaluate_alignment(broken) == 0.0
    assert evaluate_alignment(MISSING) == 0.0


def broken_pages(path: Path, breaks: int) -> FilePath:
    made = docx.Document()
    paragraph = made.add_paragraph("first page")
    for _ in range(breaks):
        paragraph.add_run().add_break(WD_BREAK.PAGE)
    made.save(str(path))
    return FilePath(str(path))


def test_contains_page_break_counts_page_breaks(tmp_path: Path) -> None:
    assert contains_page_break(broken_pages(tmp_path / "a.docx", 1), {}) == 1.0
    assert contains_page_break(broken_pages(tmp_path / "b.docx", 0), {}) == 0.0
    assert contains_page_break(broken_pages(tmp_path / "c.docx", 2), {"page_break_count": 1}) == 0.0
    assert contains_page_break(broken_pages(tmp_path / "d.docx", 2), {"page_break_count": 2}) == 1.0
    assert contains_page_break(MISSING, {}) == 0.0


def test_compare_docx_files_and_ignore_new_lines_drops_empty_paragraphs(tmp_path: Path) -> None:
    gold = document(tmp_path / "gold.docx", "Dear Ann,", "", "Thanks  for coming.")
    assert (
        compare_docx_files_and_ignore_new_lines(
            document(tmp_path / "a.docx", "Dear Ann,", "Thanks for coming."), gold
        )
        == 1.0
    )
    tight = document(tmp_path / "b.docx", "Dear Ann,", "Thanks for coming.")
    assert compare_docx_files_and_ignore_new_lines(tight, gold, ignore_blanks=False) == 0.0  # two spaces
    assert compare_docx_files_and_ignore_new_lines(document(tmp_path / "c.docx", "Dear Bob,"), gold) == 0.0
    assert compare_docx_files_and_ignore_new_lines(MISSING, gold) == 0.0


def test_compare_references_scores_the_references_similarity(tmp_path: Path) -> None:
    refs = ["[1] Knuth, The Art of Computer Programming.", "[2] Turing, On Computable Numbers."]
    gold = document(tmp_path / "gold.docx", "Body text.", "References", *refs)
    assert compare_references(document(tmp_path / "a.docx", "Other body.", "References", *refs), gold) == 1.0
    near = compare_references(
        document(tmp_path / "b.docx", "References", refs[0], "[2] Turing, On Numbers."), gold
    )
    assert 0.0 < near < 1.0
    assert compare_references(document(tmp_path / "c.docx", "References", refs[0]), gold) == 0.0
    assert compare_references(document(tmp_path / "d.docx", "No heading."), gold) == 0.0
    assert compare_references(MISSING, gold) == 0.0


TIMETABLE = ["08:00:00, T1, S1, 1", "08:05:00, T2, S1, 2", "08:10:00, T1, S2, 1"]


def test_check_no_duplicates_and_compare_unique_train_records(tmp_path: Path) -> None:
    initial = document(tmp_path / "initial.docx", *TIMETABLE)
    unique = document(tmp_path / "unique.docx", TIMETABLE[0], TIMETABLE[1])
    assert check_no_duplicates(initial, unique) == 1.0
    assert check_no_duplicates(initial, initial) == 0.0
    assert check_no_duplicates(initial, document(tmp_path / "one.docx", TIMETABLE[0])) == 0.0
    assert check_no_duplicates(initial, MISSING) == 0.0
    gold = document(tmp_path / "gold.docx", TIMETABLE[1], TIMETABLE[2])
    assert compare_unique_train_records(unique, [gold, initial]) == 1.0
    invented = document(tmp_path / "invented.docx", "09:00:00, T1, S9, 1", TIMETABLE[1])
    assert compare_unique_train_records(invented, [gold, initial]) == 0.0
    assert compare_unique_train_records(initial, [gold, initial]) == 0.0
    assert compare_unique_train_records(MISSING, [gold, initial]) == 0.0


def registry(path: Path, items: list[tuple[str, str, str]]) -> FilePath:
    """A registrymodifications.xcu as LibreOffice writes it: one item per changed setting."""
    lines = [
        f'<item oor:path="{where}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
        for where, name, value in items
    ]
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry"'
        ' xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        + "\n".join(lines)
        + "\n</oor:items>\n"
    )
    return FilePath(str(path))


def test_find_default_font_and_check_libre_locale_read_the_profile(tmp_path: Path) -> None:
    settings = registry(
        tmp_path / "a.xcu",
        [
            ("/org.openoffice.Office.Writer/DefaultFont", "Standard", "Liberation Serif"),
            ("/org.openoffice.Setup/L10N", "ooLocale", "en-US"),
            ("/org.openoffice.Setup/L10N", "ooSetupSystemLocale", "de-DE"),
        ],
    )
    assert find_default_font(settings, {"font_name": "Liberation Serif"}) == 1.0
    assert find_default_font(settings, {"font_name": "Times New Roman"}) == 0.0
    assert check_libre_locale(settings, {"locale_set": ["de-*"]}) == 1.0
    assert check_libre_locale(settings, {"locale_set": ["en-US", "fr-*"]}) == 0.0
    interface_only = registry(tmp_path / "b.xcu", [("/org.openoffice.Setup/L10N", "ooLocale", "fr-FR")])
    assert check_libre_locale(interface_only, {"locale_set": ["fr-*"]}) == 1.0
    assert find_default_font(FilePath(str(tmp_path / "none.xcu")), {"font_name": "x"}) == 0.0
    assert check_libre_locale(FilePath(str(tmp_path / "none.xcu")), {"locale_set": ["*"]}) == 0.0


def task(tmp_path: Path, name: str, evaluator: dict[str, Any]) -> Path:
    data = {
        "id": name,
        "snapshot": "libreoffice_writer",
        "instruction": "Edit the document.",
        "config": [],
        "related_apps": ["libreoffice_writer"],
        "evaluator": evaluator,
    }
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(data))
    return path


DOC = {"type": "vm_file", "path": "/home/user/Desktop/doc.docx", "dest": "doc.docx"}
XCU = {
    "type": "vm_file",
    "path": "/home/user/.config/libreoffice/4/user/registrymodifications.xcu",
    "dest": "r.xcu",
}


@pytest.mark.parametrize(
    "evaluator",
    [
        {"func": "evaluate_conversion", "result": DOC},
        {"func": "evaluate_spacing", "result": DOC},
        {"func": "evaluate_alignment", "result": DOC},
        {
            "func": "contains_page_break",
            "result": DOC,
            "expected": {"type": "rule", "rules": {"page_break_count": 1}},
        },
        {
            "func": "check_italic_font_size_14",
            "result": DOC,
            "expected": {"type": "cloud_file", "path": "gold.docx"},
        },
        {
            "func": "check_no_duplicates",
            "result": {"type": "cloud_file", "path": "gold.docx"},
            "expected": DOC,
        },
        {
            "func": "compare_unique_train_records",
            "result": DOC,
            "expected": {
                "type": "cloud_file",
                "path": ["gold.docx", "gold.docx"],
                "multi": True,
                "gives": [0, 1],
            },
        },
        {
            "func": "compare_docx_files_and_ignore_new_lines",
            "result": DOC,
            "expected": {"type": "cloud_file", "path": "gold.docx"},
            "options": {"ignore_blanks": False},
        },
        {
            "func": "compare_references",
            "result": DOC,
            "expected": {"type": "cloud_file", "path": "gold.docx"},
            "options": {"reference_base_result": 0.4},
        },
        {
            "func": "find_default_font",
            "result": XCU,
            "expected": {"type": "rule", "rules": {"font_name": "Carlito"}},
        },
        {
            "func": "check_libre_locale",
            "result": XCU,
            "expected": {"type": "rule", "rules": {"locale_set": ["de-*"]}},
        },
    ],
)
def test_task_files_naming_them_load_and_a_missing_file_scores_0(
    tmp_path: Path, evaluator: dict[str, Any]
) -> None:
    document(tmp_path / "gold.docx", "Gold.")
    loaded = load_task(task(tmp_path, "writer", evaluator))
    (tmp_path / "home").mkdir()
    outcome = DesktopOutcome(home=tmp_path / "home", elements=[], windows=[], messages=[])
    assert loaded.evaluate(outcome).reward == 0.0


def test_a_writer_task_is_judged_on_its_document(tmp_path: Path) -> None:
    evaluator = {"func": "evaluate_conversion", "result": DOC}
    loaded = load_task(task(tmp_path, "lower", evaluator))
    home = tmp_path / "home"
    (home / "Desktop").mkdir(parents=True)
    outcome = DesktopOutcome(home=home, elements=[], windows=[], messages=[])
    document(home / "Desktop" / "doc.docx", "all lower now")
    assert loaded.evaluate(outcome).reward == 1.0
    document(home / "Desktop" / "doc.docx", "STILL UPPER")
    assert loaded.evaluate(outcome).reward == 0.0


def test_bad_rules_are_refused_at_load(tmp_path: Path) -> None:
    bad = {
        "func": "check_libre_locale",
        "result": XCU,
        "expected": {"type": "rule", "rules": {"locale": "de"}},
    }
    with pytest.raises(OSWorldTaskError, match="locale_set"):
        load_task(task(tmp_path, "bad", bad))
    no_font = {
        "func": "find_default_font",
        "result": XCU,
        "expected": {"type": "rule", "rules": {"font": "x"}},
    }
    with pytest.raises(OSWorldTaskError, match="font_name"):
        load_task(task(tmp_path, "nofont", no_font))
