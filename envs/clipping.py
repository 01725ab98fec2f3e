"""The part of the viewport where each box of a snapshot can be seen: its clipping ancestors cut it.

An element inside a scrolling or clipping box (``overflow`` other than ``visible`` on a list, a
chat log, a table body, a carousel) is shown only inside that box, though its own box may lie in the
viewport: scrolled out of the box, it cannot be seen or clicked until the box is scrolled. Every
snapshot asks for ``overflow`` and ``position`` (`palaestra.envs.snapshot.BASE_STYLES`), so this is
read from the real layout at each step.

The clipping follows CSS's containing blocks: an absolutely positioned box escapes the clipping of
ancestors up to its positioned one, a fixed one all of its document's; ``<html>`` and ``<body>``
pass their overflow to the viewport; a frame's document is cut to its ``<iframe>``. A box clips to
its border box, where CSS says its padding box: the border's few pixels would cost another
computed style on every node. With set-of-marks on, the snapshot also has the transform properties (a
transformed box is the containing block of its fixed and absolute descendants) and ``clip-path``
and ``clip`` (`palaestra.envs.clip_shapes`); without them, those are not read.
"""

from __future__ import annotations

import math

from palaestra.envs.clip_shapes import clip_rect
from palaestra.envs.snapshot import BASE_STYLES, OVERFLOW, POSITION, Snapshot

#: The computed styles set-of-marks asks for after `BASE_STYLES`: the clipping ones, then those only
#: occlusion reads. The transform properties come in the order CSS applies them.
EXTRA_STYLES = ["clip-path", "clip", "translate", "rotate", "scale", "transform", "pointer-events"]
CLIP_PATH, CLIP, TRANSLATE, ROTATE, SCALE, TRANSFORM, POINTER_EVENTS = range(
    len(BASE_STYLES), len(BASE_STYLES) + len(EXTRA_STYLES)
)
TRANSFORMS = slice(TRANSLATE, TRANSFORM + 1)
Rect = tuple[float, float, float, float]  # left, top, right, bottom
EVERYWHERE: Rect = (-math.inf, -math.inf, math.inf, math.inf)
#: Whose overflow applies to the viewport, not to their own box.
VIEWPORT_TAGS = frozenset({"html", "body"})
DOCUMENT, TEXT = 9, 3


class Clipping:
    """Per node, the rectangle its clipping ancestors leave of the page, computed on first use."""

    def __init__(self, dom: Snapshot, viewport: tuple[int, int]) -> None:
        self.dom = dom
        self.viewport: Rect = (0.0, 0.0, float(viewport[0]), float(viewport[1]))
        # Per node: the clip on its own box, on its flow content, on its absolutely positioned and
        # on its fixed descendants.
        self._own: dict[int, Rect] = {}
        self._content: dict[int, Rect] = {}
        self._absolute: dict[int, Rect] = {}
        self._fixed: dict[int, Rect] = {}

    def visible_rect(self, i: int) -> Rect | None:
        """The part of node ``i``'s box that its clips and the viewport leave, or None if nothing."""
        box = self.dom.bounds.get(i)
        if box is None:
            return None
        x, y, w, h = box
        rect = cut(cut((x, y, x + w, y + h), self.clip(i)), self.viewport)
        return rect if rect[2] > rect[0] and rect[3] > rect[1] else None

    def clip(self, i: int) -> Rect:
        """What node ``i``'s clipping ancestors (and its own clip-path) leave of the page."""
        own = self._own.get(i)
        if own is None:
            chain, parent = [], self.dom.parent
            while i >= 0 and i not in self._own:
                chain.append(i)
                i = parent[i]
            for node in reversed(chain):
                self._fill(node)
            own = self._own[chain[0]]
        return own

    def _fill(self, i: int) -> None:
        dom = self.dom
        parent = dom.parent[i]
        styles = dom.styles.get(i)
        position = styles[POSITION] if styles and len(styles) > POSITION else "static"
        kind = dom.node_type[i]
        if parent < 0:
            own = EVERYWHERE
        elif kind == DOCUMENT:  # a frame's document: cut to its <iframe>
            x, y, w, h = dom.bounds.get(parent, (0.0, 0.0, 0.0, 0.0))
            own = cut(self._content[parent], (x, y, x + w, y + h))
        elif kind == TEXT or position in ("static", "relative", "sticky", ""):
            own = self._content[parent]
        elif position == "fixed":
            own = self._fixed[parent]
        else:
            own = self._absolute[parent]
        if styles is None or len(styles) <= OVERFLOW or kind != 1:  # no box, or text: nothing of its own
            self._own[i] = self._content[i] = own
            self._absolute[i] = self._absolute[parent] if parent >= 0 and kind != DOCUMENT else own
            self._fixed[i] = self._fixed[parent] if parent >= 0 and kind != DOCUMENT else own
            return
        shape, transformed = EVERYWHERE, False
        x, y, w, h = dom.bounds[i]
        if len(styles) > TRANSFORM:  # set-of-marks' styles
            if styles[CLIP_PATH] != "none" or styles[CLIP] != "auto":
                shape = clip_rect(styles[CLIP_PATH], styles[CLIP], position, (x, y, x + w, y + h)) or shape
                own = cut(own, shape)
            transformed = any(value != "none" for value in styles[TRANSFORMS])
        content = own
        overflow = styles[OVERFLOW]
        if overflow != "visible" and dom.tag[i] not in VIEWPORT_TAGS:
            # The shorthand's computed value: one keyword for both axes, or "x y".
            overflow_x, _, overflow_y = overflow.partition(" ")
            if overflow_x != "visible":
                content = cut(content, (x, -math.inf, x + w, math.inf))
            if (overflow_y or overflow_x) != "visible":
                content = cut(content, (-math.inf, y, math.inf, y + h))
        positioned = transformed or position not in ("static", "")
        self._own[i], self._content[i] = own, content
        self._absolute[i] = content if positioned else self._absolute[parent]
        self._fixed[i] = content if transformed else self._fixed[parent]
        if shape is not EVERYWHERE:  # a clip-path cuts fixed and absolute descendants too
            self._absolute[i] = cut(self._absolute[i], shape)
            self._fixed[i] = cut(self._fixed[i], shape)


def cut(a: Rect, b: Rect) -> Rect:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
