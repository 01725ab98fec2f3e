"""BrowserGym's three page objects, made from what one observation's capture already holds.

BrowserGym hands agents the raw CDP answers: ``dom_object`` (``DOMSnapshot.captureSnapshot``),
``axtree_object`` (``Accessibility.getFullAXTree`` of every frame, merged) and
``extra_element_properties`` (per element id: visibility, box, clickability, set-of-marks).
Its utilities (``flatten_axtree_to_str``, ``flatten_dom_to_str``) find an element's id in the
snapshot's ``bid`` attribute and in each AXTree node's ``browsergym_id`` key. Our capture makes
the same two CDP calls, with our ids in ``data-pal-id``; so these objects are those answers with
the attribute renamed and the key added, in place (nothing is copied), and the properties are
read off our element records. The ids are ours, so an action built from them acts on our page.

Only computed when ``ObsConfig(browsergym=True)``: see `palaestra.envs.browsergym_compat`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palaestra.envs.axtree import AXTree
from palaestra.envs.browsergym_values import element_values
from palaestra.envs.elements import Element
from palaestra.envs.snapshot import ID_ATTR, Snapshot
from palaestra.envs.som import Mark

#: The attribute BrowserGym's utilities read an element's id from.
BID_ATTR = "bid"
#: Where BrowserGym's utilities read an AXTree node's element id from.
AX_BID_KEY = "browsergym_id"
INLINE_TEXT_BOX = "InlineTextBox"


def browsergym_objects(
    snapshot: dict[str, Any],
    ax_nodes: list[dict[str, Any]],
    dom: Snapshot,
    ax: AXTree,
    elements: Sequence[Element],
    marks: Sequence[Mark],
    viewport: tuple[int, int],
) -> dict[str, Any]:
    """``dom_object``, ``axtree_object`` and ``extra_element_properties`` of one capture.

    ``snapshot`` and ``ax_nodes`` are the raw CDP answers (changed in place: call this last),
    ``dom``, ``ax`` and ``elements`` what the capture parsed from them, ``marks`` the elements
    a set-of-marks screenshot would mark.
    """
    return {
        "dom_object": _dom_object(snapshot),
        "axtree_object": _axtree_object(ax_nodes, dom, ax),
        "extra_element_properties": _extra_properties(dom, elements, marks, viewport),
    }


def _dom_object(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot with our id attribute named ``bid``, a page's own ``bid`` attribute renamed
    ``data-page-bid`` (two ``bid``s on one element would make its id ambiguous), elements' values
    written as BrowserGym writes them, and no computed style (the capture's own, not BrowserGym's)."""
    strings: list[str] = snapshot["strings"]
    try:
        ours = strings.index(ID_ATTR)
    except ValueError:
        return snapshot  # no element has an id (an empty page)
    page_bid = strings.index(BID_ATTR) if BID_ATTR in strings else -1
    bid = len(strings)
    strings.append(BID_ATTR)
    renamed = -1
    if page_bid >= 0:
        renamed = len(strings)
        strings.append("data-page-bid")
    for document in snapshot["documents"]:
        for attrs in document["nodes"]["attributes"]:
            for k in range(0, len(attrs), 2):
                if attrs[k] == ours:
                    attrs[k] = bid
                elif attrs[k] == page_bid:
                    attrs[k] = renamed
    _write_form_state(snapshot)
    for document in snapshot["documents"]:  # BrowserGym asks for no computed style: none is there
        layout = document["layout"]
        layout["styles"] = [[] for _ in layout["styles"]]
    return snapshot


