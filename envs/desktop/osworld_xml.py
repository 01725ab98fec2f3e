"""Our AT-SPI snapshot as OSWorld's accessibility-tree XML: the one builder of it here.

OSWorld's VM server dumps the tree as XML: one element per node, its role as the tag (spaces as
hyphens), a ``name`` attribute, each state it holds as ``st:<state>="true"``, its screen box as
``cp:screencoord="(x, y)"`` and ``cp:size="(w, h)"`` when it is visible and showing, its value as
``val:value``, and its Text as the element's text; all under a ``desktop-frame`` root. Two readers
use what `tree_xml` builds from our snapshot (the node dicts of the session's ``observe`` reply):
the ``check_accessibility_tree`` metric (`palaestra.tasks.desktop.osworld.accessibility`), whose
rules select elements of it, and `OSWorldObservation`, whose ``accessibility_tree`` is what
OSWorld's agents parse (their ``filter_nodes`` keeps an element by its tag, its ``showing``,
``visible`` and ``enabled``/``editable``/``expandable``/``checkable`` states, a name or text, and
a box; ``linearize_accessibility_tree`` prints tag, name, text, position and size).

A spreadsheet cell is named by its address in OSWorld's XML (LibreOffice's own name for it, "B3"),
its formula being one of its object attributes (``attr:Formula``, without the "="). Our tree names a
cell ``B3 =A3*2`` for the agent; its XML element is named ``B3`` with ``attr:Formula="A3*2"``.
Not here: the other ``attr:`` object attributes and ``act:`` actions, which our AT-SPI reader does
not read, and nodes off screen (not ``showing``), which it leaves out.

Here rather than beside the metric because an environment wrapper needs it too and must not
import OSWorld's task loader; lxml only.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

#: The namespaces of OSWorld's XML for the ubuntu platform (its rules and agents use these prefixes).
NS = {
    name: f"https://accessibility.ubuntu.example.org/ns/{path}"
    for name, path in {
        "st": "state",
        "attr": "attributes",
        "cp": "component",
        "doc": "document",
        "docattr": "document/attributes",
        "txt": "text",
        "val": "value",
        "act": "action",
    }.items()
}
#: Characters XML 1.0 cannot hold (lxml refuses them), and the object replacement characters
#: OSWorld takes out of a node's text.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ufffc\ufffd]")
TAG = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
#: A sheet cell's name in our tree: its address, then its formula when it holds one.
CELL_NAME = re.compile(r"([A-Z]+[0-9]+)(?: =(.*))?", re.DOTALL)


def clean_text(text: str) -> str:
    """``text`` without the characters XML cannot hold and OSWorld drops (see `NOT_XML`)."""
    return NOT_XML.sub("", text)


def tree_xml(nodes: list[dict[str, Any]]) -> etree._Element:
    """Our snapshot as OSWorld's XML: ``desktop-frame`` holding each application's tree."""
    by_key = {n["key"]: n for n in nodes}
    root = etree.Element("desktop-frame", nsmap=NS)

    def add(parent: etree._Element, node: dict[str, Any]) -> None:
        tag = str(node.get("role") or "unknown").strip().replace(" ", "-")
        element = etree.SubElement(parent, tag if TAG.fullmatch(tag) else "unknown")
        name = clean_text(str(node.get("name") or ""))
        cell = CELL_NAME.fullmatch(name) if node.get("role") == "table cell" else None
        if cell is not None:
            name = cell.group(1)
            if cell.group(2) is not None:
                element.set(f"{{{NS['attr']}}}Formula", cell.group(2))
        element.set("name", name)
        states = set(node.get("states") or ())
        for state in sorted(states):
            element.set(f"{{{NS['st']}}}{state.replace('-', '_')}", "true")
        box = node.get("box")
        if box and {"visible", "showing"} <= states:
            element.set(f"{{{NS['cp']}}}screencoord", f"({int(box[0])}, {int(box[1])})")
            element.set(f"{{{NS['cp']}}}size", f"({int(box[2])}, {int(box[3])})")
        if node.get("value") is not None:
            element.set(f"{{{NS['val']}}}value", str(float(node["value"])))
        if node.get("text"):
            element.text = clean_text(str(node["text"]))
        for child in node.get("children") or ():
            if child in by_key:
                add(element, by_key[child])

    for node in nodes:
        if node.get("parent") not in by_key:
            add(root, node)
    return root


def tree_xml_text(nodes: list[dict[str, Any]]) -> str:
    """`tree_xml` as the string OSWorld's ``accessibility_tree`` observation holds."""
    return etree.tostring(tree_xml(nodes), encoding="unicode")
