"""Which elements a set-of-marks screenshot marks (`palaestra.envs.som` draws them).

A mark goes on each element that is visible, at least partly in the viewport (or on screen), not
disabled and interactive. Marks an agent cannot use are left out, since each costs it attention:
the page itself (``<html>``, ``<body>``, or any box covering the whole viewport), an element
nested in a marked one with the same box (a ``<span>`` filling its ``<button>``: one click target,
one mark, the outer one), and a ``<label>`` whose control has its own mark.

Interactive, in the browser: a form control, a link, an element with an interactive ARIA role,
one Chromium finds clickable (it has a click listener), or where a pointer cursor starts (its
parent's cursor is not a pointer: the cursor is inherited, so every descendant of a link has one).
On the desktop: the tree's ``clickable`` (an interactive AT-SPI role, or focusable), and not under
a window stacked above its own (AT-SPI does not know what covers what; X11's stacking order does).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from palaestra.envs.elements import Element
from palaestra.envs.snapshot import Snapshot
from palaestra.envs.som import Mark

Box = tuple[float, float, float, float]  # x, y, width, height
#: Tags an agent acts on whatever their role.
NATIVE_TAGS = frozenset({"button", "input", "select", "textarea", "summary"})
#: ARIA roles (as Chromium's AXTree reports them) of elements an agent acts on.
INTERACTIVE_ROLES = frozenset({
    "button", "link", "textbox", "searchbox", "checkbox", "radio", "combobox", "listbox", "option",
    "menuitem", "menuitemcheckbox", "menuitemradio", "tab", "slider", "spinbutton", "switch",
    "treeitem", "ListBoxOption", "MenuListOption", "textField", "ToggleButton", "PopUpButton",
})  # fmt: skip
#: Tags that are the page itself, never a target.
PAGE_TAGS = frozenset({"html", "body"})
#: Two boxes this close (in pixels, on every side) are the same click target.
SAME_BOX_PX = 2.0


def browser_marks(dom: Snapshot, elements: Sequence[Element], viewport: tuple[int, int]) -> list[Mark]:
    """The marks of a page's ``elements`` (in document order), boxes in CSS pixels."""
    index_of = {dom.element_id(i): i for i in range(len(dom.attrs)) if dom.node_type[i] == 1}

    def cursor(element_id: str) -> str:
        index = index_of.get(element_id)
        return dom.styles.get(index, ["", "", ""])[2] if index is not None else ""

    def interactive(e: Element) -> bool:
        index = index_of.get(e.id)
        pointer_starts = cursor(e.id) == "pointer" and cursor(e.parent) != "pointer"
        return (
            e.editable
            or e.tag in NATIVE_TAGS
            or (e.tag == "a" and "href" in e.attributes)
            or e.role in INTERACTIVE_ROLES
            or (index is not None and index in dom.clickable)
            or pointer_starts
        )

    chosen = [
        e
        for e in elements
        if e.visible
        and e.in_viewport
        and e.tag not in PAGE_TAGS
        and not _disabled(e.attributes)
        and not _covers(e.bbox, viewport)
        and interactive(e)
    ]
    chosen = _without_redundant_labels(chosen, {e.id: e.parent for e in elements})
    # A field's value names it when nothing else does; a checkbox's value ("on") names nothing.
    rows = [
        (e.id, e.bbox, e.role or e.tag, e.name or e.text or (e.value if e.editable else "")) for e in chosen
    ]
    return _unnest(rows, {e.id: e.parent for e in elements})


def _without_redundant_labels(chosen: list[Element], parent_of: Mapping[str, str]) -> list[Element]:
    """``chosen`` but the ``<label>``s whose control is marked too (inside the label, or named by
    its ``for``): the control is the click target; a label stays when its control is hidden (a
    styled checkbox), since then it is the only thing to click."""
    labels = {e.id for e in chosen if e.tag == "label"}
    if not labels:
        return chosen
    served: set[str] = set()
    marked_dom_ids = {e.attributes["id"] for e in chosen if e.tag != "label" and "id" in e.attributes}
    for e in chosen:
        if e.tag == "label" and e.attributes.get("for") in marked_dom_ids:
            served.add(e.id)
        ancestor = parent_of.get(e.id, "")
        while ancestor and e.tag != "label":
            if ancestor in labels:
                served.add(ancestor)
                break
            ancestor = parent_of.get(ancestor, "")
    return [e for e in chosen if e.id not in served]


