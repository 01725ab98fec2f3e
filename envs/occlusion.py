"""Which elements of a page a click at their mark would not reach: under another painted box there
(a modal's backdrop, a cookie banner, a sticky header, an open dropdown), or with no part on screen.

The DOM snapshot ranks every layout box by paint order (``includePaintOrder``, asked for only
when set-of-marks is on): Chromium paints a box's whole layer (a positioned or stacking element and
its flow content) after every layer of a lower rank, so where two boxes of different ranks overlap
the higher one is on top. Boxes of one layer share a rank; flow content overlapping other flow
content of its own layer is not counted as covered.

An element is covered when, at the centre of its visible part (its box cut to its clipping
ancestors and the viewport: the point a click on its id lands on, see `palaestra.envs.actions`),
the topmost boxes belong to none of its friends: itself, its ancestors, its descendants (its text,
a positioned icon inside it) and the ``<label>``s of it (a floating label over its own input passes
clicks to it). One point, not several: a mark promises that a click on its id reaches the element,
and that click lands on the centre; an element whose centre is covered but whose edge shows would
take a click on the overlay.

A box covers only where it can take a click: one with ``visibility: hidden``, ``pointer-events:
none`` or ``opacity: 0`` (its own or an ancestor's; an invisible file input over its styled button
is what the click should reach) covers nothing, and neither does the part of a box its
overflow-clipping ancestors cut off (a closed dropdown folded to ``max-height: 0``, the slides of a
carousel). Boxes without a background still take clicks, so they cover. The clipping follows CSS's
containing blocks: an absolutely positioned box escapes the clipping of ancestors up to its
positioned one, a fixed one all of its document's; ``<html>`` and ``<body>`` pass their overflow to
the viewport. A box with a ``transform``, or with any of the individual ``translate``, ``rotate``
and ``scale`` properties, is the containing block of its absolutely positioned and fixed
descendants: they do not escape what clips it. The snapshot's boxes are already where all four
paint them (their bounding boxes: a box scaled to nothing has no size, so is not visible), so
nothing else about transforms needs reading.
``clip-path`` and ``clip`` cut a box and all its descendants, fixed ones too, to the rectangle
`palaestra.envs.clip_shapes` reads from them (a skip link clipped to nothing has no visible part).
Not read, each a computed style on every node for a rarer case: ``filter`` and ``contain``
(containing blocks too).

A box nobody can click takes no clicks and covers nothing: one with ``pointer-events: none`` or
in an ``inert`` subtree (`Snapshot.is_inert`) is itself hidden (unreachable), and lets clicks
through to what lies under it. A modal ``<dialog>`` (``showModal``; the caller finds it by the
accessibility tree's ``modal``) covers its whole viewport: its ``::backdrop``, which the snapshot
leaves out, takes every click around it (the page outside it is inert).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Iterable

import numpy as np

from palaestra.envs.clip_shapes import clip_rect
from palaestra.envs.snapshot import BASE_STYLES, Snapshot

#: The computed styles occlusion reads, asked for after `BASE_STYLES` when set-of-marks is on.
#: The transform properties come in the order CSS applies them: translate, rotate, scale, transform.
OCCLUSION_STYLES = [
    "pointer-events", "position", "overflow-x", "overflow-y", "clip-path", "clip",
    "translate", "rotate", "scale", "transform",
]  # fmt: skip
POINTER_EVENTS, POSITION, OVERFLOW_X, OVERFLOW_Y, CLIP_PATH, CLIP, TRANSLATE, ROTATE, SCALE, TRANSFORM = (
    range(len(BASE_STYLES), len(BASE_STYLES) + len(OCCLUSION_STYLES))
)
TRANSFORMS = slice(TRANSLATE, TRANSFORM + 1)
LAST = TRANSFORM
Rect = tuple[float, float, float, float]  # left, top, right, bottom
EVERYWHERE: Rect = (-math.inf, -math.inf, math.inf, math.inf)
#: Whose overflow applies to the viewport, not to their own box.
VIEWPORT_TAGS = frozenset({"html", "body"})
DOCUMENT, TEXT = 9, 3


class Occlusion:
    """Clipping and stacking over one snapshot; `hidden` answers for a set of elements."""

    def __init__(self, dom: Snapshot, viewport: tuple[int, int], modal: Collection[int] = ()) -> None:
        self.dom = dom
        self.modal = modal
        self.viewport: Rect = (0.0, 0.0, float(viewport[0]), float(viewport[1]))
        # Per node, computed for it and its ancestors on first use: the clip on its own box, the
        # clip on its flow content, on its absolutely positioned and fixed descendants, and
        # whether it is transparent (opacity 0 itself or an ancestor).
        self._own: dict[int, Rect] = {}
        self._content: dict[int, Rect] = {}
        self._absolute: dict[int, Rect] = {}
        self._fixed: dict[int, Rect] = {}
        self._faded: dict[int, bool] = {}
        self._labels: dict[int, list[int]] | None = None

    def hidden(self, indices: Iterable[int]) -> set[int]:
        """The node indices among ``indices`` that are covered at their visible centre, or that have
        no visible part at all (scrolled out of their container, clipped away)."""
        order = self.dom.paint_order
        points: dict[int, tuple[float, float]] = {}
        out: set[int] = set()
        for i in indices:
            point = self.click_point(i)
            if point is None or not self._takes_clicks(i):
                out.add(i)
            elif i in order:
                points[i] = point
        if not points:
            return out
        # Only boxes painted above some element, and on screen, can cover it.
        floor, bounds = min(order[i] for i in points), self.dom.bounds
        width, height = self.viewport[2], self.viewport[3]
        boxes = [
            (n, rect)
            for n, rank in order.items()
            if rank > floor
            and (box := bounds[n])[0] < width
            and box[1] < height
            and box[0] + box[2] > 0
            and box[1] + box[3] > 0
            and (rect := self._cover(n))
        ]
        if not boxes:
            return out
        nodes = np.array([n for n, _ in boxes])
        ranks = np.array([order[n] for n, _ in boxes])
        left, top, right, bottom = np.array([rect for _, rect in boxes]).T
        for i, (x, y) in points.items():
            over = (left <= x) & (x < right) & (top <= y) & (y < bottom) & (ranks > order[i])
            if not over.any():
                continue
            topmost = nodes[over & (ranks == ranks[over].max())]
            ancestors = self._ancestors(i)
            friends = {i, *self._labels_of(i)}
            if not any(_friend(int(n), ancestors, friends, self.dom.parent) for n in topmost):
                out.add(i)
        return out

    def click_point(self, i: int) -> tuple[float, float] | None:
        """The centre of node ``i``'s visible part, or None when no part of it is visible."""
        box = self.dom.bounds.get(i)
        if box is None:
            return None
        x, y, w, h = box
        rect = _cut(_cut((x, y, x + w, y + h), self._clip(i)), self.viewport)
        if rect[2] <= rect[0] or rect[3] <= rect[1]:
            return None
        return (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2

    def _cover(self, n: int) -> Rect | None:
        """The part of node ``n``'s box that takes clicks, or None."""
        dom = self.dom
        kind, styles, box = dom.node_type[n], dom.styles.get(n), dom.bounds[n]
        if kind == DOCUMENT or not styles or len(styles) <= LAST or box[2] <= 0 or box[3] <= 0:
            return None
        if styles[0] in ("hidden", "collapse") or not self._takes_clicks(n) or self._transparent(n):
            return None
        x, y, w, h = box
        # A modal dialog's ::backdrop, not in the snapshot, takes the clicks all around it.
        rect = EVERYWHERE if n in self.modal else (x, y, x + w, y + h)
        rect = _cut(_cut(rect, self._clip(n)), self.viewport)
        return rect if rect[2] > rect[0] and rect[3] > rect[1] else None

    def _takes_clicks(self, n: int) -> bool:
        """Whether hit testing can find node ``n`` (both styles are inherited: its own value says)."""
        styles = self.dom.styles.get(n)
        if styles is None or len(styles) <= POINTER_EVENTS:
            return True
        return styles[POINTER_EVENTS] != "none" and not self.dom.is_inert(n)

    def _ancestors(self, i: int) -> set[int]:
        out, parent = set(), self.dom.parent
        i = parent[i]
        while i >= 0:
            out.add(i)
            i = parent[i]
        return out

    def _labels_of(self, element: int) -> list[int]:
        """The ``<label for=...>``s naming ``element`` (labels around it are its ancestors)."""
        if self._labels is None:
            dom, self._labels = self.dom, {}
            wanted = {
                (self._document(i), attrs["for"]): i
                for i, attrs in enumerate(dom.attrs)
                if dom.tag[i] == "label" and attrs.get("for")
            }
            if wanted:
                for i, attrs in enumerate(dom.attrs):
                    label = wanted.get((self._document(i), attrs.get("id", "")))
                    if label is not None and dom.tag[i] != "label":
                        self._labels.setdefault(i, []).append(label)
        return self._labels.get(element, [])

    def _document(self, i: int) -> int:
        return bisect.bisect_right(self.dom.doc_roots, i)

    def _clip(self, i: int) -> Rect:
        self._resolve(i)
        return self._own[i]

    def _transparent(self, i: int) -> bool:
        self._resolve(i)
        return self._faded[i]

    def _resolve(self, i: int) -> None:
        """Fill the per-node tables for ``i`` and its ancestors, parents first."""
        chain = []
        while i >= 0 and i not in self._own:
            chain.append(i)
            i = self.dom.parent[i]
        for node in reversed(chain):
            self._fill(node)

    def _fill(self, i: int) -> None:
        dom = self.dom
        parent = dom.parent[i]
        styles = dom.styles.get(i) or []
        position = styles[POSITION] if len(styles) > POSITION else "static"
        if parent < 0:
            own = EVERYWHERE
        elif dom.node_type[i] == DOCUMENT:  # a frame's document: clipped to its <iframe>
            x, y, w, h = dom.bounds.get(parent, (0.0, 0.0, 0.0, 0.0))
            own = _cut(self._content[parent], (x, y, x + w, y + h))
        elif dom.node_type[i] == TEXT:
            own = self._content[parent]
        elif position == "fixed":
            own = self._fixed[parent]
        elif position == "absolute":
            own = self._absolute[parent]
        else:
            own = self._content[parent]
        shape, transformed = EVERYWHERE, False
        box = dom.bounds.get(i) if len(styles) > LAST else None
        if box is not None:
            x, y, w, h = box
            if styles[CLIP_PATH] != "none" or styles[CLIP] != "auto":
                shape = clip_rect(styles[CLIP_PATH], styles[CLIP], position, (x, y, x + w, y + h)) or shape
            transformed = any(value != "none" for value in styles[TRANSFORMS])
        own = _cut(own, shape)
        content = own
        if box is not None and dom.tag[i] not in VIEWPORT_TAGS:
            if styles[OVERFLOW_X] != "visible":
                content = _cut(content, (x, -math.inf, x + w, math.inf))
            if styles[OVERFLOW_Y] != "visible":
                content = _cut(content, (-math.inf, y, math.inf, y + h))
        # The containing blocks of positioned descendants: their clipping starts there.
        root = dom.node_type[i] == DOCUMENT or parent < 0
        positioned = root or transformed or position not in ("static", "")
        self._own[i], self._content[i] = own, content
        self._absolute[i] = content if positioned else _cut(self._absolute[parent], shape)
        self._fixed[i] = content if root or transformed else _cut(self._fixed[parent], shape)
        faded = len(styles) > 1 and dom.node_type[i] != TEXT and styles[1] == "0"
        self._faded[i] = faded or (parent >= 0 and self._faded[parent])


def _cut(a: Rect, b: Rect) -> Rect:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])


def _friend(n: int, ancestors: set[int], friends: set[int], parent: list[int]) -> bool:
    """Whether node ``n``, on top of an element, lets a click through to it: ``n`` is one of the
    element's ``ancestors``, or is or descends from one of its ``friends`` (itself, its labels)."""
    if n in ancestors:
        return True
    while n >= 0 and n not in ancestors:
        if n in friends:
            return True
        n = parent[n]
    return False
