"""Which desktop elements a set-of-marks screenshot marks (`palaestra.envs.som` draws them).

A mark goes on each element of the tree (`palaestra.envs.desktop.tree`) that is ``clickable`` (an
interactive AT-SPI role, or focusable), on screen, enabled, not a window filling the screen, and
not covered. AT-SPI calls a window's widgets showing even where something covers them, so covering
is read from X11's stacking order: the window manager's client list (``windows``, bottom to top, as
the observation has it) and the popups no window manager lists (open menus, combo-box lists,
tooltips: `stacking.popups`, with each one's place among the client windows). An element is in a
popup when the session found it drawn there (``popup_of``), else in the client window that its
top-level frame or dialog matches best; it is covered when its centre lies under a window or popup
stacked above that one. So an open menu hides the marks of the widgets under it and has its own
items marked; an element in neither kind of window (a top level that matches no window) is never
taken for covered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from palaestra.envs.som import Mark
from palaestra.envs.som_select import Box, fills_view, to_box, unnest

#: Where a window or popup is in the stacking order: (client windows below or at it, rank above them).
Level = tuple[int, int]


def desktop_marks(
    elements: Sequence[Mapping[str, Any]],
    screen: tuple[int, int],
    windows: Sequence[Mapping[str, Any]] = (),
    popups: Sequence[Mapping[str, Any]] = (),
    popup_of: Mapping[str, int] | None = None,
) -> list[Mark]:
    """The marks of a desktop tree's element records, left out where a window or popup covers them."""
    parent_of = {e["id"]: e["parent"] for e in elements}
    chosen = [
        e
        for e in elements
        if e["clickable"]
        and e["in_viewport"]
        and not fills_view(e["bbox"], screen)
        and not _disabled(e["attributes"].get("states", ""))
    ]
    if windows or popups:
        under = _Covered(elements, windows, popups, popup_of or {})
        chosen = [e for e in chosen if not under.covered(e["id"], e["bbox"])]
    rows = [(e["id"], e["bbox"], e["role"], e["name"] or e["value"]) for e in chosen]
    return unnest(rows, parent_of)


class _Covered:
    """Which window or popup each element is in, and whether its centre lies under one stacked above.

    Levels order them all bottom to top: client window ``i`` is at ``(i, 0)``; popup ``j``, with
    ``above`` client windows below it, at ``(above - 1, 1 + j)``: over client ``above - 1``, under
    client ``above``, and over the popups listed before it (the list is bottom to top).
    """

    def __init__(
        self,
        elements: Sequence[Mapping[str, Any]],
        windows: Sequence[Mapping[str, Any]],
        popups: Sequence[Mapping[str, Any]],
        popup_of: Mapping[str, int],
    ) -> None:
        self.by_id = {e["id"]: e for e in elements}
        self.windows = [to_box(w["box"]) for w in windows]
        self.layers: list[tuple[Level, Box]] = [((i, 0), box) for i, box in enumerate(self.windows)]
        self.layers += [((int(p["above"]) - 1, 1 + j), to_box(p["box"])) for j, p in enumerate(popups)]
        self.popup_levels = [level for level, _ in self.layers[len(self.windows) :]]
        self.popup_of = popup_of
        self.window_of: dict[str, int | None] = {}

    def top_level(self, element_id: str) -> str:
        """The element's outermost ancestor below its application (its frame or dialog)."""
        current = element_id
        while True:
            parent = self.by_id.get(self.by_id[current]["parent"])
            if parent is None or parent["role"] == "application":
                return current
            current = parent["id"]

    def level(self, element_id: str) -> Level | None:
        """Where the element's own window or popup is stacked; None when it is in neither."""
        popup = self.popup_of.get(element_id)
        if popup is not None and 0 <= popup < len(self.popup_levels):
            return self.popup_levels[popup]
        top = self.top_level(element_id)
        if top not in self.window_of:
            box = to_box(self.by_id[top]["bbox"])
            matches = [_iou(box, window) for window in self.windows]
            best = max(range(len(matches)), key=matches.__getitem__, default=None)
            self.window_of[top] = best if best is not None and matches[best] > 0.5 else None
        window = self.window_of[top]
        return None if window is None else (window, 0)

    def covered(self, element_id: str, bbox: Sequence[float]) -> bool:
        own = self.level(element_id)
        if own is None:
            return False
        x, y, w, h = to_box(bbox)
        cx, cy = x + w / 2, y + h / 2
        return any(
            level > own and lx <= cx < lx + lw and ly <= cy < ly + lh
            for level, (lx, ly, lw, lh) in self.layers
        )


def _iou(a: Box, b: Box) -> float:
    """Intersection over union: a frame's box and its window's differ by the title bar at most."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    shared = max(width, 0.0) * max(height, 0.0)
    union = a[2] * a[3] + b[2] * b[3] - shared
    return shared / union if union > 0 else 0.0


def _disabled(states: str) -> bool:
    names = set(states.split())
    return "enabled" not in names and "sensitive" not in names
