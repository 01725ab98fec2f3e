"""Our OSWorld metrics of documents LibreOffice saves score as OSWorld's own do (desktop-env 1.0.2's
docs.py): highlights left in an .odt that the real headless LibreOffice wrote from a .docx, and an
equation inserted in a .docx (as Word's OLE object and as the Office math LibreOffice writes); a
passing and a failing variant of each (see `osworld_against`)."""

from __future__ import annotations

from pathlib import Path

import docx
from docx.enum.text import WD_COLOR_INDEX
from docx.oxml import OxmlElement
from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.util import Inches

from .osworld_against import Case, Difference, assert_same_scores, folder, path
from .test_osworld_calc_convert import soffice
from .test_osworld_writer_layout import with_equation

D, S = "docs", "slides"
DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
HIGHLIGHTS = {"plain": None, "yellow": WD_COLOR_INDEX.YELLOW, "green": WD_COLOR_INDEX.BRIGHT_GREEN}


def highlighted_odts(d: Path) -> dict[str, Path]:
    """``name.odt`` for each of HIGHLIGHTS (the word "these" highlighted in that colour, or not),
    and ``other.odt`` with other words: .docx files made with python-docx, saved as .odt by
    LibreOffice, which writes a highlight as a span whose automatic style has a background."""
    words = {**{name: "these" for name in HIGHLIGHTS}, "other": "those"}
    for name, word in words.items():
        made = docx.Document()
        paragraph = made.add_paragraph("Keep ")
        paragraph.add_run(word).font.highlight_color = HIGHLIGHTS.get(name)
        paragraph.add_run(" words.")
        made.save(str(d / f"{name}.docx"))
    soffice(d, "--convert-to", "odt", "--outdir", str(d), *(str(d / f"{n}.docx") for n in words))
    return {name: d / f"{name}.odt" for name in words}


def with_ole_equation(path_: Path, text: str = "Energy: ") -> Path:
    """A paragraph whose run holds an embedded object (``w:object``), as Word saves an equation
    made with its Equation Editor (OSWorld's check looks for that)."""
    made = docx.Document()
    run = made.add_paragraph(text).add_run()
    run._r.append(OxmlElement("w:object"))
    made.save(str(path_))
    return path_


def writer_cases(d: Path) -> dict[str, Case]:
    odts = {k: path(v) for k, v in highlighted_odts(d).items()}
    gold = path(with_ole_equation(d / "gold.docx"))
    ole = path(with_ole_equation(d / "ole.docx"))
    math = path(with_equation(d / "math.docx", True))
    none = path(with_equation(d / "none.docx", False))
    other = path(with_ole_equation(d / "other.docx", "Power: "))
    return {
        "highlights removed": Case(D, "check_highlighted_words", (odts["plain"], odts["plain"])),
        "highlight yellow left": Case(D, "check_highlighted_words", (odts["yellow"], odts["plain"])),
        "highlight green left": Case(D, "check_highlighted_words", (odts["green"], odts["plain"])),
        "highlights other text": Case(D, "check_highlighted_words", (odts["other"], odts["plain"])),
        "equation object": Case(D, "compare_insert_equation", (ole, gold)),
        "equation office math": Case(D, "compare_insert_equation", (math, gold)),
        "equation none": Case(D, "compare_insert_equation", (none, gold)),
        "equation other text": Case(D, "compare_insert_equation", (other, gold)),
    }