def desktop_marks(
    elements: Sequence[Mapping[str, Any]],
    screen: tuple[int, int],
    windows: Sequence[Mapping[str, Any]] = (),
) -> list[Mark]:
    """The marks of a desktop tree's element records (`palaestra.envs.desktop.tree`).

    AT-SPI calls a window's widgets showing even where another window covers them (a dialog over
    its main window): with the window list (``windows``, bottom to top, as the observation has it),
    an element whose centre lies under a window stacked above its own gets no mark.
    """
    parent_of = {e["id"]: e["parent"] for e in elements}
    chosen = [
        e
        for e in elements
        if e["clickable"]
        and e["in_viewport"]
        and not _covers(e["bbox"], screen)
        and not _desktop_disabled(e["attributes"].get("states", ""))
    ]
    if windows:
        under = _Covered(elements, windows)
        chosen = [e for e in chosen if not under.covered(e["id"], e["bbox"])]
    rows = [(e["id"], e["bbox"], e["role"], e["name"] or e["value"]) for e in chosen]
    return _unnest(rows, parent_of)


class _Covered:
    """Which window each element is in (its top-level frame or dialog, matched to the client window
    whose box matches its box best), and whether its centre lies under a window stacked above it."""

    def __init__(self, elements: Sequence[Mapping[str, Any]], windows: Sequence[Mapping[str, Any]]) -> None:
        self.by_id = {e["id"]: e for e in elements}
        self.windows = [_box(w["box"]) for w in windows]
        self.window_of: dict[str, int | None] = {}

    def top_level(self, element_id: str) -> str:
        """The element's outermost ancestor below its application (its frame or dialog)."""
        current = element_id
        while True:
            parent = self.by_id.get(self.by_id[current]["parent"])
            if parent is None or parent["role"] == "application":
                return current
            current = parent["id"]

    def window(self, element_id: str) -> int | None:
        top = self.top_level(element_id)
        if top not in self.window_of:
            box = _box(self.by_id[top]["bbox"])
            matches = [_iou(box, window) for window in self.windows]
            best = max(range(len(matches)), key=matches.__getitem__, default=None)
            # A popup menu is no client window: it matches none, and nothing covers it.
            self.window_of[top] = best if best is not None and matches[best] > 0.5 else None
        return self.window_of[top]

    def covered(self, element_id: str, bbox: Sequence[float]) -> bool:
        own = self.window(element_id)
        if own is None:
            return False
        x, y, w, h = _box(bbox)
        cx, cy = x + w / 2, y + h / 2
        return any(wx <= cx < wx + ww and wy <= cy < wy + wh for wx, wy, ww, wh in self.windows[own + 1 :])


def _iou(a: Box, b: Box) -> float:
    """Intersection over union: a frame's box and its window's differ by the title bar at most."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    shared = max(width, 0.0) * max(height, 0.0)
    union = a[2] * a[3] + b[2] * b[3] - shared
    return shared / union if union > 0 else 0.0


def _unnest(
    rows: Iterable[tuple[str, Sequence[float], str, str]], parent_of: Mapping[str, str]
) -> list[Mark]:
    """Marks for ``rows`` (id, box, role, name; ancestors before descendants), leaving out an
    element whose nearest marked ancestor has the same box."""
    marks: list[Mark] = []
    boxes: dict[str, Box] = {}
    for element_id, raw_box, role, name in rows:
        box = _box(raw_box)
        ancestor = parent_of.get(element_id, "")
        while ancestor and ancestor not in boxes:
            ancestor = parent_of.get(ancestor, "")
        if ancestor and _same_box(boxes[ancestor], box):
            continue
        boxes[element_id] = box
        marks.append(Mark(element_id, box, role, name))
    return marks


def _box(values: Sequence[float]) -> Box:
    x, y, w, h = (float(v) for v in values)
    return x, y, w, h


def _same_box(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(x - y) <= SAME_BOX_PX for x, y in zip(a, b, strict=True))


def _covers(box: Sequence[float], viewport: tuple[int, int]) -> bool:
    """Whether ``box`` covers the whole viewport: the page (or a window filling the screen)."""
    x, y, w, h = box
    return x <= 0 and y <= 0 and x + w >= viewport[0] and y + h >= viewport[1]


def _disabled(attributes: Mapping[str, str]) -> bool:
    return "disabled" in attributes or attributes.get("aria-disabled", "").lower() == "true"


def _desktop_disabled(states: str) -> bool:
    names = set(states.split())
    return "enabled" not in names and "sensitive" not in names
