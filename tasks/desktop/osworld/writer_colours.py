"""OSWorld's Writer metrics on highlighting and coloured text, written afresh with its names,
arguments and semantics: the same highlighted words (.docx), no highlighted words left (.odt, as
OSWorld's task saves it, or .docx), and the words of tables coloured by their first letter. A missing
or unreadable document scores 0, as in `writer_metrics`.

Highlighting is read as Writer saves it: in .docx either as a highlight (``w:highlight``) or, as
LibreOffice writes it by default, as the run's shading (``w:shd``); OSWorld reads the first only,
which is why its own comment calls its check unusable on files saved by LibreOffice.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.colour_difference import rgb_difference
from palaestra.tasks.desktop.osworld.writer_metrics import compare_docx_files, read_docx

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_ODF_FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
_RED, _BLUE = (255, 0, 0), (0, 0, 255)


def _is_highlighted(run: Any) -> bool:
    """A .docx run marked with a highlight colour, or shaded (LibreOffice's way of saving one)."""
    properties = run._element.find(f"{{{_W}}}rPr")
    if properties is None:
        return False
    highlight = properties.find(f"{{{_W}}}highlight")
    if highlight is not None and highlight.get(f"{{{_W}}}val", "none") != "none":
        return True
    shading = properties.find(f"{{{_W}}}shd")
    return shading is not None and shading.get(f"{{{_W}}}fill", "auto").lower() not in ("auto", "")


def _docx_runs(document: Any) -> Iterator[Any]:
    """Every run of the body's paragraphs and its tables' cells."""
    for paragraph in document.paragraphs:
        yield from paragraph.runs
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    yield from paragraph.runs


def _highlighted_docx(path: Any) -> set[str] | None:
    document = read_docx(path)
    if document is None:
        return None
    return {run.text for run in _docx_runs(document) if run.text and _is_highlighted(run)}


def compare_highlighted_text(file1: Any, file2: Any) -> float:
    """The same texts are highlighted in both documents (compared as sets of the runs' texts)."""
    first, second = _highlighted_docx(file1), _highlighted_docx(file2)
    if first is None or second is None:
        return 0.0
    return float(first == second)


def _highlighted_odt(path: Any) -> bool | None:
    """Whether an .odt document's text has a span whose automatic style gives it a background
    colour (Writer's highlighting), or None when unreadable."""
    try:
        with zipfile.ZipFile(str(path)) as package:
            root = ET.fromstring(package.read("content.xml"))
    except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError):
        return None
    coloured = set()
    for style in root.iter(f"{{{_ODF_STYLE}}}style"):
        for properties in style.iter(f"{{{_ODF_STYLE}}}text-properties"):
            background = properties.get(f"{{{_ODF_FO}}}background-color", "transparent")
            if background.lower() != "transparent":
                coloured.add(style.get(f"{{{_ODF_STYLE}}}name"))
    body = root.find(f"{{{_ODF_OFFICE}}}body")
    spans = body.iter(f"{{{_ODF_TEXT}}}span") if body is not None else iter(())
    return any(span.get(f"{{{_ODF_TEXT}}}style-name") in coloured for span in spans)


def check_highlighted_words(file1: Any, file2: Any) -> float:
    """The text is the expected document's and no word is highlighted any more (OSWorld's check that
    the highlighting was removed; any highlight colour counts, where OSWorld looks for yellow,
    Writer's default, only)."""
    if not compare_docx_files(file1, file2):
        return 0.0
    if Path(str(file1)).suffix.lower() == ".odt":
        highlighted = _highlighted_odt(file1)
        return 0.0 if highlighted is None else float(not highlighted)
    texts = _highlighted_docx(file1)
    return 0.0 if texts is None else float(not texts)


def evaluate_colored_words_in_tables(file1: Any, file2: Any, threshold: float = 3.5) -> float:
    """The text is the expected document's, and in its tables every word starting with a vowel is
    red and every other word blue, within ``threshold`` (CIEDE2000 ΔE, OSWorld's default 3.5).
    A run of blanks only is no word, and a run left in the automatic colour is black."""
    if not compare_docx_files(file1, file2):
        return 0.0
    document = read_docx(file1)
    if document is None:
        return 0.0
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                for paragraph in cell.paragraphs:
                    for run in paragraph.runs:
                        word = run.text.strip()
                        if not word:
                            continue
                        colour = run.font.color.rgb if run.font.color.type is not None else None
                        got = (0, 0, 0) if colour is None else (colour[0], colour[1], colour[2])
                        wanted = _RED if word[0].lower() in "aeiou" else _BLUE
                        if rgb_difference(got, wanted) > float(threshold):
                            return 0.0
    return 1.0