def numbered_decks(d: Path, colours: dict[str, str]) -> dict[str, Path]:
    """For each name: colour (hex), ``name.pptx``: python-pptx's deck whose slide-number
    placeholders (master and layouts) are given that colour, the master's showing "<number>" as
    LibreOffice writes it, and two slides that show their number in a text box; and
    ``lo/name.pptx``, that deck saved again by LibreOffice, which rewrites the master its way."""
    for name, colour in colours.items():
        deck = Presentation()
        for owner in (deck.slide_master, *deck.slide_layouts):
            for shape in owner.placeholders:
                if shape.placeholder_format.type != PP_PLACEHOLDER.SLIDE_NUMBER:
                    continue
                for fill in shape._element.iter(f"{{{DRAWING}}}solidFill"):
                    fill.clear()
                    etree.SubElement(fill, f"{{{DRAWING}}}srgbClr", val=colour)
                if owner is deck.slide_master:
                    shape.text_frame.paragraphs[0].font.color.rgb = RGBColor.from_string(colour)
                    for text in shape._element.iter(f"{{{DRAWING}}}t"):
                        text.text = "<number>"
        for number in (1, 2):
            slide = deck.slides.add_slide(deck.slide_layouts[1])
            slide.shapes.title.text = f"Part {number}"
            slide.shapes.add_textbox(Inches(9), Inches(7), Inches(0.8), Inches(0.4)).text = str(number)
        deck.save(str(d / f"{name}.pptx"))
    saved = folder(d, "lo")
    soffice(d, "--convert-to", "pptx", "--outdir", str(saved), *(str(d / f"{n}.pptx") for n in colours))
    return {
        **{name: d / f"{name}.pptx" for name in colours},
        **{f"lo/{name}": saved / f"{name}.pptx" for name in colours},
    }


def impress_cases(d: Path) -> dict[str, Case]:
    decks = {k: path(v) for k, v in numbered_decks(d, {"red": "FF0000", "blue": "0000FF"}).items()}
    cases = {}
    for made in ("", "lo/"):
        by = "LibreOffice" if made else "python-pptx"
        red, blue = decks[f"{made}red"], decks[f"{made}blue"]
        cases |= {
            f"page numbers red ({by})": Case(S, "check_page_number_colors", (red, {"color": "red"})),
            f"page numbers not red ({by})": Case(S, "check_page_number_colors", (blue, {"color": "red"})),
            f"page numbers blue ({by})": Case(S, "check_page_number_colors", (blue, {"color": "blue"})),
            f"page numbers not green ({by})": Case(S, "check_page_number_colors", (red, {"color": "green"})),
            f"slide numbers red ({by})": Case(S, "check_slide_numbers_color", (red,)),
            f"slide numbers blue ({by})": Case(S, "check_slide_numbers_color", (blue,)),
        }
    return cases


LIBREOFFICE_NUMBERS = (
    "OSWorld's check reads the colour of the first paragraph of the master's '<number>' "
    "placeholder (python-pptx's paragraph font), which LibreOffice leaves unset (it colours the "
    "field itself), and asks that unset colour for its RGB: it raises on every deck LibreOffice saves"
)
BLUE_MISREAD = (
    "OSWorld reads the master's colour as if it began with '#' (r = val[1:3]), but srgbClr's val has "
    "none: 0000ff reads as r=0, g=15, b=15, not blue (red, green and black read right by luck)"
)
DIFFERENCES = {
    "highlight green left": Difference(
        0.0,
        1.0,
        "OSWorld looks for a yellow background (#ffff00, Writer's default highlight) only; a word left "
        "highlighted in another colour fails here too",
    ),
    "equation office math": Difference(
        1.0,
        0.0,
        "OSWorld looks for an OLE object in a run (Word's Equation Editor); LibreOffice saves a Math "
        "formula to .docx as Office math (m:oMath) beside the runs, which counts here too",
    ),
    "page numbers blue (python-pptx)": Difference(1.0, 0.0, BLUE_MISREAD),
    "page numbers blue (LibreOffice)": Difference(1.0, 0.0, BLUE_MISREAD),
    "slide numbers red (LibreOffice)": Difference(1.0, "AttributeError", LIBREOFFICE_NUMBERS),
    "slide numbers blue (LibreOffice)": Difference(0.0, "AttributeError", LIBREOFFICE_NUMBERS),
}


def test_writer_and_impress_metrics_score_as_osworlds(tmp_path: Path) -> None:
    cases = {**writer_cases(folder(tmp_path, "writer")), **impress_cases(folder(tmp_path, "impress"))}
    assert_same_scores(cases, DIFFERENCES)
