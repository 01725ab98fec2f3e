"""An AT-SPI snapshot as the agent sees it: element ids stable within an episode, the text tree,
and element records with the same keys as the browser's, so abstraction and agents work on both;
and where on screen an action on an id lands (``DesktopTree.point_of``), read from the same boxes.

A line reads ``[12] push button 'Save' focused (480,419,59,34)``: id, role, name, value, states and
the screen box (x, y, width, height in pixels), indented under its parent. Anonymous containers
(fillers, panels without a name) are left out and their children moved up, as the browser's
rendering leaves out generic wrappers. A control without a name is named by its tooltip, which
GTK gives as the accessible's description, its own or its one-child wrapper's (GIMP's tool buttons).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from palaestra.errors import ActionError

WRAPPER_ROLES = {
    "filler",
    "panel",
    "scroll pane",
    "viewport",
    "layered pane",
    "root pane",
    "glass pane",
    "unknown",
    "redundant object",
    "section",
    "split pane",
    "tool bar",
    "menu bar",
    "page tab list",
}
#: Roles an agent acts on by clicking or typing.
INTERACTIVE_ROLES = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "menu",
    "menu item",
    "check menu item",
    "radio menu item",
    "combo box",
    "text",
    "entry",
    "password text",
    "spin button",
    "slider",
    "page tab",
    "list item",
    "table cell",
    "icon",
    "link",
    "tree item",
    "toggle",
    "button",
    "editbar",
    "paragraph",
}
SHOWN_STATES = ("focused", "checked", "pressed", "selected", "expanded", "modal", "read-only", "editable")


@dataclass
class ElementIds:
    """Gives each accessible object an id the first time it is seen in an episode."""

    ids: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str:
        if key not in self.ids:
            self.ids[key] = str(len(self.ids) + 1)
        return self.ids[key]


@dataclass
class DesktopTree:
    text: str
    elements: list[dict[str, Any]]
    focused: str
    #: Element id -> the index of the popup window it is drawn in (asked for with set-of-marks only).
    popup_of: dict[str, int] = field(default_factory=dict)

    def box_of(self, element_id: str) -> tuple[int, int, int, int] | None:
        for el in self.elements:
            if el["id"] == element_id:
                return tuple(el["bbox"]) if el["visible"] else None
        return None

    def point_of(self, element_id: str) -> tuple[float, float]:
        """The screen point an action on ``element_id`` aims at: the middle of its box. An id not on
        screen is the agent's mistake, an ``ActionError`` that says which mistake."""
        box = self.box_of(element_id)
        if box is None:
            known = any(el["id"] == element_id for el in self.elements)
            raise ActionError(
                f"Element {element_id!r} is not on screen."
                if known
                else f"No element {element_id!r} in the last observation; use an id from its axtree or x, y."
            )
        x, y, w, h = box
        own_bottom = self._first_nested_row(element_id, (x + w / 2, y + h / 2))
        if own_bottom is not None and own_bottom > y:  # aim at its own row, above its nested ones
            return x + w / 2, (y + own_bottom) / 2
        return x + w / 2, y + h / 2

    def _first_nested_row(self, element_id: str, point: tuple[float, float]) -> int | None:
        """The top of the first row nested in ``element_id`` when one covers ``point``, else None.
        An expanded tree row in Gecko (Thunderbird's folder pane) has a box that spans the rows of
        its subfolders, so the middle of its box is one of theirs, not its own."""
        by_id = {el["id"]: el for el in self.elements}
        role = by_id[element_id]["role"]

        def nested(el: dict[str, Any]) -> bool:
            parent = el["parent"]
            while parent:
                if parent == element_id:
                    return True
                parent = by_id[parent]["parent"] if parent in by_id else ""
            return False

        rows = [el["bbox"] for el in self.elements if el["role"] == role and el["visible"] and nested(el)]
        px, py = point
        if not any(bx <= px < bx + bw and by <= py < by + bh for bx, by, bw, bh in rows):
            return None
        return min(by for _bx, by, _bw, _bh in rows)


