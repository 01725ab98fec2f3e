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


#: Per node: its view (its clip cut to the viewport), the clips on its flow content, on its
#: absolutely positioned and on its fixed descendants, and whether its view is its content's.
State = tuple[Rect, Rect, Rect, Rect, bool]


class Clipping:
    """Per node, the rectangle its clipping ancestors leave of the viewport.

    One pass over the nodes, parents first (a frame's document comes after its ``<iframe>``). Most
    nodes neither clip nor escape a clip: they share their parent's state (the same tuple), so a
    large page costs little more than a lookup per node."""

    def __init__(self, dom: Snapshot, viewport: tuple[int, int]) -> None:
        self.dom = dom
        self.viewport: Rect = (0.0, 0.0, float(viewport[0]), float(viewport[1]))
        self._states = self._fill()

    def view(self, i: int) -> Rect:
        """What node ``i``'s clipping ancestors (and its own clip-path) leave of the viewport."""
        return self._states[i][0]

    def visible_rect(self, i: int) -> Rect | None:
        """The part of node ``i``'s box that its clips and the viewport leave, or None if nothing."""
        box = self.dom.bounds.get(i)
        if box is None:
            return None
        x, y, w, h = box
        rect = cut((x, y, x + w, y + h), self._states[i][0])
        return rect if rect[2] > rect[0] and rect[3] > rect[1] else None

    def _fill(self) -> list[State]:
        dom, viewport = self.dom, self.viewport
        parents, kinds, all_styles = dom.parent, dom.node_type, dom.styles
        root: State = (viewport, EVERYWHERE, EVERYWHERE, EVERYWHERE, True)
        states: list[State] = []
        inherited: dict[int, State] = {}  # per node, the state its plain children share
        for i, parent in enumerate(parents):
            if parent < 0:
                states.append(root)
                continue
            kind = kinds[i]
            if kind == DOCUMENT:  # a frame's document: cut to its <iframe>, its positioning root
                x, y, w, h = dom.bounds.get(parent, (0.0, 0.0, 0.0, 0.0))
                content = cut(states[parent][1], (x, y, x + w, y + h))
                states.append((cut(content, viewport), content, content, content, True))
                continue
            up = states[parent]
            styles = all_styles.get(i) if kind == 1 else None
            if styles is not None and len(styles) > POSITION:
                position, overflow = styles[POSITION], styles[OVERFLOW]
                if overflow != "visible" or position not in ("static", "relative", "sticky"):
                    states.append(self._own_state(i, up, styles))
                    continue
                if len(styles) > TRANSFORM:  # set-of-marks' styles: clip-path, transforms
                    states.append(self._own_state(i, up, styles))
                    continue
                if position != "static":  # positioned: the containing block of absolute ones
                    plain = up if up[4] else inherited.get(parent) or self._plain(up, parent, inherited)
                    states.append((plain[0], plain[1], plain[1], plain[3], True))
                    continue
            # Text, a shadow root, a box in its parent's flow that clips nothing: its parent's.
            states.append(up if up[4] else inherited.get(parent) or self._plain(up, parent, inherited))
        return states

    def _plain(self, up: State, parent: int, inherited: dict[int, State]) -> State:
        content = up[1]
        state = inherited[parent] = (cut(content, self.viewport), content, up[2], up[3], True)
        return state

    def _own_state(self, i: int, up: State, styles: list[str]) -> State:
        """The state of a node that clips, escapes its parent's clip, or has set-of-marks' styles."""
        position, overflow = styles[POSITION], styles[OVERFLOW]
        own = up[3] if position == "fixed" else up[2] if position == "absolute" else up[1]
        shape, transformed = EVERYWHERE, False
        x, y, w, h = self.dom.bounds[i]
        if len(styles) > TRANSFORM:
            if styles[CLIP_PATH] != "none" or styles[CLIP] != "auto":
                shape = clip_rect(styles[CLIP_PATH], styles[CLIP], position, (x, y, x + w, y + h)) or shape
                own = cut(own, shape)
            transformed = any(value != "none" for value in styles[TRANSFORMS])
        content = own
        if overflow != "visible" and self.dom.tag[i] not in VIEWPORT_TAGS:
            # The shorthand's computed value: one keyword for both axes, or "x y".
            overflow_x, _, overflow_y = overflow.partition(" ")
            if overflow_x != "visible":
                content = cut(content, (x, -math.inf, x + w, math.inf))
            if (overflow_y or overflow_x) != "visible":
                content = cut(content, (-math.inf, y, math.inf, y + h))
        positioned = transformed or position not in ("static", "")
        absolute = content if positioned else up[2]
        fixed = content if transformed else up[3]
        if shape is not EVERYWHERE:  # a clip-path cuts fixed and absolute descendants too
            absolute, fixed = cut(absolute, shape), cut(fixed, shape)
        return (cut(own, self.viewport), content, absolute, fixed, own is content)


def cut(a: Rect, b: Rect) -> Rect:
    return max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
