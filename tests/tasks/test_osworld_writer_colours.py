"""Writer's highlighting and colour metrics (`writer_colours`, `colour_difference`) on real .docx
files made with python-docx and .odt files written as Writer lays them out: the same highlighted
words, highlighting removed, table words coloured by their first letter; each on a right and a
wrong document and a missing one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor

from palaestra.tasks.desktop.osworld.colour_difference import ciede2000, rgb_difference
from palaestra.tasks.desktop.osworld.writer_colours import (
    check_highlighted_words,
    compare_highlighted_text,
    evaluate_colored_words_in_tables,
)


def test_ciede2000_gives_the_published_differences() -> None:
    # Pairs 1, 7 and 17 of Sharma, Wu and Dalal's CIEDE2000 test data.
    assert ciede2000((50, 2.6772, -79.7751), (50, 0, -82.7485)) == pytest.approx(2.0425, abs=1e-4)
    assert ciede2000((50, 0, 0), (50, -1, 2)) == pytest.approx(2.3669, abs=1e-4)
    assert ciede2000((50, 2.5, 0), (73, 25, -18)) == pytest.approx(27.1492, abs=1e-4)
    assert rgb_difference((255, 0, 0), (255, 0, 0)) == 0.0
    assert rgb_difference((250, 5, 5), (255, 0, 0)) < 3.5 < rgb_difference((255, 128, 0), (255, 0, 0))


def marked(path: Path, words: list[tuple[str, str]]) -> Path:
    """A one-paragraph document; each word's mark is "" (none), "highlight" or "shading" (how
    LibreOffice saves a highlight)."""
    made = docx.Document()
    paragraph = made.add_paragraph()
    for word, mark in words:
        run = paragraph.add_run(word)
        if mark == "highlight":
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif mark == "shading":
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:fill"), "FFFF00")
            run._element.get_or_add_rPr().append(shading)
    made.save(str(path))
    return path


def test_compare_highlighted_text_reads_highlights_and_shading(tmp_path: Path) -> None:
    gold = marked(tmp_path / "gold.docx", [("Read ", ""), ("this", "highlight"), (" now", "")])
    shaded = marked(tmp_path / "a.docx", [("Read ", ""), ("this", "shading")])
    assert compare_highlighted_text(shaded, gold) == 1.0
    wrong = marked(tmp_path / "b.docx", [("Read ", "highlight"), ("this", "highlight")])
    assert compare_highlighted_text(wrong, gold) == 0.0
    assert compare_highlighted_text(marked(tmp_path / "c.docx", [("Read this", "")]), gold) == 0.0
    assert compare_highlighted_text(tmp_path / "absent.docx", gold) == 0.0


ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content
  xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
  xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
  xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
  xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.3">
<office:automatic-styles>
  <style:style style:name="T1" style:family="text">
    <style:text-properties fo:background-color="{background}"/>
  </style:style>
</office:automatic-styles>
<office:body><office:text>
  <text:p>Keep <text:span text:style-name="T1">these</text:span> words</text:p>
</office:text></office:body>
</office:document-content>"""


def odt(path: Path, background: str, text: str = "these") -> Path:
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", ODT_CONTENT.format(background=background).replace("these", text))
    return path


def test_check_highlighted_words_wants_no_highlight_left(tmp_path: Path) -> None:
    gold = odt(tmp_path / "gold.odt", "transparent")
    assert check_highlighted_words(odt(tmp_path / "a.odt", "transparent"), gold) == 1.0
    assert check_highlighted_words(odt(tmp_path / "b.odt", "#ffff00"), gold) == 0.0
    assert check_highlighted_words(odt(tmp_path / "c.odt", "transparent", "those"), gold) == 0.0
    assert check_highlighted_words(tmp_path / "absent.odt", gold) == 0.0
    plain = marked(tmp_path / "plain.docx", [("Keep these", "")])
    assert check_highlighted_words(plain, marked(tmp_path / "gold.docx", [("Keep these", "")])) == 1.0
    still = marked(tmp_path / "still.docx", [("Keep ", ""), ("these", "shading")])
    assert check_highlighted_words(still, tmp_path / "gold.docx") == 0.0


def coloured_table(path: Path, colours: dict[str, RGBColor | None]) -> Path:
    made = docx.Document()
    table = made.add_table(rows=1, cols=len(colours))
    for cell, (word, colour) in zip(table.rows[0].cells, colours.items(), strict=True):
        run = cell.paragraphs[0].add_run(word)
        if colour is not None:
            run.font.color.rgb = colour
    made.save(str(path))
    return path


def test_table_words_are_red_for_vowels_and_blue_otherwise(tmp_path: Path) -> None:
    red, blue, near_red = RGBColor(255, 0, 0), RGBColor(0, 0, 255), RGBColor(250, 4, 4)
    gold = coloured_table(tmp_path / "gold.docx", {"apple": red, "Pear": blue})
    right = coloured_table(tmp_path / "a.docx", {"apple": near_red, "Pear": blue})
    assert evaluate_colored_words_in_tables(right, gold) == 1.0
    swapped = coloured_table(tmp_path / "b.docx", {"apple": blue, "Pear": red})
    assert evaluate_colored_words_in_tables(swapped, gold) == 0.0
    uncoloured = coloured_table(tmp_path / "c.docx", {"apple": None, "Pear": blue})
    assert evaluate_colored_words_in_tables(uncoloured, gold) == 0.0
    orange = coloured_table(tmp_path / "d.docx", {"apple": RGBColor(255, 128, 0), "Pear": blue})
    assert evaluate_colored_words_in_tables(orange, gold) == 0.0
    assert evaluate_colored_words_in_tables(orange, gold, threshold=100) == 1.0
    assert evaluate_colored_words_in_tables(tmp_path / "absent.docx", gold) == 0.0
