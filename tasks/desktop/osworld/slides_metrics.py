"""OSWorld's deck comparison, written afresh with the same name, arguments and defaults, over the
.pptx files LibreOffice Impress saves (read with python-pptx).

``compare_pptx_files(result, expected, ...)`` walks both decks slide by slide and shape by shape,
and fails at the first difference any of its ``examine_*`` options looks at (all on by default, as
OSWorld's): the number of slides, each slide's background colour and notes, each shape's position
and size (equal within ``approximately_tolerance``, a fraction of the larger value), its text, each
paragraph's alignment (none meaning left) and level, each run's font name, size, bold, italic,
colour, underline and strike-through, and each slide's bulleted lines (`_bullets`: their text and
level too, as OSWorld's). The number of shapes on a slide is always compared. The options that
judge where shapes moved or how they were resized (off by default; OSWorld wrote each for one deck)
are in `slides_places`.
A missing or unreadable file scores 0. The metrics that check one thing are in `slides_checks`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.osworld.slides_places import PLACE_OPTIONS, placed_as_asked

#: compare_pptx_files's options: each ``examine_*`` is on unless the task turns it off.
EXAMINE = (
    "examine_number_of_slides",
    "examine_shape",
    "examine_text",
    "examine_indent",
    "examine_font_name",
    "examine_font_size",
    "examine_font_bold",
    "examine_font_italic",
    "examine_color_rgb",
    "examine_font_underline",
    "examine_strike_through",
    "examine_alignment",
    "examine_bullets",
    "examine_background_color",
    "examine_note",
)
#: With ``approximately_tolerance``, and ``enable_debug`` (OSWorld's logging; accepted, no effect).
PPTX_OPTIONS = (*EXAMINE, *PLACE_OPTIONS, "approximately_tolerance", "enable_debug")
#: OSWorld's options known not to be here, and why (none now: its position options are all in
#: `slides_places`, judged for what their names say rather than for one deck's numbers).
REFUSED_OPTIONS: dict[str, str] = {}


class Mismatch(Exception):
    """Where two decks first differ (the reason a comparison scores 0)."""


def presentation(path: Any) -> Any:
    """The deck at ``path``, or None when there is no such file or it is no pptx."""
    from pptx import Presentation
    from pptx.exc import PackageNotFoundError

    if not path or not Path(str(path)).is_file():
        return None
    try:
        return Presentation(str(path))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, PackageNotFoundError, ET.ParseError):
        return None


def compare_pptx_files(file1: Any, file2: Any, **options: Any) -> float:
    """1 when the decks agree in everything the options examine, else 0."""
    first, second = presentation(file1), presentation(file2)
    if first is None or second is None:
        return 0.0
    examine = {name: bool(options.get(name, True)) for name in EXAMINE}
    tolerance = float(options.get("approximately_tolerance", 0.005))
    try:
        _compare_decks(first, second, examine, tolerance)
    except Mismatch:
        return 0.0
    moves = [name for name in PLACE_OPTIONS if options.get(name)]
    return float(all(placed_as_asked(first, second, name, tolerance) for name in moves))


def _compare_decks(first: Any, second: Any, examine: dict[str, bool], tolerance: float) -> None:
    if examine["examine_number_of_slides"] and len(first.slides) != len(second.slides):
        raise Mismatch("number of slides")
    for a, b in zip(first.slides, second.slides, strict=False):
        if examine["examine_background_color"] and background(a) != background(b):
            raise Mismatch("background colour")
        if examine["examine_note"] and _notes(a) != _notes(b):
            raise Mismatch("notes")
        if examine["examine_bullets"] and _bullets(a) != _bullets(b):
            raise Mismatch("bullets")
        _compare_shapes(list(a.shapes), list(b.shapes), examine, tolerance)


def _compare_shapes(first: list[Any], second: list[Any], examine: dict[str, bool], tolerance: float) -> None:
    if len(first) != len(second):
        raise Mismatch("number of shapes")
    for a, b in zip(first, second, strict=True):
        if examine["examine_shape"] and not all(
            _close(getattr(a, side), getattr(b, side), tolerance)
            for side in ("left", "top", "width", "height")
        ):
            raise Mismatch("position or size")
        if getattr(a, "has_table", False) and getattr(b, "has_table", False):
            _compare_tables(a.table, b.table, examine)
        if hasattr(a, "shapes") and hasattr(b, "shapes"):  # groups: their shapes, in turn
            _compare_shapes(list(a.shapes), list(b.shapes), examine, tolerance)
        if getattr(a, "has_text_frame", False) and getattr(b, "has_text_frame", False):
            if examine["examine_text"] and a.text_frame.text.strip() != b.text_frame.text.strip():
                raise Mismatch("text")
            _compare_paragraphs(a.text_frame.paragraphs, b.text_frame.paragraphs, examine)


def _compare_tables(first: Any, second: Any, examine: dict[str, bool]) -> None:
    if (len(first.rows), len(first.columns)) != (len(second.rows), len(second.columns)):
        raise Mismatch("table shape")
    for row in range(len(first.rows)):
        for column in range(len(first.columns)):
            a, b = first.cell(row, column).text_frame, second.cell(row, column).text_frame
            if examine["examine_text"] and a.text.strip() != b.text.strip():
                raise Mismatch("table cell text")
            _compare_paragraphs(a.paragraphs, b.paragraphs, examine)


def _compare_paragraphs(first: Any, second: Any, examine: dict[str, bool]) -> None:
    from pptx.enum.text import PP_ALIGN

    for a, b in zip(first, second, strict=False):
        if examine["examine_alignment"] and (a.alignment or PP_ALIGN.LEFT) != (b.alignment or PP_ALIGN.LEFT):
            raise Mismatch("alignment")
        if examine["examine_text"] and a.text != b.text:
            raise Mismatch("paragraph text")
        if examine["examine_indent"] and a.level != b.level:
            raise Mismatch("indent level")
        for run_a, run_b in zip(a.runs, b.runs, strict=False):
            _compare_fonts(run_a.font, run_b.font, examine)


def _compare_fonts(a: Any, b: Any, examine: dict[str, bool]) -> None:
    checks = {
        "examine_font_name": a.name == b.name,
        "examine_font_size": a.size == b.size,
        "examine_font_bold": bool(a.bold) == bool(b.bold),  # unset is not bold
        "examine_font_italic": bool(a.italic) == bool(b.italic),
        "examine_color_rgb": None in (_rgb(a), _rgb(b)) or _rgb(a) == _rgb(b),  # both set, then equal
        "examine_font_underline": _underline(a.underline) == _underline(b.underline),
        "examine_strike_through": strike(a) == strike(b),
    }
    for option, same in checks.items():
        if examine[option] and not same:
            raise Mismatch(option.removeprefix("examine_"))


def _close(a: int | None, b: int | None, tolerance: float) -> bool:
    """Equal, or within ``tolerance`` of the larger (a deck saved again moves shapes by an EMU or two)."""
    if a == b:
        return True
    if not a or not b:
        return False
    return abs(a - b) / max(abs(a), abs(b)) <= tolerance


def _rgb(font: Any) -> Any:
    """A run's colour as RGB, or None when it has none of its own or a theme colour."""
    try:
        return font.color.rgb
    except AttributeError:
        return None


