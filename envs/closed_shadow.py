"""Elements in closed shadow roots: their ids, and handles to act on them.

A web component that attaches its shadow root with ``mode: "closed"`` hides it from every page
script, ours included: ``mark.js`` cannot reach inside to give the elements ids, and Playwright's
selectors do not pierce it. Chromium's DevTools protocol can: ``DOMSnapshot.captureSnapshot``
lists the nodes of closed roots like any others (each with ``shadowRootType: "closed"``), and
``DOM.resolveNode`` gives a script handle on any node by its backend node id.

So after each snapshot the closed roots holding an element without an id are marked through such
handles (the same marking, run from the root), and the snapshot is taken again; this costs nothing
on a page without closed roots (the snapshot's string table has no ``"closed"``) and nothing on
one whose closed-root elements all have their ids already. For actions, each closed-root element's
backend node id is kept by its element id, and `ClosedShadows.handle` turns it into a Playwright
``ElementHandle``, which the actions use as they use a locator elsewhere. Playwright has no way to
adopt a protocol handle, so the node is passed through a property of the frame's ``window`` under a
random, non-enumerable name that is deleted as it is read (a page script would have to look for it
in the moment between two of our calls to see it).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from playwright.async_api import CDPSession, ElementHandle, Frame
from playwright.async_api import Error as PlaywrightError

CLOSED = "closed"
FRAGMENT = 11  # a shadow root's node type
ELEMENT = 1
OBJECT_GROUP = "palaestra-closed-shadow"
#: Puts the node (``this``) where `TAKE_JS` finds it.
STASH_JS = "function (key) { Object.defineProperty(window, key, {value: this, configurable: true}); }"
TAKE_JS = "key => { const node = window[key]; delete window[key]; return node; }"


@dataclass(frozen=True)
class Unmarked:
    """An element without an id in a closed shadow root: its backend node id and its frame's id
    prefix. Marking starts from its root, and from every closed root around that."""

    backend_id: int
    prefix: str


def _under_closed(nodes: dict[str, Any], strings: list[str]) -> list[bool]:
    """For each node of a document, whether it is in a closed shadow root, or in an open one inside
    a closed one (page scripts cannot reach either). The snapshot lists no shadow root nodes: each
    node in a shadow tree carries its tree's mode, and a tree's top nodes hang under the host."""
    kinds = nodes.get("shadowRootType", {"index": [], "value": []})
    mode = {i: strings[v] for i, v in zip(kinds["index"], kinds["value"], strict=False)}
    under = [False] * len(nodes["nodeType"])
    if CLOSED not in mode.values():
        return []
    for i, parent in enumerate(nodes["parentIndex"]):  # parents come before their children
        kind = mode.get(i)
        under[i] = kind == CLOSED or (kind is not None and parent >= 0 and under[parent])
    return under


def _id_of(flat: list[int], attr: int, strings: list[str]) -> str | None:
    for k in range(0, len(flat), 2):
        if flat[k] == attr:
            return strings[flat[k + 1]]
    return None


def unmarked_in_closed_roots(raw: dict[str, Any], id_attr: str) -> list[Unmarked]:
    """Elements of closed shadow roots that have no id, enough of them to reach every such root:
    those with no unmarked element under them (a root's chain of hosts leads from the innermost
    up), one per parent."""
    strings: list[str] = raw["strings"]
    if CLOSED not in strings:
        return []
    attr = strings.index(id_attr) if id_attr in strings else -1
    found: list[Unmarked] = []
    for doc in raw["documents"]:
        nodes = doc["nodes"]
        under = _under_closed(nodes, strings)
        if not under:
            continue
        types, attributes, parents = nodes["nodeType"], nodes["attributes"], nodes["parentIndex"]
        pseudo = set(nodes.get("pseudoType", {"index": []})["index"])  # ::marker and such: no ids
        unmarked = [
            under[i]
            and types[i] == ELEMENT
            and i not in pseudo
            and _id_of(attributes[i], attr, strings) is None
            for i in range(len(types))
        ]
        inner = {parents[i] for i, u in enumerate(unmarked) if u}  # unmarked elements' parents
        chosen: dict[int, int] = {}  # parent -> its first unmarked leaf
        for i, u in enumerate(unmarked):
            if u and i not in inner:
                chosen.setdefault(parents[i], i)
        for node in chosen.values():
            prefix, up = None, node
            while up >= 0 and prefix is None:  # the frame's prefix, off the nearest id above
                element_id = _id_of(attributes[up], attr, strings) if types[up] == ELEMENT else None
                prefix = element_id.rstrip("0123456789") if element_id is not None else None
                up = parents[up]
            if prefix is not None:  # else the frame has no ids at all (not marked): nothing to add to
                found.append(Unmarked(nodes["backendNodeId"][node], prefix))
    return found


def closed_element_ids(raw: dict[str, Any], id_attr: str) -> dict[str, int]:
    """The elements of a snapshot's closed roots (open roots in them too), id -> backend node id."""
    strings: list[str] = raw["strings"]
    if CLOSED not in strings or id_attr not in strings:
        return {}
    attr = strings.index(id_attr)
    out: dict[str, int] = {}
    for doc in raw["documents"]:
        nodes = doc["nodes"]
        for i, under in enumerate(_under_closed(nodes, strings)):
            if under and nodes["nodeType"][i] == ELEMENT:
                element_id = _id_of(nodes["attributes"][i], attr, strings)
                if element_id is not None:
                    out[element_id] = nodes["backendNodeId"][i]
    return out


