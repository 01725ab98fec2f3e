"""Set-of-marks (SoM) screenshots: numbered boxes over the interactive elements, and their list.

SoM agents (VisualWebArena, BrowserGym's ``use_som``, OSWorld's ``som`` observation) read a
screenshot on which every element they may act on is outlined and labelled with the id the action
set takes (``click('17')``). The marks are drawn here, in Python, over the screenshot already
captured, from the element boxes the observation already has: drawing them on the page instead
would change the page the agent acts on (and what the task's judge and the next screenshot see).

Which elements get a mark is each environment's call (`palaestra.envs.som_select`); this module
only draws and lists them. Labels stay readable: each mark takes the next colour of a palette of
saturated colours (neighbours differ), its label's text is black or white, whichever contrasts
with the label's colour, labels are kept inside the image and moved off the labels placed before.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

#: Saturated colours far apart in hue, so that neighbouring marks differ.
PALETTE = (
    (230, 25, 75),
    (0, 130, 200),
    (60, 180, 75),
    (245, 130, 48),
    (145, 30, 180),
    (0, 128, 128),
    (240, 50, 230),
    (128, 0, 0),
    (0, 0, 128),
    (170, 110, 40),
    (255, 225, 25),
    (70, 240, 240),
)
#: Longest element name shown in the mark list (names are whole paragraphs on some pages).
MAX_NAME_CHARS = 80
#: How many label heights a label is moved down (and up) looking for room before it accepts an overlap.
MAX_SHIFTS = 12


@dataclass(frozen=True)
class Mark:
    """One marked element: its id (what the action set takes), box in image pixels, role and name."""

    id: str
    box: tuple[float, float, float, float]  # x, y, width, height
    role: str
    name: str


def mark_list(marks: Sequence[Mark]) -> str:
    """One ``[id] role 'name'`` line per mark, in the order the marks are drawn."""
    lines = []
    for mark in marks:
        name = " ".join(mark.name.split())[:MAX_NAME_CHARS]
        lines.append(f"[{mark.id}] {mark.role or 'element'}" + (f" {name!r}" if name else ""))
    return "\n".join(lines)


def font_size(height: int) -> int:
    """Label text size: 11 px on MiniWoB++'s small pages, 15 on an 800 x 600 page, 18 at most."""
    return max(11, min(18, height // 40))


@functools.cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    # Pillow's own font at the asked size (its bitmap font where FreeType is missing).
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow 10.0 (pyproject allows it) has only its small bitmap font
        return ImageFont.load_default()


@functools.lru_cache(maxsize=4096)
def _label_text(text: str, size: int) -> np.ndarray:
    """``text`` rendered once as an H x W coverage mask (0-255): ids repeat from step to step."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    mask = Image.new("L", (max(1, int(right - left)), max(1, int(bottom - top))))
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font)
    out = np.asarray(mask)
    out.flags.writeable = False  # shared by every label with this text
    return out


def text_colour(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black on light colours, white on dark ones (perceived luminance, ITU-R BT.601)."""
    red, green, blue = background
    return (0, 0, 0) if 0.299 * red + 0.587 * green + 0.114 * blue > 150 else (255, 255, 255)


Rect = tuple[int, int, int, int]  # left, top, right, bottom (inclusive), in image pixels


def draw_marks(image: np.ndarray, marks: Sequence[Mark]) -> np.ndarray:
    """A copy of ``image`` (H x W x 3 ``uint8``) with each mark's box outlined and its id labelled.

    All outlines are drawn first and the labels over them, so that no outline crosses a label.
    Drawn with numpy slices on the array (a Pillow image would cost two copies of the pixels).
    """
    out = image.copy()
    height, width = image.shape[:2]
    size = font_size(height)
    line = 1 if height < 300 else 2
    for index, mark in enumerate(marks):
        left, top, right, bottom = _clip(mark.box, width, height)
        if right >= left and bottom >= top:
            colour = PALETTE[index % len(PALETTE)]
            out[top : top + line, left : right + 1] = colour
            out[max(top, bottom - line + 1) : bottom + 1, left : right + 1] = colour
            out[top : bottom + 1, left : left + line] = colour
            out[top : bottom + 1, max(left, right - line + 1) : right + 1] = colour
    for index, (mark, label) in enumerate(zip(marks, label_boxes(marks, (width, height)), strict=True)):
        colour = PALETTE[index % len(PALETTE)]
        left, top, right, bottom = label
        out[top : bottom + 1, left : right + 1] = colour
        mask = _label_text(mark.id, size)
        region = out[top + 1 : top + 1 + mask.shape[0], left + 1 : left + 1 + mask.shape[1]]
        cover = mask[: region.shape[0], : region.shape[1], None].astype(np.uint16)
        ink = np.array(text_colour(colour), dtype=np.uint16)
        region[:] = (region * (255 - cover) + ink * cover) // 255
    return out


def label_boxes(marks: Sequence[Mark], image_size: tuple[int, int]) -> list[Rect]:
    """Where each mark's label goes in an image of ``image_size`` (width, height), in mark order:
    inside the image, off the labels placed before it wherever there is room, and off the other
    marks' boxes (but those around its own) where that is possible next to its box."""
    width, height = image_size
    text_size = font_size(height)
    boxes = [_clip(mark.box, width, height) for mark in marks]
    box_grid, label_grid = _Grid(), _Grid()
    for index, box in enumerate(boxes):
        box_grid.add(box, index)
    placed: list[Rect] = []
    for index, mark in enumerate(marks):
        text_height, text_width = _label_text(mark.id, text_size).shape
        size = (text_width + 2, text_height + 2)  # one pixel of padding on every side
        own = boxes[index]

        def covers_another(label: Rect, own: Rect = own, index: int = index) -> bool:
            return any(
                other != index and not _inside(own, boxes[other]) for other in box_grid.hits(label, boxes)
            )

        label = _place(own, size, (width, height), label_grid, placed, covers_another)
        label_grid.add(label, len(placed))
        placed.append(label)
    return placed


class _Grid:
    """Rectangles bucketed by bands of rows, so that finding the ones a label touches stays cheap
    on pages with hundreds of marks."""

    BAND = 32

    def __init__(self) -> None:
        self.bands: dict[int, list[int]] = {}

    def add(self, rect: Rect, key: int) -> None:
        for band in range(rect[1] // self.BAND, rect[3] // self.BAND + 1):
            self.bands.setdefault(band, []).append(key)

    def hits(self, rect: Rect, rects: Sequence[Rect]) -> set[int]:
        found: set[int] = set()
        for band in range(rect[1] // self.BAND, rect[3] // self.BAND + 1):
            found.update(key for key in self.bands.get(band, ()) if overlap(rect, rects[key]))
        return found


def _clip(box: tuple[float, float, float, float], width: int, height: int) -> Rect:
    x, y, w, h = box
    left, top = max(0, round(x)), max(0, round(y))
    right, bottom = min(width - 1, round(x + w) - 1), min(height - 1, round(y + h) - 1)
    return left, top, right, bottom


def _place(
    box: Rect,
    size: tuple[int, int],
    image_size: tuple[int, int],
    labels: _Grid,
    placed: Sequence[Rect],
    covers_another: Callable[[Rect], bool],
) -> Rect:
    """Where a label of ``size`` goes: next to the box's top-left corner (above it, inside it, left of
    it, below it, right of the box), covering no earlier label and preferably no other mark's box;
    else moved down (then up) a label's height at a time off earlier labels. Always in the image."""
    left, top, right, bottom = box
    (w, h), (width, height) = size, image_size

    def at(x: int, y: int) -> Rect:
        x, y = min(max(x, 0), max(width - w, 0)), min(max(y, 0), max(height - h, 0))
        return x, y, x + w - 1, y + h - 1

    near = [at(left, top - h), at(left, top), at(left - w, top), at(left, bottom + 1), at(right + 1, top)]
    for rect in near:
        if not covers_another(rect) and not labels.hits(rect, placed):
            return rect
    farther = (
        at(left, y) for shift in range(1, MAX_SHIFTS + 1) for y in (top + shift * h, top - (shift + 1) * h)
    )
    for rect in itertools.chain(near, farther):
        if not labels.hits(rect, placed):
            return rect
    return near[0]  # nowhere free: the first choice, over another label


def overlap(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share a pixel."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def som_views(image: np.ndarray, marks: Sequence[Mark], scale: float = 1.0) -> tuple[np.ndarray, str]:
    """The observation's ``som_screenshot`` and ``som_marks``: ``marks`` over ``image``, their boxes
    multiplied by ``scale`` (image pixels per box unit: a page's device pixel ratio)."""
    if scale != 1.0:
        marks = [Mark(m.id, _scaled(m.box, scale), m.role, m.name) for m in marks]
    return draw_marks(image, marks), mark_list(marks)


def _scaled(box: tuple[float, float, float, float], scale: float) -> tuple[float, float, float, float]:
    x, y, w, h = box
    return x * scale, y * scale, w * scale, h * scale


def _inside(inner: Rect, outer: Rect) -> bool:
    return outer[0] <= inner[0] and outer[1] <= inner[1] and inner[2] <= outer[2] and inner[3] <= outer[3]
