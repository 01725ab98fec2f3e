"""Our Writer metrics score as OSWorld's own do (desktop-env 1.0.2's docs.py) on .docx files built
with python-docx, a passing and a failing variant of each (see `osworld_against`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_COLOR_INDEX, WD_TAB_ALIGNMENT
from docx.shared import Pt, RGBColor
from PIL import Image

from .osworld_against import Case, Difference, assert_same_scores, folder, path
from .test_osworld_writer_rules import TIMETABLE, registry
from .test_osworld_writer_rules import document as plain_document

Build = Callable[[Any], None]


def document(folder: Path, name: str, *paragraphs: str, build: Build | None = None) -> Any:
    """A .docx of ``paragraphs``, then ``build`` adds to it (tables, runs, formats)."""
    made = docx.Document()
    for text in paragraphs:
        made.add_paragraph(text)
    if build is not None:
        build(made)
    made.save(str(folder / name))
    return path(folder / name)


def table(rows: list[list[str]]) -> Build:
    def add(made: Any) -> None:
        grid = made.add_table(rows=len(rows), cols=len(rows[0]))
        for i, row in enumerate(rows):
            for j, value in enumerate(row):
                grid.cell(i, j).text = value

    return add


def formatted(**font: Any) -> Build:
    """A last paragraph of two runs whose font has ``font`` (bold, strike, subscript, name...)."""

    def add(made: Any) -> None:
        paragraph = made.add_paragraph()
        for word in ("H", "2O"):
            run = paragraph.add_run(word)
            for key, value in font.items():
                setattr(run.font, key, value)

    return add


def spacing(*values: float) -> Build:
    def add(made: Any) -> None:
        for paragraph, value in zip(made.paragraphs, values, strict=False):
            paragraph.paragraph_format.line_spacing = value

    return add


def centred(made: Any) -> None:
    made.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def footer_text(text: str) -> Build:
    def add(made: Any) -> None:
        made.sections[0].footer.paragraphs[0].text = text

    return add


def tab_at(inches: float) -> Build:
    def add(made: Any) -> None:
        for paragraph in made.paragraphs:
            paragraph.paragraph_format.tab_stops.add_tab_stop(Pt(inches * 72), WD_TAB_ALIGNMENT.RIGHT)

    return add


def picture(colour: str) -> Build:
    def add(made: Any) -> None:
        data = io.BytesIO()
        Image.new("RGB", (8, 8), colour).save(data, "PNG")
        made.paragraphs[0].add_run().add_picture(data)

    return add


def highlighted(word: str) -> Build:
    def add(made: Any) -> None:
        made.add_paragraph().add_run(word).font.highlight_color = WD_COLOR_INDEX.YELLOW

    return add


def coloured(rgb_vowel: RGBColor) -> Build:
    def add(made: Any) -> None:
        grid = made.add_table(rows=1, cols=2)
        for cell, word, colour in zip(
            grid.rows[0].cells, ("apple", "pear"), (rgb_vowel, RGBColor(0, 0, 255)), strict=True
        ):
            cell.paragraphs[0].add_run(word).font.color.rgb = colour

    return add


def page_break(made: Any) -> None:
    made.paragraphs[0].add_run().add_break(WD_BREAK.PAGE)


def italic(size: int) -> Build:
    def add(made: Any) -> None:
        run = made.add_paragraph().add_run("note")
        run.italic, run.font.size = True, Pt(size)

    return add


def writer_cases(d: Path) -> dict[str, Case]:
    lines = ("Intro  text", "Body", "End")
    want = document(d, "want.docx", *lines)
    same = document(d, "same.docx", *lines)
    spaced = document(d, "spaced.docx", "Intro text", "Body", "", "End")
    reordered = document(d, "reordered.docx", "End", "Body", "Intro  text")
    shouted = document(d, "shouted.docx", "INTRO  TEXT", "Body", "End")
    grid = document(d, "grid.docx", "t", build=table([["a", "b"], ["c", "d"]]))
    grid_same = document(d, "grid_same.docx", "t", build=table([["a", "b "], ["c", "d"]]))
    grid_other = document(d, "grid_other.docx", "t", build=table([["a", "b"], ["c", "e"]]))
    spaced_2 = document(d, "spaced_2.docx", *lines, build=spacing(1.0, 2.0, 1.5))
    spaced_2b = document(d, "spaced_2b.docx", *lines, build=spacing(1.0, 2.0, 1.5))
    spaced_1 = document(d, "spaced_1.docx", *lines, build=spacing(1.0, 1.0, 1.0))
    arial = document(d, "arial.docx", build=formatted(name="Arial"))
    mixed = document(d, "mixed.docx", build=formatted(name="Times New Roman"))
    centre = document(d, "centre.docx", *lines, build=centred)
    struck = document(d, "struck.docx", *lines, build=formatted(strike=True))
    struck_want = document(d, "struck_want.docx", *lines, build=formatted())
    plain_runs = document(d, "plain_runs.docx", *lines, build=formatted())
    subscript = document(d, "subscript.docx", build=formatted(subscript=True))
    footer_yes = document(d, "footer_yes.docx", "x", build=footer_text("Page 1"))
    footer_no = document(d, "footer_no.docx", "x", build=footer_text("Page"))
    tabs_want = document(d, "tabs_want.docx", "one two\tthree", build=tab_at(6))
    tabs_near = document(d, "tabs_near.docx", "one two\tthree", build=tab_at(5))
    red_pic = document(d, "red_pic.docx", "x", build=picture("red"))
    red_pic2 = document(d, "red_pic2.docx", "x", build=picture("red"))
    blue_pic = document(d, "blue_pic.docx", "x", build=picture("blue"))
    no_pic = document(d, "no_pic.docx", "x", build=lambda made: made.paragraphs[0].add_run("in its place"))
    marked = document(d, "marked.docx", "x", build=highlighted("key"))
    marked2 = document(d, "marked2.docx", "x", build=highlighted("key"))
    marked_other = document(d, "marked_other.docx", "x", build=highlighted("door"))
    red_blue = document(d, "red_blue.docx", build=coloured(RGBColor(255, 0, 0)))
    red_blue2 = document(d, "red_blue2.docx", build=coloured(RGBColor(255, 0, 0)))
    green_blue = document(d, "green_blue.docx", build=coloured(RGBColor(0, 160, 0)))
    broken = document(d, "broken.docx", "a", "b", build=page_break)
    italic14 = document(d, "italic14.docx", "x", build=italic(14))
    italic14b = document(d, "italic14b.docx", "x", build=italic(14))
    italic12 = document(d, "italic12.docx", "x", build=italic(12))
    lower = document(d, "lower.docx", "quarterly report", build=table([["total"]]))
    upper = document(d, "upper.docx", "quarterly report", build=table([["TOTAL"]]))
    aligned = document(d, "aligned.docx", "The first three\twords apart. Ok.")
    w = "docs"
    return {
        "docx_files same": Case(w, "compare_docx_files", (same, want)),
        "docx_files blanks": Case(w, "compare_docx_files", (spaced, want)),
        "docx_files blanks kept": Case(w, "compare_docx_files", (spaced, want), {"ignore_blanks": False}),
        "docx_files empty lines": Case(
            w,
            "compare_docx_files",
            (document(d, "e.docx", "Intro  text", "", "Body", "End"), want),
            {"ignore_blanks": False, "delete_empty_lines": True},
        ),
        "docx_files order": Case(
            w, "compare_docx_files", (reordered, want), {"ignore_order": True, "ignore_blanks": False}
        ),
        "docx_files order kept": Case(w, "compare_docx_files", (reordered, want)),
        "docx_files case": Case(w, "compare_docx_files", (shouted, want), {"ignore_case": True}),
        "docx_files content_only": Case(w, "compare_docx_files", (shouted, want), {"content_only": True}),
        "docx_files missing": Case(w, "compare_docx_files", (None, want)),
        "init_lines pass": Case(w, "compare_init_lines", (same, document(d, "longer.docx", *lines, "More"))),
        "init_lines fail": Case(w, "compare_init_lines", (shouted, want)),
        "docx_tables pass": Case(w, "compare_docx_tables", (grid_same, grid)),
        "docx_tables fail": Case(w, "compare_docx_tables", (grid_other, grid)),
        "line_spacing pass": Case(w, "compare_line_spacing", (spaced_2b, spaced_2)),
        "line_spacing fail": Case(w, "compare_line_spacing", (spaced_1, spaced_2)),
        "font_names pass": Case(w, "compare_font_names", (arial, {"font_name": "Arial"})),
        "font_names fail": Case(w, "compare_font_names", (mixed, {"font_name": "Arial"})),
        "first_line_centered pass": Case(w, "is_first_line_centered", (centre,)),
        "first_line_centered fail": Case(w, "is_first_line_centered", (same,)),
        "docx_lines pass": Case(
            w, "compare_docx_lines", (reordered, document(d, "gap.docx", "Intro  text", "", " Body ", "End"))
        ),
        "docx_lines fail": Case(w, "compare_docx_lines", (shouted, want)),
        "strike_through pass": Case(w, "evaluate_strike_through_last_paragraph", (struck, struck_want)),
        "strike_through fail": Case(w, "evaluate_strike_through_last_paragraph", (plain_runs, struck_want)),
        "subscript pass": Case(w, "compare_subscript_contains", (subscript, subscript)),
        "subscript fail": Case(w, "compare_subscript_contains", (arial, subscript)),
        "page_numbers pass": Case(w, "has_page_numbers_in_footers", (footer_yes,)),
        "page_numbers fail": Case(w, "has_page_numbers_in_footers", (footer_no,)),
        "tabstops same": Case(
            w, "check_tabstops", (tabs_want, tabs_want), {"word_number_split_by_tabstop": 2, "index": 0}
        ),
        "tabstops near": Case(w, "check_tabstops", (tabs_near, tabs_want)),
        "tabstops words": Case(
            w, "check_tabstops", (tabs_want, tabs_want), {"word_number_split_by_tabstop": 3}
        ),
        "contains_image pass": Case(w, "compare_contains_image", (red_pic, blue_pic)),
        "contains_image fail": Case(w, "compare_contains_image", (no_pic, blue_pic)),
        "docx_images pass": Case(w, "compare_docx_images", (red_pic2, red_pic)),
        "docx_images fail": Case(w, "compare_docx_images", (blue_pic, red_pic)),
        "highlighted pass": Case(w, "compare_highlighted_text", (marked2, marked)),
        "highlighted fail": Case(w, "compare_highlighted_text", (marked_other, marked)),
        "coloured words pass": Case(w, "evaluate_colored_words_in_tables", (red_blue, red_blue2)),
        "coloured words fail": Case(w, "evaluate_colored_words_in_tables", (green_blue, red_blue)),
        "page_break pass": Case(w, "contains_page_break", (broken, {"page_break_count": 1})),
        "page_break fail": Case(w, "contains_page_break", (same, {})),
        "italic 14 pass": Case(w, "check_italic_font_size_14", (italic14, italic14b)),
        "italic 14 fail": Case(w, "check_italic_font_size_14", (italic12, italic14)),
        "conversion pass": Case(w, "evaluate_conversion", (lower,)),
        "conversion fail": Case(w, "evaluate_conversion", (upper,)),
        "spacing pass": Case(w, "evaluate_spacing", (spaced_2,)),
        "spacing fail": Case(w, "evaluate_spacing", (spaced_1,)),
        "alignment pass": Case(w, "evaluate_alignment", (aligned,)),
        "alignment fail": Case(w, "evaluate_alignment", (missing_file(d),)),
        "ignore_new_lines pass": Case(w, "compare_docx_files_and_ignore_new_lines", (spaced, want)),
        "ignore_new_lines fail": Case(w, "compare_docx_files_and_ignore_new_lines", (shouted, want)),
    }


def missing_file(folder: Path) -> Any:
    return path(folder / "nowhere.docx")


def rule_cases(d: Path) -> dict[str, Case]:
    """The metrics of our Writer rule tests, on their documents and profile."""
    font = registry(
        d / "font.xcu", [("/org.openoffice.Office.Writer/DefaultFont", "Standard", "Liberation Serif")]
    )
    refs = ["[1] Knuth, The Art of Computer Programming.", "[2] Turing, On Computable Numbers."]
    gold_refs = plain_document(d / "gold_refs.docx", "Body text.", "References", *refs)
    near_refs = plain_document(d / "near_refs.docx", "References", refs[0], "[2] Turing, On Numbers.")
    initial = plain_document(d / "initial.docx", *TIMETABLE)
    unique = plain_document(d / "unique.docx", TIMETABLE[0], TIMETABLE[1])
    gold = plain_document(d / "gold_trains.docx", TIMETABLE[1], TIMETABLE[2])
    invented = plain_document(d / "invented.docx", "09:00:00, T1, S9, 1", TIMETABLE[1])
    w = "docs"
    return {
        "default font pass": Case(w, "find_default_font", (font, {"font_name": "Liberation Serif"})),
        "default font fail": Case(w, "find_default_font", (font, {"font_name": "Times New Roman"})),
        "references same": Case(
            w, "compare_references", (plain_document(d / "r.docx", "Other.", "References", *refs), gold_refs)
        ),
        "references near": Case(w, "compare_references", (near_refs, gold_refs)),
        "no duplicates pass": Case(w, "check_no_duplicates", (initial, unique)),
        "no duplicates fail": Case(w, "check_no_duplicates", (initial, initial)),
        "train records pass": Case(w, "compare_unique_train_records", (unique, [gold, initial])),
        "train records invented": Case(w, "compare_unique_train_records", (invented, [gold, initial])),
    }


DIFFERENCES: dict[str, Difference] = {}


def test_writer_metrics_score_as_osworlds(tmp_path: Path) -> None:
    assert_same_scores(
        writer_cases(folder(tmp_path, "writer")) | rule_cases(folder(tmp_path, "rules")), DIFFERENCES
    )
