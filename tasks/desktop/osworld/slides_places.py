"""``compare_pptx_files``'s options that judge where shapes were moved or how they were resized,
written afresh for what their names say. OSWorld's own versions test one deck each (a title's text,
a slide number, positions in EMU fixed for that deck); these ask the same of any deck, against the
reference deck (file2: the deck before the agent's edit, or the edited gold deck, as the task has it).

- ``examine_title_bottom_position`` / ``examine_table_bottom_position``: the titles (title
  placeholders) / tables that moved now sit lower, their top in the slide's lower half;
- ``examine_right_position`` / ``examine_top_position``: the pictures that moved now sit further
  right / higher, their middle in the slide's right / upper half;
  for these four, at least one shape moved;
- ``examine_shape_for_shift_size``: shapes with text may move or change size (a text box grows
  when its font does);
- ``examine_image_size``: pictures keep their size and may move;
- ``examine_modify_height``: shapes without text (pictures, tables...) and freeforms keep their
  height; their place and width may change.

In all of them every other shape keeps its place and size (within ``approximately_tolerance``); the
rest of the comparison (text, fonts...) is `slides_metrics`'s, as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SIDES = ("left", "top", "width", "height")


@dataclass(frozen=True)
class Move:
    """A shape that is not where the reference has it: the two shapes, the slide and the tolerance."""

    shape: Any
    was: Any
    slide_width: int
    slide_height: int
    tolerance: float

    def get(self, side: str) -> int:
        return int(getattr(self.shape, side) or 0)

    def before(self, side: str) -> int:
        return int(getattr(self.was, side) or 0)

    def kept(self, *sides: str) -> bool:
        from palaestra.tasks.desktop.osworld.slides_metrics import _close

        return all(_close(getattr(self.shape, s), getattr(self.was, s), self.tolerance) for s in sides)


def _has_text(move: Move) -> bool:
    return bool(getattr(move.shape, "has_text_frame", False) or getattr(move.was, "has_text_frame", False))


def _is_picture(shape: Any) -> bool:
    from pptx.shapes.picture import Picture

    return isinstance(shape, Picture)


def _is_title(shape: Any) -> bool:
    from pptx.enum.shapes import PP_PLACEHOLDER

    if not shape.is_placeholder:
        return False
    return shape.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE)


def _lower(move: Move) -> bool:
    return move.get("top") > move.before("top") and move.get("top") >= move.slide_height / 2


def _title_at_bottom(move: Move) -> bool:
    return _is_title(move.shape) and _is_title(move.was) and _lower(move)


def _table_at_bottom(move: Move) -> bool:
    tables = getattr(move.shape, "has_table", False) and getattr(move.was, "has_table", False)
    return bool(tables) and _lower(move)


def _picture_right(move: Move) -> bool:
    middle = move.get("left") + move.get("width") / 2
    return (
        _is_picture(move.shape) and move.get("left") > move.before("left") and middle > move.slide_width / 2
    )


def _picture_up(move: Move) -> bool:
    middle = move.get("top") + move.get("height") / 2
    return _is_picture(move.shape) and move.get("top") < move.before("top") and middle < move.slide_height / 2


def _text_shape(move: Move) -> bool:
    return bool(getattr(move.shape, "has_text_frame", False) and getattr(move.was, "has_text_frame", False))


def _picture_same_size(move: Move) -> bool:
    return _is_picture(move.shape) and _is_picture(move.was) and move.kept("width", "height")


def _same_height(move: Move) -> bool:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    freeform = move.shape.shape_type == MSO_SHAPE_TYPE.FREEFORM == move.was.shape_type
    return (not _has_text(move) or freeform) and move.kept("height")


#: Each option's judge of a shape that moved or changed size: whether that is the change asked for.
_JUDGES: dict[str, Callable[[Move], bool]] = {
    "examine_title_bottom_position": _title_at_bottom,
    "examine_table_bottom_position": _table_at_bottom,
    "examine_right_position": _picture_right,
    "examine_top_position": _picture_up,
    "examine_shape_for_shift_size": _text_shape,
    "examine_image_size": _picture_same_size,
    "examine_modify_height": _same_height,
}
PLACE_OPTIONS = tuple(_JUDGES)
#: The options that ask for a move (moving nothing does not do the task).
_NEEDS_A_MOVE = (
    "examine_title_bottom_position",
    "examine_table_bottom_position",
    "examine_right_position",
    "examine_top_position",
)


def placed_as_asked(result: Any, reference: Any, option: str, tolerance: float) -> bool:
    """Whether the result deck's shapes moved as ``option`` asks, compared with the reference's."""
    judge = _JUDGES[option]
    width, height = int(reference.slide_width or 0), int(reference.slide_height or 0)
    moved = False
    for slide, reference_slide in zip(result.slides, reference.slides, strict=False):
        shapes, reference_shapes = list(slide.shapes), list(reference_slide.shapes)
        if len(shapes) != len(reference_shapes):
            return False
        for shape, was in zip(shapes, reference_shapes, strict=True):
            move = Move(shape, was, width, height, tolerance)
            if move.kept(*SIDES):
                continue
            if not judge(move):
                return False
            moved = True
    return moved or option not in _NEEDS_A_MOVE
