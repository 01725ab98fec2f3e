"""A flattened view of ``DOMSnapshot.captureSnapshot`` across documents, and the pruned DOM text.

The snapshot is one CDP call that returns every node of every same-process frame (shadow roots
included) with its attributes, layout box, computed styles and form state; each out-of-process
frame adds one of its own (`palaestra.envs.oopif`), hung under its ``<iframe>`` here. Indexing it once here
gives the element records, the AXTree join and the pruned HTML the agent reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from palaestra.envs.frame_paint import nest_frame_ranks
from palaestra.envs.frame_parts import PART_SPAN, FramePart

ID_ATTR = "data-pal-id"
#: The computed styles every snapshot asks for, in this order (``styles[i][0]`` is visibility).
#: ``overflow`` (the shorthand: one style, not two) and ``position`` say which boxes clip their
#: descendants (`palaestra.envs.clipping`).
BASE_STYLES = ["visibility", "opacity", "cursor", "overflow", "position"]
VISIBILITY, OPACITY, CURSOR, OVERFLOW, POSITION = range(len(BASE_STYLES))
#: Elements whose document may be out of process (an HTML ``<object>`` or ``<embed>`` is a frame).
FRAME_TAGS = frozenset({"iframe", "frame", "object", "embed"})
#: Elements never shown in the pruned DOM.
SKIPPED_TAGS = {"script", "style", "head", "meta", "link", "noscript", "template", "title", "base"}
#: Attributes kept in the pruned DOM (plus every aria-* attribute).
KEPT_ATTRIBUTES = {
    "id", "class", "type", "name", "value", "placeholder", "href", "alt", "title", "role", "for",
    "checked", "selected", "disabled", "readonly", "min", "max", "step", "src", "tabindex",
    "contenteditable", "draggable", "required", "multiple", "open", "maxlength",
}  # fmt: skip
#: Attributes that hold a control's *initial* state, left out of the pruned DOM where the snapshot
#: gives the current one (``checked``/``selected`` after them): a box the agent unticked kept its
#: ``checked`` attribute, and a newly chosen option showed beside the default one as selected.
_STATE_ATTRIBUTES = {"input": ("checked",), "option": ("selected",)}
#: Inside <svg>, the geometry and paint are the content.
SVG_ATTRIBUTES = {
    "fill", "stroke", "cx", "cy", "r", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "points", "d",
    "transform", "rx", "ry",
}  # fmt: skip


class Snapshot:
    """A flattened view of ``DOMSnapshot.captureSnapshot`` across all documents (frames)."""

    def __init__(
        self, raw: dict[str, Any], max_text_chars: int, frame_parts: Sequence[FramePart] = ()
    ) -> None:
        self.max_text_chars = max_text_chars
        # Global node index -> fields. Documents are concatenated; offsets map local indices.
        self.tag: list[str] = []
        self.node_type: list[int] = []
        self.value: list[str] = []
        self.parent: list[int] = []
        self.attrs: list[dict[str, str]] = []
        self.children: list[list[int]] = []
        self.backend_to_index: dict[int, int] = {}
        self.bounds: dict[int, tuple[float, float, float, float]] = {}
        self.styles: dict[int, list[str]] = {}
        self.input_value: dict[int, str] = {}
        self.checked: set[int] = set()
        self.option_selected: set[int] = set()
        self.clickable: set[int] = set()
        #: Layout node -> its layer's paint rank (higher is on top); empty unless asked for.
        self.paint_order: dict[int, int] = {}
        self.doc_roots: list[int] = []
        #: Every document's URL: a link to one of them plus a fragment leads nowhere new.
        self.document_urls: set[str] = set()
        self._has_inert = False
        self._paint_top = -1  # the highest paint rank so far
        self._doc_ranks: list[tuple[int, int, list[int]]] = []  # root, rank shift, ranks
        self._add_documents(raw, 0, 0)
        if frame_parts:
            # Out-of-process frames, parents before children: an owner is found before its frame.
            owners = self._frame_owners(0)
            for part in frame_parts:
                owner = owners.get(part.owner_id)
                if owner is None:  # its <iframe> is gone from the page's snapshot: nowhere to show it
                    continue
                root = len(self.tag)
                # Ranked after all so far, as Chromium numbers a same-process frame's layers
                # (`nest_frame_ranks` then puts them in their <iframe>'s).
                self._add_documents(part.snapshot, part.part * PART_SPAN, self._paint_top + 1)
                self._hang(owner, root, len(self.tag))
                owners.update(self._frame_owners(root))
        if self.paint_order and len(self._doc_ranks) > 1:
            self.paint_order = nest_frame_ranks(self.paint_order, self._doc_ranks, self.parent)
        self._rendered = self._compute_rendered()
        self._inert = self._compute_inert() if self._has_inert else set()

    def _add_documents(self, raw: dict[str, Any], backend_base: int, paint_base: int) -> None:
        """Append one capture's documents; its same-process frames go under their <iframe>s.
        ``backend_base`` and ``paint_base`` move its backend node ids and paint ranks."""
        strings: list[str] = raw["strings"]
        self._has_inert = self._has_inert or "inert" in strings
        content_doc: dict[int, int] = {}
        offsets: list[int] = []
        first = len(self.tag)
        for doc in raw["documents"]:
            offset = len(self.tag)
            offsets.append(offset)
            self.doc_roots.append(offset)
            if doc.get("documentURL", -1) >= 0:
                self.document_urls.add(strings[doc["documentURL"]])
            nodes = doc["nodes"]
            n = len(nodes["nodeType"])
            for i in range(n):
                self.node_type.append(nodes["nodeType"][i])
                self.tag.append(strings[nodes["nodeName"][i]].lower())
                v = nodes["nodeValue"][i]
                self.value.append(strings[v] if v >= 0 else "")
                p = nodes["parentIndex"][i]
                self.parent.append(p + offset if p >= 0 else -1)
                flat = nodes["attributes"][i]
                self.attrs.append(
                    {
                        strings[flat[k]]: strings[flat[k + 1]] if flat[k + 1] >= 0 else ""
                        for k in range(0, len(flat), 2)
                    }
                )
                self.children.append([])
                self.backend_to_index[nodes["backendNodeId"][i] + backend_base] = offset + i
            for name, target in (("inputValue", self.input_value),):
                rare = nodes.get(name, {"index": [], "value": []})
                for idx, val in zip(rare["index"], rare["value"], strict=False):
                    target[offset + idx] = strings[val] if val >= 0 else ""
            for name, bucket in (
                ("inputChecked", self.checked),
                ("optionSelected", self.option_selected),
                ("isClickable", self.clickable),
            ):
                for idx in nodes.get(name, {"index": []})["index"]:
                    bucket.add(offset + idx)
            for idx, text_idx in zip(
                nodes.get("textValue", {"index": []})["index"],
                nodes.get("textValue", {"value": []})["value"],
                strict=False,
            ):
                self.input_value[offset + idx] = strings[text_idx] if text_idx >= 0 else ""
            for idx, doc_idx in zip(
                nodes.get("contentDocumentIndex", {"index": []})["index"],
                nodes.get("contentDocumentIndex", {"value": []})["value"],
                strict=False,
            ):
                content_doc[offset + idx] = doc_idx
            layout = doc["layout"]
            scroll_x, scroll_y = doc.get("scrollOffsetX", 0.0), doc.get("scrollOffsetY", 0.0)
            paint_orders = layout.get("paintOrders")
            self._doc_ranks.append((offset, paint_base, paint_orders or []))
            if paint_orders:
                self._paint_top = max(self._paint_top, max(paint_orders) + paint_base)
            for k, node_idx in enumerate(layout["nodeIndex"]):
                gi = offset + node_idx
                if gi not in self.bounds:  # the first layout object of a node is its box
                    x, y, w, h = layout["bounds"][k]
                    self.bounds[gi] = (x - scroll_x, y - scroll_y, w, h)
                    self.styles[gi] = [strings[s] if s >= 0 else "" for s in layout["styles"][k]]
                    if paint_orders is not None:
                        self.paint_order[gi] = paint_orders[k] + paint_base
        for i in range(first, len(self.parent)):
            if self.parent[i] >= 0:
                self.children[self.parent[i]].append(i)
        for owner, doc_idx in sorted(content_doc.items()):
            end = offsets[doc_idx + 1] if doc_idx + 1 < len(offsets) else len(self.tag)
            self._hang(owner, offsets[doc_idx], end)

    def _hang(self, owner: int, root: int, end: int) -> None:
        """Put the document at ``root`` (its nodes up to ``end``) under its ``<iframe>`` ``owner``,
        its boxes shifted by the ``<iframe>``'s position in the parent."""
        self.children[owner].append(root)
        self.parent[root] = owner
        ox, oy = self.bounds.get(owner, (0.0, 0.0, 0.0, 0.0))[:2]
        for gi in range(root, end):
            if gi in self.bounds:
                x, y, w, h = self.bounds[gi]
                self.bounds[gi] = (x + ox, y + oy, w, h)

    def _frame_owners(self, start: int) -> dict[str, int]:
        """The ``<iframe>``s and ``<frame>``s from node ``start`` on, by element id."""
        return {
            attrs[ID_ATTR]: i
            for i in range(start, len(self.tag))
            if self.tag[i] in FRAME_TAGS and ID_ATTR in (attrs := self.attrs[i])
        }

    def element_id(self, i: int) -> str:
        return self.attrs[i].get(ID_ATTR, "")

    def parent_element_id(self, i: int) -> str:
        """The id of the nearest ancestor that has one (crossing shadow roots and iframes)."""
        p = self.parent[i]
        while p >= 0:
            if ID_ATTR in self.attrs[p]:
                return self.attrs[p][ID_ATTR]
            p = self.parent[p]
        return ""

    def is_visible(self, i: int) -> bool:
        box = self.bounds.get(i)
        if box is None or box[2] <= 0 or box[3] <= 0:
            return False
        visibility, opacity = self.styles[i][0], self.styles[i][1]
        return visibility != "hidden" and opacity not in ("0",)

    def is_inert(self, i: int) -> bool:
        """Whether node ``i`` is in an ``inert`` subtree (an inert ``<iframe>``'s document too): no
        clicks, focus or typing reach it. (Read from the attribute, at no cost on the pages without
        one: the new CSS ``interactivity: inert`` would cost a computed style on every node.)"""
        return i in self._inert

    def _compute_inert(self) -> set[int]:
        # A parent comes before its children (documents are listed after their frame's owner).
        inert: set[int] = set()
        for i, attrs in enumerate(self.attrs):
            if "inert" in attrs or self.parent[i] in inert:
                inert.add(i)
        return inert

    def _compute_rendered(self) -> list[bool]:
        """Whether a node or any descendant has a layout box (or is a <select>'s option)."""
        rendered = [i in self.bounds or self.tag[i] in ("option", "optgroup") for i in range(len(self.tag))]
        for i in range(len(self.tag) - 1, -1, -1):
            if rendered[i] and self.parent[i] >= 0:
                rendered[self.parent[i]] = True
        return rendered

    def text(self, i: int) -> str:
        """The text inside node ``i``, whitespace-collapsed and cut at ``max_text_chars``."""
        parts: list[str] = []
        size = 0
        stack = [i]
        while stack and size < self.max_text_chars:
            j = stack.pop()
            if self.node_type[j] == 3:
                chunk = self.value[j].strip()
                if chunk:
                    parts.append(chunk)
                    size += len(chunk)
            elif self.tag[j] not in SKIPPED_TAGS and self._rendered[j]:
                stack.extend(reversed(self.children[j]))
        return " ".join(" ".join(parts).split())[: self.max_text_chars]

    def render(self) -> str:
        """Pruned HTML: no scripts or styles, no unrendered subtrees, few attributes, ids as bid="..."."""
        out: list[str] = []
        for root in self.doc_roots:
            if self.parent[root] < 0:
                self._render(root, 0, out)
        return "\n".join(out)

    def _render(self, i: int, depth: int, out: list[str]) -> None:
        kind, tag = self.node_type[i], self.tag[i]
        if kind == 3:
            text = " ".join(self.value[i].split())
            if text:
                out.append("  " * depth + text)
            return
        if kind == 9 or kind == 11 or tag == "#document-fragment":  # document or shadow root
            for child in self.children[i]:
                self._render(child, depth, out)
            return
        if kind != 1 or tag in SKIPPED_TAGS or not self._rendered[i]:
            return
        attrs = self.attrs[i]
        keep = SVG_ATTRIBUTES if self._in_svg(i) else set()
        shown = [f'bid="{attrs[ID_ATTR]}"'] if ID_ATTR in attrs else []
        stale = _STATE_ATTRIBUTES.get(tag, ())
        for name, value in attrs.items():
            if name in KEPT_ATTRIBUTES or name in keep or name.startswith("aria-"):
                if (name == "value" and i in self.input_value) or name in stale:
                    continue
                value = " ".join(value.split())  # one element per line, whatever the page wrote
                shown.append(f'{name}="{value[:80]}"' if value else name)
        if i in self.input_value and tag in ("input", "textarea", "select"):
            shown.append(f'value="{self.shown_value(i)[:200]}"')
        if i in self.checked:
            shown.append("checked")
        if i in self.option_selected:
            shown.append("selected")
        if not self.is_visible(i) and i in self.bounds:
            shown.append("hidden")
        if self.is_inert(i) and not self.is_inert(self.parent[i]):  # where an inert subtree starts
            shown.append("inert")
        opening = f"<{tag}{' ' if shown else ''}{' '.join(shown)}>"
        if tag == "textarea":  # its text is the default value, stale once edited: `value` says it
            out.append("  " * depth + opening + f"</{tag}>")
            return
        kids = [c for c in self.children[i] if self.node_type[c] != 3 or self.value[c].strip()]
        if len(kids) == 1 and self.node_type[kids[0]] == 3:
            out.append("  " * depth + opening + " ".join(self.value[kids[0]].split()) + f"</{tag}>")
            return
        out.append("  " * depth + opening)
        for child in kids:
            self._render(child, depth + 1, out)

    def current_value(self, i: int) -> str:
        """The current value of form control ``i`` ("" if none), a password's masked as the page
        shows it: one bullet per character, as Chromium's accessibility tree has it. Observations
        go into traces, the UI and model providers' logs; the agent typed the password itself."""
        value = self.input_value.get(i, "")
        if self.tag[i] == "input" and self.attrs[i].get("type", "").lower() == "password":
            return "\u2022" * len(value)
        return value

    def shown_value(self, i: int) -> str:
        """`current_value` on one line (a textarea's line breaks written ``\\n``)."""
        return self.current_value(i).replace("\r\n", "\n").replace("\n", "\\n")

    def _in_svg(self, i: int) -> bool:
        while i >= 0:
            if self.tag[i] == "svg":
                return True
            i = self.parent[i]
        return False
