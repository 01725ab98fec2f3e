"""OSWorld's presentation checks of a picture's fit and the slide numbers' colour, written afresh
with its names and arguments for what the names say: the first slide's picture stretched over the
whole slide and centred, and the slide numbers in a colour. A missing or unreadable file scores 0.

OSWorld reads the number's colour by position (the second-to-last colour anywhere in the master) or
from the master's paragraph defaults only; here it is read from the slide-number fields themselves
(the master's, its layouts' and the slides' own), as LibreOffice saves a colour given to them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.slides_metrics import presentation

_DRAWING = "http://schemas.openxmlformats.org/drawingml/2006/main"
_PRESENTATION = "http://schemas.openxmlformats.org/presentationml/2006/main"
#: Half an inch in EMU: how far OSWorld lets a stretched picture fall short of the slide's edges.
HALF_INCH = 457200
#: Colour names and when an RGB colour is one (OSWorld's: a channel leads the others by over 50;
#: black is every channel under 50).
COLOURS: dict[str, Callable[[int, int, int], bool]] = {
    "red": lambda r, g, b: r > g + 50 and r > b + 50,
    "green": lambda r, g, b: g > r + 50 and g > b + 50,
    "blue": lambda r, g, b: b > r + 50 and b > g + 50,
    "black": lambda r, g, b: max(r, g, b) < 50,
}


def _pictures(slide: Any) -> list[Any]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    return [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]


def check_image_stretch_and_center(modified: Any, original: Any) -> float:
    """The first picture of the original's first slide is, in the modified deck's first slide (found
    by its image), as large as the slide and centred on it, within half an inch each way."""
    after, before = presentation(modified), presentation(original)
    if after is None or before is None or not after.slides or not before.slides:
        return 0.0
    originals = _pictures(before.slides[0])
    if not originals:
        return 0.0
    blob = originals[0].image.blob
    matches = [p for p in _pictures(after.slides[0]) if p.image.blob == blob]
    if not matches:
        return 0.0
    width, height = int(before.slide_width), int(before.slide_height)
    picture = matches[-1]
    w, h = int(picture.width or 0), int(picture.height or 0)
    gaps = (
        w - width,
        h - height,
        int(picture.left or 0) - (width - w) / 2,
        int(picture.top or 0) - (height - h) / 2,
    )
    return float(all(abs(gap) <= HALF_INCH for gap in gaps))


def _number_colours(owner: Any) -> list[tuple[int, int, int]]:
    """The RGB colours given to the text of ``owner``'s (a slide's, layout's or master's)
    slide-number placeholders. The end-of-paragraph properties (``a:endParaRPr``, where LibreOffice
    writes black) colour no text, so they are not counted."""
    from pptx.enum.shapes import PP_PLACEHOLDER

    colours = []
    for shape in owner.placeholders:
        if shape.placeholder_format.type != PP_PLACEHOLDER.SLIDE_NUMBER:
            continue
        for body in shape._element.iter(f"{{{_PRESENTATION}}}txBody"):
            for fill in body.iter(f"{{{_DRAWING}}}solidFill"):
                if fill.getparent().tag == f"{{{_DRAWING}}}endParaRPr":
                    continue
                for colour in fill.iter(f"{{{_DRAWING}}}srgbClr"):
                    value = str(colour.get("val", ""))
                    if len(value) == 6:
                        colours.append((int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)))
    return colours


def _has_number(owner: Any) -> bool:
    from pptx.enum.shapes import PP_PLACEHOLDER

    return any(s.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER for s in owner.placeholders)


def slide_number_colours(pptx_file: Any) -> list[tuple[int, int, int]] | None:
    """The colours the slide numbers show in: on each slide with a number, its own number's colour,
    else its layout's, else its master's (the master's alone when no slide has a number of its own);
    None when the deck is unreadable."""
    deck = presentation(pptx_file)
    if deck is None:
        return None
    numbered = [slide for slide in deck.slides if _has_number(slide)]
    if not numbered:
        return [rgb for master in deck.slide_masters for rgb in _number_colours(master)]
    colours = []
    for slide in numbered:
        layout = slide.slide_layout
        for owner in (slide, layout, layout.slide_master):
            found = _number_colours(owner)
            if found:
                colours.extend(found)
                break
    return colours


def _numbers_are(pptx_file: Any, colour: str) -> float:
    colours = slide_number_colours(pptx_file)
    if not colours:
        return 0.0
    return float(all(COLOURS[colour](*rgb) for rgb in colours))


def check_page_number_colors(pptx_file: Any, rules: dict[str, Any]) -> float:
    """The slide numbers are coloured ``rules["color"]`` (red, green, blue or black)."""
    return _numbers_are(pptx_file, str(rules["color"]))


def check_slide_numbers_color(pptx_file: Any) -> float:
    """The slide numbers are red."""
    return _numbers_are(pptx_file, "red")


def check_colour_rules(rules: Any, source: str, where: str) -> None:
    """``check_page_number_colors`` needs ``{"color": one of COLOURS}``."""
    colour = rules.get("color") if isinstance(rules, dict) else None
    if colour not in COLOURS:
        wanted = f'{{"color": one of {list(COLOURS)}}}'
        message = f"`check_page_number_colors` needs rules {wanted}, got {rules!r}"
        raise OSWorldTaskError(source, where, message)
