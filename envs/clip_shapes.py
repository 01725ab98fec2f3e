"""The rectangle a box's ``clip-path`` or ``clip`` leaves of it, read from their computed values.

Occlusion (`palaestra.envs.occlusion`) needs to know what part of a box can be seen and clicked.
Pages hide skip links and screen-reader text by clipping them away whole (``clip: rect(0 0 0 0)``,
``clip-path: inset(50%)``) while their boxes keep a size; a menu slides in by animating an
``inset()``. Both clip the element and every descendant, fixed ones too (checked on Chromium 156).

A shape's bounding rectangle stands for the shape: ``inset()`` and ``rect()`` are rectangles, and
a click lands on the centre of the visible part, which a circle, ellipse or convex polygon
contains. A value this module cannot read (``url()``, ``path()``, ``calc()`` with a percentage,
font-relative units the computed value did not resolve) clips nothing, as before it was read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

Rect = tuple[float, float, float, float]  # left, top, right, bottom
#: Position keywords of ``at <position>``, as fractions of the box.
_KEYWORDS = {"left": 0.0, "top": 0.0, "center": 0.5, "right": 1.0, "bottom": 1.0}
_AT = re.compile(r"(?:^|\s)at\s")
_SHAPE = re.compile(r"^\s*(inset|circle|ellipse|polygon|rect|xywh)\((.*)\)")


class _Unread(ValueError):
    """A value this module does not read: it clips nothing."""


def clip_rect(clip_path: str, clip: str, position: str, box: Rect) -> Rect | None:
    """The part of ``box`` (the element's border box) its clips keep, or None when nothing clips it.

    ``clip`` applies only to absolutely positioned boxes (``position`` absolute or fixed)."""
    rect: Rect | None = None
    if clip.startswith("rect(") and position in ("absolute", "fixed"):
        rect = _guard(_clip_property, clip, box)
    if clip_path and clip_path != "none":
        shape = _guard(_clip_path, clip_path, box)
        if shape is not None:
            rect = shape if rect is None else _cut(rect, shape)
    return rect


def _guard(read: Callable[[str, Rect], Rect], value: str, box: Rect) -> Rect | None:
    try:
        return read(value, box)
    except _Unread:
        return None


def _clip_property(value: str, box: Rect) -> Rect:
    """``rect(top, right, bottom, left)``: offsets from the box's top-left corner; auto is its edge."""
    left, top, right, bottom = box
    parts = value[5:].rstrip(")").replace(",", " ").split()
    if len(parts) != 4:
        raise _Unread(value)
    edges = [None if p == "auto" else _length(p, 0.0) for p in parts]
    return (
        left + (edges[3] or 0.0),
        top + (edges[0] or 0.0),
        right if edges[1] is None else left + edges[1],
        bottom if edges[2] is None else top + edges[2],
    )


def _clip_path(value: str, box: Rect) -> Rect:
    match = _SHAPE.match(value)
    if match is None:
        raise _Unread(value)
    kind, args = match.group(1), match.group(2)
    left, top, right, bottom = box
    width, height = right - left, bottom - top
    if kind == "inset":
        sides = _expand(args.split(" round ")[0].split())
        offsets = [_length(p, of) for p, of in zip(sides, (height, width, height, width), strict=True)]
        return left + offsets[3], top + offsets[0], right - offsets[1], bottom - offsets[2]
    if kind == "polygon":
        points = [p.split() for p in args.split(",")]
        if points and points[0] in (["nonzero"], ["evenodd"]):
            points = points[1:]
        if not points or any(len(p) != 2 for p in points):
            raise _Unread(value)
        xs = [left + _length(p[0], width) for p in points]
        ys = [top + _length(p[1], height) for p in points]
        return min(xs), min(ys), max(xs), max(ys)
    if kind in ("circle", "ellipse"):
        size, at = _split_at(args)
        x, y = _position(at, width, height)
        radii = size.split() or ["closest-side"] * (1 if kind == "circle" else 2)
        if kind == "circle" and len(radii) == 1:
            diagonal = math.hypot(width, height) / math.sqrt(2)
            rx = ry = _radius(radii[0], diagonal, (x, y, width - x, height - y))
        elif kind == "ellipse" and len(radii) == 2:
            rx = _radius(radii[0], width, (x, width - x))
            ry = _radius(radii[1], height, (y, height - y))
        else:
            raise _Unread(value)
        return left + x - rx, top + y - ry, left + x + rx, top + y + ry
    raise _Unread(value)  # rect() and xywh() compute to inset(); anything else is not read


def _split_at(args: str) -> tuple[str, str]:
    """A circle's or ellipse's radii and its ``at`` position; Chromium writes one without radii
    as ``ellipse(at 0% 0%)``, the position first."""
    parts = _AT.split(args.strip(), maxsplit=1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def _expand(parts: list[str]) -> list[str]:
    """One to four values, CSS's top, right, bottom, left shorthand."""
    if not 1 <= len(parts) <= 4:
        raise _Unread(" ".join(parts))
    top = parts[0]
    right = parts[1] if len(parts) > 1 else top
    bottom = parts[2] if len(parts) > 2 else top
    return [top, right, bottom, parts[3] if len(parts) > 3 else right]


def _position(at: str, width: float, height: float) -> tuple[float, float]:
    parts = at.split()
    if not parts:
        return width / 2, height / 2
    if len(parts) != 2:
        raise _Unread(at)
    x = _KEYWORDS[parts[0]] * width if parts[0] in _KEYWORDS else _length(parts[0], width)
    y = _KEYWORDS[parts[1]] * height if parts[1] in _KEYWORDS else _length(parts[1], height)
    return x, y


def _radius(value: str, percent_of: float, to_sides: tuple[float, ...]) -> float:
    """A circle's or ellipse's radius; ``to_sides``: the centre's distances to the sides it reads."""
    if value == "closest-side":
        return min(to_sides)
    if value == "farthest-side":
        return max(to_sides)
    return _length(value, percent_of)


def _length(value: str, percent_of: float) -> float:
    try:
        if value.endswith("%"):
            return float(value[:-1]) * percent_of / 100
        if value.endswith("px"):
            return float(value[:-2])
        if value == "0":
            return 0.0
    except ValueError:
        pass
    raise _Unread(value)


def _cut(a: Rect, b: Rect) -> Rect:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
