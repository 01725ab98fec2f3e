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
carousel). Boxes without a background still take clicks, so they cover. The clipping
(`palaestra.envs.clipping`) follows CSS's containing blocks. A box with a ``transform``, or with any
of the individual ``translate``, ``rotate`` and ``scale`` properties, is the containing block of its
absolutely positioned and fixed descendants: they do not escape what clips it. The snapshot's boxes
are already where all four paint them (their bounding boxes: a box scaled to nothing has no size,
so is not visible), so nothing else about transforms needs reading.
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

from palaestra.envs.clipping import EXTRA_STYLES, POINTER_EVENTS, TRANSFORM, Clipping, Rect, cut
from palaestra.envs.snapshot import OPACITY, Snapshot

#: The computed styles occlusion reads, asked for after `BASE_STYLES` when set-of-marks is on.
OCCLUSION_STYLES = EXTRA_STYLES
LAST = max(TRANSFORM, POINTER_EVENTS)
EVERYWHERE: Rect = (-math.inf, -math.inf, math.inf, math.inf)
DOCUMENT, TEXT = 9, 3


class Occlusion:
    """Clipping and stacking over one snapshot; `hidden` answers for a set of elements."""

    def __init__(self, dom: Snapshot, viewport: tuple[int, int], modal: Collection[int] = ()) -> None:
        self.dom = dom
        self.modal = modal
        self.viewport: Rect = (0.0, 0.0, float(viewport[0]), float(viewport[1]))
        self.clipping = Clipping(dom, viewport)
        # Per node, computed for it and its ancestors on first use: whether it is transparent
        # (opacity 0 itself or an ancestor).
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
        rect = self.clipping.visible_rect(i)
        return None if rect is None else ((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2)

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
        rect = cut(rect, self.clipping.view(n))
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

    def _transparent(self, i: int) -> bool:
        """Whether node ``i`` or an ancestor has opacity 0 (text has its parent's opacity)."""
        faded = self._faded.get(i)
        if faded is None:
            chain, parent = [], self.dom.parent
            while i >= 0 and i not in self._faded:
                chain.append(i)
                i = parent[i]
            for node in reversed(chain):
                styles = self.dom.styles.get(node) or []
                own = len(styles) > OPACITY and self.dom.node_type[node] != TEXT and styles[OPACITY] == "0"
                up = parent[node]
                self._faded[node] = own or (up >= 0 and self._faded[up])
            faded = self._faded[chain[0]]
        return faded


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
