"""The visible elements of an observation as a tree: the raw material of the state abstraction.

It finds the page's own copy of the goal, the candidate controls and texts, and the "items" (rows)
of repeated controls; `palaestra.agents.abstraction` decides which of them an actor needs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from palaestra.agents.page_text import BLAND_ROLES, CONTAINER_TAGS, is_interactive, is_native_control, letters
from palaestra.envs.obs import Observation

Element = dict[str, Any]
#: The first line of an AXTree text: ``RootWebArea 'Oscar Shop: Ticket Main Menu' focused``.
TITLE = re.compile(r"RootWebArea (['\"])(.*?)\1(?: |$)", re.M)


@dataclass
class Page:
    """The visible elements of an observation (in page order), with the tree around them."""

    goal: str
    elements: list[Element]
    by_id: dict[str, Element]
    children: dict[str, list[Element]]
    #: Ids of the page's own copy of the goal and everything inside it.
    echo: set[str] = field(default_factory=set)
    #: The document's title (the AXTree root's name): what the whole page is about.
    title: str = ""

    @classmethod
    def of(cls, obs: Observation) -> Page:
        everything = obs.get("elements", [])
        children: dict[str, list[Element]] = {}
        for el in everything:
            children.setdefault(el["parent"], []).append(el)
        visible = [e for e in everything if e["visible"]]
        page = cls(obs.get("goal", ""), visible, {e["id"]: e for e in everything}, children)
        page.echo = goal_echo(page)
        root = TITLE.match(obs.get("axtree", ""))
        page.title = root.group(2) if root else ""
        return page

    def ancestors(self, el: Element, limit: int | None = None) -> list[Element]:
        """`el`'s parent, grandparent, ... up to the root, or only the first `limit` of them."""
        out: list[Element] = []
        node = self.by_id.get(el["parent"])
        while node is not None and (limit is None or len(out) < limit):
            out.append(node)
            node = self.by_id.get(node["parent"])
        return out


def goal_echo(page: Page) -> set[str]:
    """Ids of the page's own copy of the goal (MiniWoB++'s instruction bar) and everything in it.

    The copy need not be exact: a page may show a colour swatch or an icon where the goal has a
    word. The innermost element whose text nearly equals the goal is the copy.
    """
    target = letters(page.goal)
    if len(target) < 8:
        return set()

    def similar(text: str) -> bool:
        return 0.8 * len(target) <= len(text) <= 1.25 * len(target) and (
            text == target or SequenceMatcher(None, text, target, autojunk=False).ratio() >= 0.85
        )

    copies = {e["id"] for e in page.elements if similar(letters(e["text"]))}
    innermost = copies - {page.by_id[i]["parent"] for i in copies}
    echo: set[str] = set()
    for el in page.elements:  # parents come before children, so a whole subtree is caught
        if el["id"] in innermost or el["parent"] in echo:
            echo.add(el["id"])
    return echo


@dataclass
class Candidates:
    """What the abstraction chooses from."""

    #: The visible interactive elements, duplicates left out.
    controls: list[Element]
    #: The innermost elements of each distinct text (not controls, not the goal's copy).
    texts: list[Element]
    #: For each control left out as a duplicate, the id of the control kept for it.
    stands_for: dict[str, str]
    #: For a kept control that stands for others, the outermost of them: its kind is what the
    #: page made repeatable (a tab, a pie's "+"), not its inner link's or text's.
    outermost: dict[str, Element]


def is_decoration(page: Page, el: Element, controls: dict[str, Element]) -> bool:
    """A control with no text or label of its own inside a real control that has text: a menu
    item's icon (but not a tree row's expander: a row is a control only by its click handler)."""
    if el["text"] or el["name"] or el["editable"] or el["attributes"].get("aria-label"):
        return False
    around = [a for a in page.ancestors(el, limit=2) if a["id"] in controls]
    return any(a["text"] and is_native_control(a) for a in around)


def candidates(page: Page) -> Candidates:
    """The abstraction's candidates (see `Candidates`).

    A control inside a control (its parent or grandparent) whose text is the inner one's text or
    name is the same thing twice (a tab and its link, an SVG text and its tspan, a tree row and its
    label, a box around a radio button and its label). The inner one is kept, because a click on
    it bubbles up to the outer one's handlers, while a click on the outer one's centre may miss the
    inner one. A label that only repeats its field's name is dropped, and so is an icon inside a
    control (`is_decoration`).
    """
    field_names = {
        letters(e["name"]) for e in page.elements if e["tag"] in ("input", "select", "textarea") and e["name"]
    }
    controls: dict[str, Element] = {}
    stands_for: dict[str, str] = {}
    outermost: dict[str, Element] = {}
    texts: list[Element] = []
    seen_text: set[str] = set()
    for el in page.elements:
        text = letters(el["text"])
        if is_interactive(el):
            if (el["tag"] == "label" and text in field_names) or is_decoration(page, el, controls):
                continue
            outer = next((controls[a["id"]] for a in page.ancestors(el, 2) if a["id"] in controls), None)
            if outer is not None and letters(outer["text"]) in (text, letters(el["name"])):
                del controls[outer["id"]]
                for hidden, by in list(stands_for.items()):
                    if by == outer["id"]:
                        stands_for[hidden] = el["id"]
                stands_for[outer["id"]] = el["id"]
                outermost[el["id"]] = outermost.pop(outer["id"], outer)
            controls[el["id"]] = el
            continue
        inner = sum(len(letters(c["text"])) for c in page.children.get(el["id"], []) if c["visible"])
        wrapper = bool(text) and inner >= 0.9 * len(text)
        if el["id"] in page.echo or not text or el["tag"] in CONTAINER_TAGS or text in seen_text or wrapper:
            continue
        seen_text.add(text)
        texts.append(el)
    dropped = nested_controls(page, controls)
    kept = [c for c in controls.values() if c["id"] not in dropped]
    return Candidates(kept, texts, stands_for, outermost)


def nested_controls(page: Page, controls: dict[str, Element]) -> set[str]:
    """Controls that only wrap controls with roles of their own (a menu around its items, a
    submenu's row around its entries): their text is the items' text, and the items are what an
    actor picks. Real controls (a button) and rows of plain parts (an email's sender and subject,
    clickable only by the row's pointer cursor) are kept."""
    covered: Counter[str] = Counter()
    for el in controls.values():
        if is_native_control(el) or el["role"] not in BLAND_ROLES:
            outer = next((a for a in page.ancestors(el) if a["id"] in controls), None)
            if outer is not None:
                covered[outer["id"]] += len(letters(el["text"]))
    return {
        i
        for i, n in covered.items()
        if not is_native_control(controls[i]) and n >= 0.9 * len(letters(controls[i]["text"]))
    }


def item_roots(page: Page, members: list[Element]) -> list[Element]:
    """For each member of a collection, its item: the largest ancestor holding no other member."""
    holding: Counter[str] = Counter()
    chains = []
    for member in members:
        chain = page.ancestors(member)
        chains.append(chain)
        holding.update(a["id"] for a in chain)
    roots = []
    for member, chain in zip(members, chains, strict=True):
        root = member
        for anc in chain:
            if holding[anc["id"]] > 1:
                break
            root = anc
        roots.append(root)
    return roots


def subtree_text(page: Page, root: Element) -> str:
    """All the text, names and values in a subtree, but for the page's copy of the goal."""
    parts, stack = [], [root]
    while stack:
        el = stack.pop()
        if el["id"] not in page.echo:
            parts.append(" ".join([el["text"], el["name"], el["value"]]))
        stack.extend(page.children.get(el["id"], []))
    return " ".join(parts)