def build_tree(nodes: list[dict[str, Any]], ids: ElementIds, screen: tuple[int, int]) -> DesktopTree:
    by_key = {n["key"]: n for n in nodes}
    roots = [n for n in nodes if n["parent"] not in by_key]
    lines: list[str] = []
    elements: list[dict[str, Any]] = []
    popup_of: dict[str, int] = {}
    focused = ""

    def visit(node: dict[str, Any], depth: int, parent_id: str, app: str) -> None:
        nonlocal focused
        states = set(node["states"])
        role, name = node["role"], node["name"] or _tooltip_name(node, by_key)
        # The application's name, not its D-Bus connection (":1.42"), which changes at every start
        # of the app and so made observations of the same seed differ (Gymnasium's reset contract).
        app = name if role == "application" else app
        shown = bool(name) or role not in WRAPPER_ROLES or "focusable" in states
        element_id = parent_id
        if shown:
            element_id = ids.get(node["key"])
            value = _value(node)
            box = node["box"] or [0, 0, 0, 0]
            parts = [f"[{element_id}]", role or "unknown"]
            if name:
                parts.append(repr(name))
            if value and value != name:
                parts.append(f"value={value!r}")
            parts += [
                s for s in SHOWN_STATES if s in states and not (s == "editable" and "focused" in states)
            ]
            if role in INTERACTIVE_ROLES and "enabled" not in states and "sensitive" not in states:
                parts.append("disabled")
            if box[2] > 0 and box[3] > 0:
                parts.append("({},{},{},{})".format(*box))
            lines.append("  " * depth + " ".join(parts))
            if "focused" in states:
                focused = element_id
            if node.get("popup", -1) >= 0:
                popup_of[element_id] = node["popup"]
            width, height = screen
            visible = box[2] > 0 and box[3] > 0
            elements.append(
                {
                    "id": element_id,
                    "tag": role,
                    "role": role,
                    "name": name,
                    "value": value,
                    "text": node["text"] if node["text"] is not None else name,
                    "bbox": tuple(box),
                    "visible": visible,
                    "in_viewport": visible
                    and box[0] < width
                    and box[1] < height
                    and box[0] + box[2] > 0
                    and box[1] + box[3] > 0,
                    "clickable": role in INTERACTIVE_ROLES or "focusable" in states,
                    "editable": "editable" in states,
                    "checked": _flag(states, "checked", "checkable"),
                    "selected": _flag(states, "selected", "selectable"),
                    "focused": "focused" in states,
                    "attributes": {"states": " ".join(sorted(states)), "app": app},
                    "parent": parent_id,
                }
            )
            depth += 1
        for child in node["children"]:
            if child in by_key:
                visit(by_key[child], depth, element_id, app)

    for root in roots:
        visit(root, 0, "", "")
    return DesktopTree(text="\n".join(lines), elements=elements, focused=focused, popup_of=popup_of)


def _tooltip_name(node: dict[str, Any], by_key: dict[str, dict[str, Any]]) -> str:
    """An unnamed control's tooltip (the first line of its description), or its wrapper's when it is
    the wrapper's only child: a GTK tool item holds the tooltip and the button inside it none."""
    if node["role"] not in INTERACTIVE_ROLES:
        return ""
    if node.get("description"):
        return str(node["description"])
    parent = by_key.get(node["parent"])
    if (
        parent
        and not parent["name"]
        and parent["role"] in WRAPPER_ROLES
        and parent["children"] == [node["key"]]
    ):
        return str(parent.get("description", ""))
    return ""


def _value(node: dict[str, Any]) -> str:
    if node["text"] is not None and node["text"].strip():
        return str(node["text"]).rstrip()
    if node["value"] is not None:
        value = float(node["value"])
        return str(int(value)) if value.is_integer() else f"{value:g}"
    return ""


def _flag(states: set[str], on: str, able: str) -> bool | None:
    return True if on in states else (False if able in states else None)
