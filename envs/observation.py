"""Turning a page into an observation: element ids, accessibility tree, pruned DOM, elements, pixels.

One step costs one pass of id marking per frame and three CDP calls sent together on the page's one
CDP session: ``DOMSnapshot.captureSnapshot``, ``Accessibility.getFullAXTree`` (once per frame) and,
when asked for, ``Page.captureScreenshot``. Everything else is computed here in Python.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from playwright.async_api import CDPSession, Frame, Page
from playwright.async_api import Error as PlaywrightError

ID_ATTR = "data-pal-id"
MARK_JS = (Path(__file__).parent / "js" / "mark.js").read_text()
SNAPSHOT_STYLES = ["visibility", "opacity", "cursor"]

#: AXTree properties worth showing an agent; the rest (focusable, settable, ...) are noise.
AX_PROPERTIES = ("focused", "checked", "selected", "expanded", "pressed", "disabled", "required", "readonly")
#: Roles that only wrap other nodes; shown only when they carry an id worth acting on.
WRAPPER_ROLES = {"generic", "none", "presentation", "group", "LineBreak", "paragraph", "Section"}
#: Elements never shown in the pruned DOM.
SKIPPED_TAGS = {"script", "style", "head", "meta", "link", "noscript", "template", "title", "base"}
#: Attributes kept in the pruned DOM (plus every aria-* attribute).
KEPT_ATTRIBUTES = {
    "id",
    "class",
    "type",
    "name",
    "value",
    "placeholder",
    "href",
    "alt",
    "title",
    "role",
    "for",
    "checked",
    "selected",
    "disabled",
    "readonly",
    "min",
    "max",
    "step",
    "src",
    "tabindex",
    "contenteditable",
    "draggable",
}
SVG_ATTRIBUTES = {
    "fill",
    "stroke",
    "cx",
    "cy",
    "r",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "width",
    "height",
    "points",
    "d",
    "transform",
    "rx",
    "ry",
}
EDITABLE_INPUT_TYPES = {
    "",
    "text",
    "password",
    "email",
    "search",
    "tel",
    "url",
    "number",
    "date",
    "time",
    "datetime-local",
    "month",
    "week",
}


@dataclass(frozen=True)
class ObsConfig:
    """Which parts of the observation to compute. An agent that reads only text skips the pixels."""

    axtree: bool = True
    dom: bool = True
    elements: bool = True
    screenshot: bool = True
    screenshot_format: str = "png"  # "png" is lossless; "jpeg" is faster to encode and decode
    max_text_chars: int = 200


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


class FrameIds:
    """Gives each frame of an episode a stable id prefix ("" for the main frame, then a, b, ...)."""

    def __init__(self) -> None:
        self._prefix: dict[Frame, str] = {}
        self._next: dict[str, int] = {}

    def prefix(self, frame: Frame) -> str:
        if frame not in self._prefix:
            n = len(self._prefix)
            self._prefix[frame] = "" if frame.parent_frame is None else _letters(n)
        return self._prefix[frame]

    def frame_for(self, element_id: str, page: Page) -> Frame | None:
        prefix = element_id.rstrip("0123456789")
        for frame in page.frames:
            if self._prefix.get(frame) == prefix:
                return frame
        return None

    async def mark(self, page: Page) -> None:
        """Give every element of every frame an id (existing ids are kept)."""

        async def mark_frame(frame: Frame) -> None:
            prefix = self.prefix(frame)
            # A frame that detaches or navigates while we mark keeps no ids this step.
            with contextlib.suppress(PlaywrightError):
                self._next[prefix] = await frame.evaluate(MARK_JS, [prefix, self._next.get(prefix, 1)])

        await asyncio.gather(*(mark_frame(f) for f in page.frames if not f.is_detached()))


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rem = divmod(n - 1, 26)
        out = chr(ord("a") + rem) + out
    return out


async def capture(page: Page, cdp: CDPSession, frame_ids: FrameIds, config: ObsConfig) -> dict[str, Any]:
    """Compute the configured parts of the observation of ``page``."""
    await frame_ids.mark(page)
    want_tree = config.axtree or config.elements or config.dom
    calls: list[Any] = [
        cdp.send("DOMSnapshot.captureSnapshot", {"computedStyles": SNAPSHOT_STYLES})
        if want_tree
        else _none(),
        _ax_trees(cdp) if want_tree else _none(),
        cdp.send("Page.captureScreenshot", {"format": config.screenshot_format})
        if config.screenshot
        else _none(),
    ]
    snapshot, ax_nodes, shot = await asyncio.gather(*calls)
    obs: dict[str, Any] = {}
    if want_tree:
        dom = Snapshot(snapshot, config.max_text_chars)
        ax = AXTree(ax_nodes, dom)
        viewport = page.viewport_size
        elements = build_elements(dom, ax, (viewport["width"], viewport["height"]) if viewport else (0, 0))
        if config.axtree:
            obs["axtree"] = ax.render(dom)
        if config.dom:
            obs["dom"] = dom.render()
        if config.elements:
            obs["elements"] = [e.as_dict() for e in elements]
        obs["focused_element"] = next((e.id for e in elements if e.focused), "")
    if config.screenshot:
        obs["screenshot"] = decode_image(shot["data"])
    return obs


async def _none() -> None:
    return None


async def _ax_trees(cdp: CDPSession) -> list[dict[str, Any]]:
    """The full AXTree of the main frame and of each same-process child frame."""
    tree = await cdp.send("Page.getFrameTree")
    frame_ids: list[str] = []

    def walk(node: dict[str, Any]) -> None:
        frame_ids.append(node["frame"]["id"])
        for child in node.get("childFrames", []):
            walk(child)

    walk(tree["frameTree"])
    results = await asyncio.gather(
        *(cdp.send("Accessibility.getFullAXTree", {"frameId": fid}) for fid in frame_ids),
        return_exceptions=True,
    )
    nodes: list[dict[str, Any]] = []
    for result in results:
        if isinstance(result, dict):
            nodes.extend(result["nodes"])
    return nodes


def decode_image(data: str) -> np.ndarray:
    with Image.open(io.BytesIO(base64.b64decode(data))) as image:
        return np.asarray(image.convert("RGB"))


class Snapshot:
    """A flattened view of ``DOMSnapshot.captureSnapshot`` across all documents (frames)."""

    def __init__(self, raw: dict[str, Any], max_text_chars: int) -> None:
        strings: list[str] = raw["strings"]
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
        self.doc_roots: list[int] = []
        content_doc: dict[int, int] = {}
        offsets: list[int] = []
        for doc in raw["documents"]:
            offset = len(self.tag)
            offsets.append(offset)
            self.doc_roots.append(offset)
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
                self.backend_to_index[nodes["backendNodeId"][i]] = offset + i
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
            for k, node_idx in enumerate(layout["nodeIndex"]):
                gi = offset + node_idx
                if gi not in self.bounds:  # the first layout object of a node is its box
                    x, y, w, h = layout["bounds"][k]
                    self.bounds[gi] = (x - scroll_x, y - scroll_y, w, h)
                    self.styles[gi] = [strings[s] if s >= 0 else "" for s in layout["styles"][k]]
        for i, p in enumerate(self.parent):
            if p >= 0:
                self.children[p].append(i)
        # Shift each child document's boxes by its <iframe>'s position in the parent.
        for owner, doc_idx in sorted(content_doc.items()):
            root = offsets[doc_idx]
            self.children[owner].append(root)
            self.parent[root] = owner
            ox, oy = self.bounds.get(owner, (0.0, 0.0, 0.0, 0.0))[:2]
            end = offsets[doc_idx + 1] if doc_idx + 1 < len(offsets) else len(self.tag)
            for gi in range(root, end):
                if gi in self.bounds:
                    x, y, w, h = self.bounds[gi]
                    self.bounds[gi] = (x + ox, y + oy, w, h)
        self._rendered = self._compute_rendered()

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
        for name, value in attrs.items():
            if name in KEPT_ATTRIBUTES or name in keep or name.startswith("aria-"):
                if name == "value" and i in self.input_value:
                    continue
                shown.append(f'{name}="{value[:80]}"' if value else name)
        if i in self.input_value and tag in ("input", "textarea", "select"):
            shown.append(f'value="{self.input_value[i][:200]}"')
        if i in self.checked:
            shown.append("checked")
        if i in self.option_selected:
            shown.append("selected")
        if not self.is_visible(i) and i in self.bounds:
            shown.append("hidden")
        opening = f"<{tag}{' ' if shown else ''}{' '.join(shown)}>"
        kids = [c for c in self.children[i] if self.node_type[c] != 3 or self.value[c].strip()]
        if len(kids) == 1 and self.node_type[kids[0]] == 3:
            out.append("  " * depth + opening + " ".join(self.value[kids[0]].split()) + f"</{tag}>")
            return
        out.append("  " * depth + opening)
        for child in kids:
            self._render(child, depth + 1, out)

    def _in_svg(self, i: int) -> bool:
        while i >= 0:
            if self.tag[i] == "svg":
                return True
            i = self.parent[i]
        return False


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

    def render(self, dom: Snapshot) -> str:
        """One node per line, indented; nodes that carry an element id start with ``[id]``."""
        lines: list[str] = []
        for root in self.roots:
            self._render(root, 0, "", dom, lines)
        return "\n".join(lines)

    def _render(self, node_id: str, depth: int, parent_name: str, dom: Snapshot, lines: list[str]) -> None:
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
        if shown and role == "StaticText" and (not name or name == parent_name):
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
            props = self.properties(node)
            for prop in AX_PROPERTIES:
                if props.get(prop) not in (None, False, "false", ""):
                    parts.append(prop if props[prop] in (True, "true") else f"{prop}={props[prop]}")
            lines.append("  " * depth + " ".join(parts))
            child_depth = depth + 1
            parent_name = name
        for child in node.get("childIds", []):
            self._render(child, child_depth, parent_name, dom, lines)
        if index is not None and index in self.frame_root_of_iframe:
            self._render(self.frame_root_of_iframe[index], child_depth, parent_name, dom, lines)


def build_elements(dom: Snapshot, ax: AXTree, viewport: tuple[int, int]) -> list[Element]:
    width, height = viewport
    elements: list[Element] = []
    for i, attrs in enumerate(dom.attrs):
        element_id = attrs.get(ID_ATTR)
        if not element_id or dom.node_type[i] != 1:
            continue
        node = ax.by_dom.get(i, {})
        props = AXTree.properties(node)
        tag = dom.tag[i]
        box = dom.bounds.get(i, (0.0, 0.0, 0.0, 0.0))
        visible = dom.is_visible(i)
        in_viewport = (
            visible and box[0] < width and box[1] < height and box[0] + box[2] > 0 and box[1] + box[3] > 0
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
        style_cursor = dom.styles.get(i, ["", "", ""])[2]
        elements.append(
            Element(
                id=element_id,
                tag=tag,
                role=AXTree.role(node) if node and not node.get("ignored") else "",
                name=AXTree.name(node) if node else "",
                value=dom.input_value.get(i, AXTree.value(node) if node else ""),
                text=dom.text(i),
                bbox=tuple(round(v, 1) for v in box),  # type: ignore[arg-type]
                visible=visible,
                in_viewport=in_viewport,
                clickable=clickable or style_cursor == "pointer",
                editable=editable,
                checked=checked,
                selected=selected,
                focused=bool(props.get("focused")),
                attributes={k: v[:200] for k, v in attrs.items() if k != ID_ATTR},
                parent=dom.parent_element_id(i),
            )
        )
    return elements
