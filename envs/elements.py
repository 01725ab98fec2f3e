"""Element records: one per element with an id, joining the DOM snapshot and the AXTree."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palaestra.envs.axtree import AXTree
from palaestra.envs.clipping import Clipping
from palaestra.envs.snapshot import ID_ATTR, Snapshot

DOCUMENT = 9
EDITABLE_INPUT_TYPES = {
    "", "text", "password", "email", "search", "tel", "url", "number", "date", "time", "datetime-local",
    "month", "week",
}  # fmt: skip


@dataclass
class Element:
    """One element of the page as an agent sees it."""

    id: str
    tag: str
    role: str
    name: str
    value: str
    text: str
    bbox: tuple[float, float, float, float]  # x, y, width, height in viewport CSS pixels
    visible: bool
    in_viewport: bool
    clickable: bool
    editable: bool
    checked: bool | None
    selected: bool | None
    focused: bool
    attributes: dict[str, str]
    parent: str  # id of the nearest ancestor element ("" for a document's root)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def build_elements(dom: Snapshot, ax: AXTree, viewport: tuple[int, int]) -> list[Element]:
    """One record per element with an id. An inert element (an ``inert`` subtree, or outside the
    open modal dialog) is not ``clickable``: the page lets no click, focus or typing reach it, and
    the accessibility tree leaves it out."""
    clipping = Clipping(dom, viewport)
    elements: list[Element] = []
    blocked = _blocked_documents(dom, ax.modal_dialogs(dom))
    for i, attrs in enumerate(dom.attrs):
        element_id = attrs.get(ID_ATTR)
        if not element_id or dom.node_type[i] != 1:
            continue
        node = ax.by_dom.get(i, {})
        props = AXTree.properties(node)
        tag = dom.tag[i]
        box = dom.bounds.get(i, (0.0, 0.0, 0.0, 0.0))
        visible = dom.is_visible(i)
        view = clipping.view(i)  # what its clipping boxes, its frame and the viewport leave
        in_viewport = (  # some area of it left (a clip-path may leave a view of no area)
            visible
            and max(box[0], view[0]) < min(box[0] + box[2], view[2])
            and max(box[1], view[1]) < min(box[1] + box[3], view[3])
        )
        editable = bool(props.get("editable")) or (
            (tag == "input" and attrs.get("type", "").lower() in EDITABLE_INPUT_TYPES) or tag == "textarea"
        )
        checked: bool | None = None
        if tag == "input" and attrs.get("type", "").lower() in ("checkbox", "radio"):
            checked = i in dom.checked
        elif "checked" in props:
            checked = props["checked"] in (True, "true")
        selected: bool | None = None
        if tag == "option":
            selected = i in dom.option_selected
        elif "selected" in props:
            selected = bool(props["selected"])
        clickable = i in dom.clickable or tag in (
            "a",
            "button",
            "input",
            "select",
            "option",
            "label",
            "summary",
        )
        value = dom.current_value(i) if i in dom.input_value else AXTree.value(node) if node else ""
        if tag == "select" and not value:  # a listbox (``multiple`` or ``size``) has no value in the tree
            value = ", ".join(_selected_labels(dom, ax, i))
        style_cursor = dom.styles.get(i, ["", "", ""])[2]
        elements.append(
            Element(
                id=element_id,
                tag=tag,
                role=AXTree.role(node) if node and not node.get("ignored") else "",
                name=AXTree.name(node) if node else "",
                value=value,
                text="" if tag == "textarea" else dom.text(i),  # its text is the stale default value
                bbox=tuple(round(v, 1) for v in box),  # type: ignore[arg-type]
                visible=visible,
                in_viewport=in_viewport,
                clickable=(clickable or style_cursor == "pointer") and not _inert(dom, i, blocked),
                editable=editable,
                checked=checked,
                selected=selected,
                focused=bool(props.get("focused")),
                attributes={k: v[:200] for k, v in attrs.items() if k != ID_ATTR},
                parent=dom.parent_element_id(i),
            )
        )
    return elements


def offscreen(elements: list[Element]) -> frozenset[str]:
    """The ids of the elements laid out and shown, but out of view: scrolled off the page's
    viewport, out of their frame's or out of a scrolling box's, or clipped away by a box (the
    accessibility tree's ``offscreen``; see `palaestra.envs.clipping`)."""
    return frozenset(e.id for e in elements if e.visible and not e.in_viewport)


def _selected_labels(dom: Snapshot, ax: AXTree, select: int) -> list[str]:
    """The labels of ``<select>`` ``select``'s chosen options (in ``<optgroup>``s too), in order:
    its ``value`` in `Element`, as a single select's is its chosen option's label."""
    labels: list[str] = []
    stack = list(reversed(dom.children[select]))
    while stack:
        i = stack.pop()
        if dom.tag[i] == "optgroup":
            stack.extend(reversed(dom.children[i]))
        elif dom.tag[i] == "option" and i in dom.option_selected:
            node = ax.by_dom.get(i)
            labels.append((AXTree.name(node) if node else "") or dom.attrs[i].get("label") or dom.text(i))
    return labels


def _blocked_documents(dom: Snapshot, modal: set[int]) -> dict[int, set[int]]:
    """The document nodes with an open modal dialog, each with its dialogs (a dialog in a frame
    makes only the frame's document inert)."""
    blocked: dict[int, set[int]] = {}
    for dialog in modal:
        node = dialog
        while node >= 0 and dom.node_type[node] != DOCUMENT:
            node = dom.parent[node]
        blocked.setdefault(node, set()).add(dialog)
    return blocked


def _inert(dom: Snapshot, i: int, blocked: dict[int, set[int]]) -> bool:
    """Whether node ``i`` is inert: so computed, or in a document with an open modal dialog and
    outside it."""
    if dom.is_inert(i):
        return True
    if not blocked:
        return False
    ancestors = []
    while i >= 0 and dom.node_type[i] != DOCUMENT:
        ancestors.append(i)
        i = dom.parent[i]
    return i in blocked and blocked[i].isdisjoint(ancestors)
