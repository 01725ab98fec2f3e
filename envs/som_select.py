"""Which page elements a set-of-marks screenshot marks (`palaestra.envs.som` draws them), and
the rules the desktop's choice (`palaestra.envs.desktop.marks`) shares.

A mark goes on each element that is visible, at least partly in the viewport, not disabled,
interactive and not covered. Marks an agent cannot use are left out, since each costs it attention:
the page itself (``<html>``, ``<body>``, or any box covering the whole viewport), an element
nested in a marked one with the same box (a ``<span>`` filling its ``<button>``: one click target,
one mark, the outer one), a ``<label>`` whose control has its own mark, and an element a click on
its id would not reach: under a modal, a banner, a sticky header or an open menu, clipped out of
sight by its scrolling container or a ``clip-path``, taking no pointer events, or inert
(`palaestra.envs.occlusion`, from the snapshot's paint order and computed styles).

Interactive: a form control, a link, an element with an interactive ARIA role, one Chromium finds
clickable (it has a click listener), or where a pointer cursor starts (its parent's cursor is not a
pointer: the cursor is inherited, so every descendant of a link has one).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from palaestra.envs.elements import Element
from palaestra.envs.occlusion import Occlusion
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


def browser_marks(
    dom: Snapshot, elements: Sequence[Element], viewport: tuple[int, int], modal: Collection[int] = ()
) -> list[Mark]:
    """The marks of a page's ``elements`` (in document order), boxes in CSS pixels; ``modal`` holds
    the snapshot indices of the open modal ``<dialog>``s (see `palaestra.envs.occlusion`)."""
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
        and not fills_view(e.bbox, viewport)
        and interactive(e)
    ]
    if dom.paint_order:  # asked for with set-of-marks: leave out what a click would not reach
        hidden = Occlusion(dom, viewport, modal).hidden(index_of[e.id] for e in chosen if e.id in index_of)
        chosen = [e for e in chosen if index_of.get(e.id) not in hidden]
    chosen = _without_redundant_labels(chosen, {e.id: e.parent for e in elements})
    # A field's value names it when nothing else does; a checkbox's value ("on") names nothing.
    rows = [
        (e.id, e.bbox, e.role or e.tag, e.name or e.text or (e.value if e.editable else "")) for e in chosen
    ]
    return unnest(rows, {e.id: e.parent for e in elements})


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


def unnest(rows: Iterable[tuple[str, Sequence[float], str, str]], parent_of: Mapping[str, str]) -> list[Mark]:
    """Marks for ``rows`` (id, box, role, name; ancestors before descendants), leaving out an
    element whose nearest marked ancestor has the same box."""
    marks: list[Mark] = []
    boxes: dict[str, Box] = {}
    for element_id, raw_box, role, name in rows:
        box = to_box(raw_box)
        ancestor = parent_of.get(element_id, "")
        while ancestor and ancestor not in boxes:
            ancestor = parent_of.get(ancestor, "")
        if ancestor and _same_box(boxes[ancestor], box):
            continue
        boxes[element_id] = box
        marks.append(Mark(element_id, box, role, name))
    return marks


def to_box(values: Sequence[float]) -> Box:
    x, y, w, h = (float(v) for v in values)
    return x, y, w, h


def _same_box(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(abs(x - y) <= SAME_BOX_PX for x, y in zip(a, b, strict=True))


def fills_view(box: Sequence[float], viewport: tuple[int, int]) -> bool:
    """Whether ``box`` covers the whole viewport: the page (or a window filling the screen)."""
    x, y, w, h = box
    return x <= 0 and y <= 0 and x + w >= viewport[0] and y + h >= viewport[1]


def _disabled(attributes: Mapping[str, str]) -> bool:
    return "disabled" in attributes or attributes.get("aria-disabled", "").lower() == "true"