class ClosedShadows:
    """An episode's elements in closed shadow roots: marking them, and handles on them by id."""

    def __init__(self, mark_js: str) -> None:
        # The marking of ``mark.js`` (``[prefix, next, starts]``), run from the children of each
        # shadow root around the given nodes, outer roots first.
        self._mark_roots_js = f"""function (prefix, next, ...nodes) {{
          const mark = {mark_js};
          const roots = [];
          for (const node of nodes) {{
            const chain = [];
            let r = node.getRootNode();
            for (; r.nodeType === 11 && r.host; r = r.host.getRootNode()) chain.push(r);
            for (const r of chain.reverse()) if (!roots.includes(r)) roots.push(r);
          }}
          for (const r of roots) next = mark([prefix, next, Array.from(r.children).reverse()]);
          return next;
        }}"""
        self._elements: dict[str, tuple[CDPSession, int]] = {}
        self._handles: list[ElementHandle] = []

    async def mark(self, session: CDPSession, nodes: Sequence[Unmarked], counters: dict[str, int]) -> None:
        """Give the elements of the closed roots around ``nodes`` ids, from each frame's counter in
        ``counters`` (updated)."""
        by_prefix: dict[str, list[str]] = {}
        try:
            resolved = await asyncio.gather(
                *(
                    session.send(
                        "DOM.resolveNode", {"backendNodeId": n.backend_id, "objectGroup": OBJECT_GROUP}
                    )
                    for n in nodes
                ),
                return_exceptions=True,
            )
            for node, answer in zip(nodes, resolved, strict=True):
                if isinstance(answer, dict):  # else gone meanwhile
                    by_prefix.setdefault(node.prefix, []).append(answer["object"]["objectId"])
            for prefix, objects in by_prefix.items():
                result = await session.send(
                    "Runtime.callFunctionOn",
                    {
                        "objectId": objects[0],
                        "functionDeclaration": self._mark_roots_js,
                        "arguments": [{"value": prefix}, {"value": counters.get(prefix, 1)}]
                        + [{"objectId": o} for o in objects],
                        "returnByValue": True,
                    },
                )
                if "exceptionDetails" not in result:
                    counters[prefix] = int(result["result"]["value"])
        except PlaywrightError:
            pass  # a root gone meanwhile (or its frame navigating): its elements get ids next step
        finally:
            with contextlib.suppress(PlaywrightError):
                await session.send("Runtime.releaseObjectGroup", {"objectGroup": OBJECT_GROUP})

    def remember(self, session: CDPSession, raw: dict[str, Any], id_attr: str, backend_base: int = 0) -> None:
        """Keep the closed-root elements of this observation's snapshot, for `handle`."""
        for element_id, backend_id in closed_element_ids(raw, id_attr).items():
            self._elements[element_id] = (session, backend_id - backend_base)

    async def start_observation(self) -> None:
        """Forget the last observation's elements and let go of the last step's handles."""
        self._elements = {}
        handles, self._handles = self._handles, []
        for handle in handles:
            with contextlib.suppress(PlaywrightError):
                await handle.dispose()

    def __contains__(self, element_id: str) -> bool:
        return element_id in self._elements

    async def handle(self, element_id: str, frame: Frame) -> ElementHandle | None:
        """A handle on the closed-root element with this id in ``frame`` (None: it is gone)."""
        session, backend_id = self._elements[element_id]
        key = f"__palaestra_{secrets.token_hex(8)}"
        try:
            resolved = await session.send(
                "DOM.resolveNode", {"backendNodeId": backend_id, "objectGroup": OBJECT_GROUP}
            )
            await session.send(
                "Runtime.callFunctionOn",
                {
                    "objectId": resolved["object"]["objectId"],
                    "functionDeclaration": STASH_JS,
                    "arguments": [{"value": key}],
                },
            )
            taken = await frame.evaluate_handle(TAKE_JS, key)
        except PlaywrightError:
            return None
        finally:
            with contextlib.suppress(PlaywrightError):
                await session.send("Runtime.releaseObjectGroup", {"objectGroup": OBJECT_GROUP})
        element = taken.as_element()
        if element is None:
            await taken.dispose()
            return None
        self._handles.append(element)
        return element