def _underline(value: Any) -> Any:
    """Underline as compared: unset and off are the same (no line)."""
    return value or None


def strike(font: Any) -> str:
    """The run's strike-through (``sngStrike``, ``dblStrike``), unset and ``noStrike`` the same."""
    rpr = font._rPr  # python-pptx has no public strike-through property
    value = "" if rpr is None else str(rpr.get("strike") or "")
    return "" if value == "noStrike" else value


def _bullets(slide: Any) -> list[tuple[str, str, str]]:
    """The slide's bulleted lines as OSWorld's ``examine_bullets`` lists them: for every paragraph
    with text, in every shape, its level, its bullet character ("" when it has none) and its text.
    The text and level are part of it, so that option alone fails a deck whose text or indents
    differ (as OSWorld's does, with ``examine_text`` or ``examine_indent`` off). A paragraph without
    properties is at level 0 here, where OSWorld tells it from one whose properties say level 0."""
    from pptx.oxml.ns import qn

    lines = []
    for paragraph in slide.element.iter(qn("a:p")):
        text = "".join(t.text or "" for t in paragraph.iter(qn("a:t")))
        if not text.strip():
            continue
        ppr = paragraph.find(qn("a:pPr"))
        level = "0" if ppr is None else str(ppr.get("lvl") or "0")
        char = None if ppr is None else ppr.find(qn("a:buChar"))
        lines.append((level, "" if char is None else str(char.get("char")), text))
    return lines


def background(slide: Any) -> Any:
    """A slide's solid background colour, its master's when the slide follows the master."""
    from pptx.enum.dml import MSO_FILL

    for owner in (slide, slide.slide_layout.slide_master):
        fill = owner.background.fill
        if fill.type == MSO_FILL.SOLID:
            try:
                return fill.fore_color.rgb
            except AttributeError:
                return None
        if fill.type not in (None, MSO_FILL.BACKGROUND):
            return None
    return None


def _notes(slide: Any) -> str:
    """A slide's notes, stripped; a slide without a notes page has none (reading one would add it)."""
    if not slide.has_notes_slide or slide.notes_slide.notes_text_frame is None:
        return ""
    return str(slide.notes_slide.notes_text_frame.text).strip()
