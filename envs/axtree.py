"""The accessibility tree of all frames, joined to the DOM snapshot, and its text rendering.

Chromium's full AXTree is mostly noise for an agent: ``InlineTextBox`` nodes (up to 45% of the
tokens on Chromium 156), ignored nodes and anonymous wrappers. The rendering drops them and prefixes
every node that belongs to an element with that element's id.
"""

from __future__ import annotations

from typing import Any

from palaestra.envs.snapshot import Snapshot

#: AXTree properties worth showing an agent; the rest (focusable, settable, ...) are noise.
AX_PROPERTIES = (
    "focused", "checked", "selected", "expanded", "pressed", "disabled", "required", "readonly", "invalid",
    "level",
)  # fmt: skip
#: Properties whose ``false`` says something: a collapsed menu button or an unpressed toggle is a
#: control the agent can open or press, which a plain button is not.
SHOWN_WHEN_FALSE = {"expanded", "pressed"}
#: Roles whose ``level`` is shown: a heading's rank and a tree item's depth carry meaning; a list
#: item's (Chromium gives every one its nesting depth) would only add a word to every line.
LEVEL_ROLES = {"heading", "treeitem"}
#: The longest link URL shown whole in the tree (a tracking link's query string can run to pages).
MAX_URL_CHARS = 200
#: Text field roles, whose ``placeholder`` is shown while they are empty (as the page shows it).
TEXT_FIELD_ROLES = {"textbox", "searchbox", "combobox", "spinbutton"}
#: Roles that only wrap other nodes; shown only when they carry an id worth acting on.
WRAPPER_ROLES = {"generic", "none", "presentation", "group", "LineBreak", "paragraph", "Section"}