def _write_form_state(snapshot: dict[str, Any]) -> None:
    """Each element's current ``value`` property as its ``value`` attribute (fields, and the
    buttons, list items, options, selects, progress bars, meters... of `browsergym_values`) and each
    checkbox's and radio's state as its ``checked`` attribute, as BrowserGym writes them into the
    page before its snapshot, so a DOM rendering shows what was typed, chosen and ticked."""
    strings: list[str] = snapshot["strings"]
    ids = {text: k for k, text in reversed(list(enumerate(strings)))}

    def string_id(text: str) -> int:
        if text not in ids:
            ids[text] = len(strings)
            strings.append(text)
        return ids[text]

    value, checked, empty = string_id("value"), string_id("checked"), string_id("")
    checkable = {strings.index(t) for t in ("checkbox", "radio") if t in strings}
    type_id = strings.index("type") if "type" in strings else -2
    for document in snapshot["documents"]:
        nodes = document["nodes"]
        attributes: list[list[int]] = nodes["attributes"]
        for field in ("inputValue", "textValue"):
            rare = nodes.get(field) or {"index": [], "value": []}
            for index, text in zip(rare["index"], rare["value"], strict=True):
                if text >= 0:
                    _set_attribute(attributes[index], value, text)
        for index, shown in element_values(nodes, strings).items():
            _set_attribute(attributes[index], value, string_id(shown))
        ticked = set((nodes.get("inputChecked") or {"index": []})["index"])
        if not checkable and not ticked:
            continue
        for index, attrs in enumerate(attributes):
            if index in ticked:
                _set_attribute(attrs, checked, empty)
            elif any(attrs[k] == type_id and attrs[k + 1] in checkable for k in range(0, len(attrs), 2)):
                _drop_attribute(attrs, checked)


def _set_attribute(attrs: list[int], name: int, value: int) -> None:
    for k in range(0, len(attrs), 2):
        if attrs[k] == name:
            attrs[k + 1] = value
            return
    attrs.extend((name, value))


def _drop_attribute(attrs: list[int], name: int) -> None:
    for k in range(0, len(attrs), 2):
        if attrs[k] == name:
            del attrs[k : k + 2]
            return


def _axtree_object(ax_nodes: list[dict[str, Any]], dom: Snapshot, ax: AXTree) -> dict[str, Any]:
    """Every frame's nodes in one list, the main frame's root first; each node of an element
    with an id carries it as ``browsergym_id``, and each ``<iframe>``'s node lists its frame's
    root among its children (as BrowserGym merges frames). ``InlineTextBox`` nodes are left out
    (and out of their parents' ``childIds``): they only repeat their ``StaticText``'s words, and
    BrowserGym's flattening would print each of them (our own ``axtree`` drops them too)."""
    boxes = {n["nodeId"] for n in ax_nodes if n.get("role", {}).get("value") == INLINE_TEXT_BOX}
    ax_nodes = [n for n in ax_nodes if n["nodeId"] not in boxes]
    for node in ax_nodes:
        children = node.get("childIds", [])
        if boxes and children:
            children = [c for c in children if c not in boxes]
        node["childIds"] = children
        index = dom.backend_to_index.get(node.get("backendDOMNodeId", -1))
        if index is not None and (element_id := dom.element_id(index)):
            node[AX_BID_KEY] = element_id
    for iframe_index, root_id in ax.frame_root_of_iframe.items():
        owner = ax.by_dom.get(iframe_index)
        if owner is not None and root_id not in owner["childIds"]:
            owner["childIds"] = [*owner["childIds"], root_id]
    return {"nodes": ax_nodes}


def _extra_properties(
    dom: Snapshot, elements: Sequence[Element], marks: Sequence[Mark], viewport: tuple[int, int]
) -> dict[str, dict[str, Any]]:
    """Per element id: ``visibility`` (the share of its box inside the viewport, 0 when hidden),
    ``bbox`` (x, y, width, height in viewport CSS pixels, None when not rendered),
    ``clickable`` and ``set_of_marks`` (whether a set-of-marks screenshot marks it)."""
    rendered = {dom.element_id(i) for i in dom.bounds}
    marked = {mark.id for mark in marks}
    return {
        e.id: {
            "visibility": _visible_share(e, viewport),
            "bbox": [float(v) for v in e.bbox] if e.id in rendered else None,
            "clickable": e.clickable,
            "set_of_marks": e.id in marked,
        }
        for e in elements
    }


def _visible_share(element: Element, viewport: tuple[int, int]) -> float:
    x, y, w, h = element.bbox
    if not element.visible or w <= 0 or h <= 0:
        return 0.0
    seen_w = max(0.0, min(x + w, viewport[0]) - max(x, 0.0))
    seen_h = max(0.0, min(y + h, viewport[1]) - max(y, 0.0))
    return round(seen_w * seen_h / (w * h), 3)
