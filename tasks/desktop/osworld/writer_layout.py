"""OSWorld's Writer metrics on a document's layout and objects, written afresh with its names,
arguments and semantics over the .docx files Writer saves (python-docx): tab stops, pictures where
the expected document has them, an inserted equation, and the same pictures. A missing or unreadable
document scores 0, as in `writer_metrics`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from palaestra.tasks.desktop.osworld.writer_metrics import compare_docx_files, read_docx_pair

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MATH = "http://schemas.openxmlformats.org/officeDocument/2006/math"
_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: What an equation is saved as: an OLE object (OSWorld's check), or Office math, which LibreOffice
#: writes for a Math formula unless told to save formulas as MathType objects.
_EQUATION_TAGS = (f"{{{_W}}}object", f"{{{_MATH}}}oMath")


def check_tabstops(
    file1: Any, file2: Any, word_number_split_by_tabstop: int | None = None, index: int = 0
) -> float:
    """The non-empty paragraphs' own tab stops match the expected document's: the same count and
    kinds (a cleared stop and a left stop at 0 do not count), scored 1 minus the mean distance
    between their places as a share of the text's width. With ``word_number_split_by_tabstop``,
    the ``index``-th tab-separated part of every paragraph must hold that many words (0 if not)."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    first, second = ([p for p in d.paragraphs if p.text.strip()] for d in documents)
    if len(first) != len(second) or not first:
        return 0.0
    if word_number_split_by_tabstop is not None:
        for paragraph in first:
            parts = paragraph.text.split("\t")
            if index >= len(parts) or len(parts[index].split()) != int(word_number_split_by_tabstop):
                return 0.0
    section = documents[1].sections[0]
    width = section.page_width - section.left_margin - section.right_margin

    def counted(paragraph: Any) -> list[Any]:
        return [
            t
            for t in paragraph.paragraph_format.tab_stops
            if t.alignment != WD_TAB_ALIGNMENT.CLEAR
            and not (t.alignment == WD_TAB_ALIGNMENT.LEFT and t.position == 0)
        ]

    shortfall = 0.0
    for a, b in zip(first, second, strict=True):
        stops1, stops2 = counted(a), counted(b)
        if len(stops1) != len(stops2):
            return 0.0
        if any(s.alignment != t.alignment for s, t in zip(stops1, stops2, strict=True)):
            return 0.0
        shortfall += sum(abs(s.position - t.position) for s, t in zip(stops1, stops2, strict=True)) / width
    return max(0.0, 1.0 - shortfall / len(first))


def _has_picture(run: Any) -> bool:
    return any(e.tag == f"{{{_DRAWING}}}graphicData" for e in run._element.iter())


def compare_contains_image(file1: Any, file2: Any) -> float:
    """Wherever the expected document's run holds a picture, the result's run at the same paragraph
    and place holds one too, and nowhere else (runs both documents have are compared)."""
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    pairs = zip(documents[0].paragraphs, documents[1].paragraphs, strict=False)
    same = all(
        _has_picture(a) == _has_picture(b) for p, q in pairs for a, b in zip(p.runs, q.runs, strict=False)
    )
    return float(same)


def _has_equation(paragraph: Any) -> bool:
    return any(e.tag in _EQUATION_TAGS for e in paragraph._p.iter())


def compare_insert_equation(file1: Any, file2: Any) -> float:
    """The text is the expected document's, and some paragraph holds an equation in both.

    OSWorld looks for an OLE object inside a run; LibreOffice saves a Math formula as Office math
    (``m:oMath``), beside the runs, so either counts here, per paragraph."""
    if not compare_docx_files(file1, file2):
        return 0.0
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    pairs = zip(documents[0].paragraphs, documents[1].paragraphs, strict=False)
    return float(any(_has_equation(p) and _has_equation(q) for p, q in pairs))


def _pictures(document: Any) -> Iterator[bytes]:
    """The body's pictures in the order they appear, each as its decoded pixels (so a picture
    saved again in another format still counts as the same)."""
    from PIL import Image

    part = document.part
    for blip in document.element.body.iter(f"{{{_DRAWING}}}blip"):
        target = part.related_parts.get(blip.get(f"{{{_RELS}}}embed", ""))
        if target is None:
            continue
        with Image.open(io.BytesIO(target.blob)) as picture:
            converted = picture.convert("RGBA")
            yield f"{converted.size}".encode() + converted.tobytes()


def compare_docx_images(file1: Any, file2: Any) -> float:
    """The documents hold the same pictures, pixel for pixel, in the same order."""
    documents = read_docx_pair(file1, file2)
    if documents is None:
        return 0.0
    return float(list(_pictures(documents[0])) == list(_pictures(documents[1])))