class AXTree:
    """The accessibility tree of all frames, joined to the DOM snapshot by backend node id."""

    def __init__(self, nodes: list[dict[str, Any]], dom: Snapshot) -> None:
        self.nodes = {n["nodeId"]: n for n in nodes}
        self.roots = [n["nodeId"] for n in nodes if not n.get("parentId") or n["parentId"] not in self.nodes]
        self.by_dom: dict[int, dict[str, Any]] = {}
        for n in nodes:
            backend = n.get("backendDOMNodeId")
            if backend is not None and backend in dom.backend_to_index:
                index = dom.backend_to_index[backend]
                if index not in self.by_dom or not n.get("ignored"):
                    self.by_dom[index] = n
        # Main-frame roots first: the child frames' roots hang below their <iframe> nodes.
        frame_roots = {n["nodeId"] for n in nodes if n.get("role", {}).get("value") == "RootWebArea"}
        self.frame_root_of_iframe: dict[int, str] = {}
        for rid in frame_roots:
            backend = self.nodes[rid].get("backendDOMNodeId")
            root_index = dom.backend_to_index.get(backend) if backend is not None else None
            if root_index is not None and dom.parent[root_index] >= 0:
                self.frame_root_of_iframe[dom.parent[root_index]] = rid
        self.roots = [r for r in self.roots if r not in frame_roots or r == self.roots[0]]

    @staticmethod
    def role(node: dict[str, Any]) -> str:
        return str(node.get("role", {}).get("value", ""))

    @staticmethod
    def name(node: dict[str, Any]) -> str:
        return " ".join(str(node.get("name", {}).get("value", "")).split())

    @staticmethod
    def value(node: dict[str, Any]) -> str:
        return str(node.get("value", {}).get("value", "")) if "value" in node else ""

    @staticmethod
    def properties(node: dict[str, Any]) -> dict[str, Any]:
        return {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", [])}

    def _shown_properties(self, node: dict[str, Any]) -> list[str]:
        """``checked``, ``expanded=false``, ``level=2``...: the `AX_PROPERTIES` that say something."""
        props = self.properties(node)
        shown = []
        for prop in AX_PROPERTIES:
            value = props.get(prop)
            if prop == "level" and self.role(node) not in LEVEL_ROLES:
                continue
            if value in (False, "false") and prop in SHOWN_WHEN_FALSE:
                shown.append(f"{prop}=false")
            elif value not in (None, False, "false", ""):
                shown.append(prop if value is True or value == "true" else f"{prop}={value}")
        return shown

    def modal_dialogs(self, dom: Snapshot) -> set[int]:
        """The snapshot indices of the open ``<dialog>``s shown with ``showModal`` (``modal`` here):
        the page outside them is inert, and their ``::backdrop`` takes the clicks there."""
        return {
            i
            for i, node in self.by_dom.items()
            if dom.tag[i] == "dialog" and self.properties(node).get("modal") is True
        }

    def render(self, dom: Snapshot, max_lines: int = 0, offscreen: frozenset[str] = frozenset()) -> str:
        """One node per line, indented; nodes that carry an element id start with ``[id]``, and end
        with ``offscreen`` when that element is in ``offscreen`` (laid out, but out of view: the
        agent must scroll to it before a person could see it).

        ``max_lines`` (0: no cut) keeps that many lines, from where the viewport starts, and says
        how many it left out above and below (see `cut_to_viewport`)."""
        lines: list[tuple[str, int | None]] = []
        for root in self.roots:
            self._render(root, 0, frozenset(), dom, lines, offscreen)
        if max_lines and len(lines) > max_lines:
            return cut_to_viewport(lines, dom, max_lines)
        return "\n".join(line for line, _ in lines)

    def _render(
        self,
        node_id: str,
        depth: int,
        parent_texts: frozenset[str],
        dom: Snapshot,
        lines: list[tuple[str, int | None]],
        offscreen: frozenset[str] = frozenset(),
    ) -> None:
        node = self.nodes.get(node_id)
        if node is None:
            return
        role = self.role(node)
        if role == "InlineTextBox":
            return
        index = dom.backend_to_index.get(node.get("backendDOMNodeId", -1))
        element_id = dom.element_id(index) if index is not None else ""
        name = self.name(node)
        shown = not node.get("ignored")
        if (
            shown
            and role in WRAPPER_ROLES
            and not name
            and not (index is not None and index in dom.clickable)
        ):
            shown = False
        if shown and role == "StaticText" and (not name or name in parent_texts):  # said just above
            shown = False
        child_depth = depth
        if shown:
            parts = [f"[{element_id}]"] if element_id else []
            parts.append(role)
            if name:
                parts.append(repr(name))
            value = self.value(node)
            if value and value != name:
                parts.append(f"value={value!r}")
            parts.extend(self._shown_properties(node))
            if role == "link":
                parts.extend(link_url(self.properties(node).get("url"), dom))
            if not value and role in TEXT_FIELD_ROLES and index is not None:
                placeholder = " ".join(dom.attrs[index].get("placeholder", "").split())
                if placeholder and placeholder != name:  # else it is the name already
                    parts.append(f"placeholder={placeholder!r}")
            if element_id in offscreen:
                parts.append("offscreen")
            lines.append(("  " * depth + " ".join(parts), index))
            child_depth = depth + 1
            # A field's text children repeat its value (each line of a textarea's): shown once.
            parent_texts = frozenset({name, *(" ".join(line.split()) for line in value.splitlines())})
        for child in node.get("childIds", []):
            self._render(child, child_depth, parent_texts, dom, lines, offscreen)
        if index is not None and index in self.frame_root_of_iframe:
            self._render(self.frame_root_of_iframe[index], child_depth, parent_texts, dom, lines, offscreen)


def link_url(url: Any, dom: Snapshot) -> list[str]:
    """``url='...'`` for a link that leads somewhere, as BrowserGym's and WebArena's trees show
    it (the agent can ``goto`` it, or tell two "Edit" links apart); nothing for a link to the page
    itself plus a fragment (``href="#"``, a script's link) or a ``javascript:`` one. Long URLs are
    cut at ``MAX_URL_CHARS`` (with ``…``)."""
    if not isinstance(url, str) or not url or url.lower().startswith("javascript:"):
        return []
    if url.split("#", 1)[0] in dom.document_urls and "#" in url:
        return []
    shown = url if len(url) <= MAX_URL_CHARS else url[: MAX_URL_CHARS - 1] + "\u2026"
    return [f"url={shown!r}"]


def cut_to_viewport(lines: list[tuple[str, int | None]], dom: Snapshot, max_lines: int) -> str:
    """``max_lines`` of the rendered ``lines`` (text, snapshot index), starting after the last
    node laid out wholly above the viewport, so that scrolling moves the window over a huge page;
    a first and a last line say how many lines were left out on each side and how to see them.

    Nodes with no box (or an empty one, or one off to the left: visually hidden text) do not
    move the start. A page scrolled to its end shows its last ``max_lines`` lines."""
    start = 0
    for k, (_, index) in enumerate(lines):
        box = dom.bounds.get(index) if index is not None else None
        if box and box[2] > 1 and box[3] > 1 and box[0] + box[2] > 0 and box[1] + box[3] <= 0:
            start = k + 1
    start = max(0, min(start, len(lines) - max_lines))
    end = start + max_lines
    kept = [line for line, _ in lines[start:end]]
    if start:
        kept.insert(0, f"({start:,} lines above the viewport left out: scroll up to see them)")
    if end < len(lines):
        kept.append(f"({len(lines) - end:,} lines below left out: scroll down to see them)")
    return "\n".join(kept)
