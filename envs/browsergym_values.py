"""The ``value`` property of each element, as BrowserGym writes it into the page before its snapshot.

BrowserGym's marking script (``frame_mark_elements.js``, browsergym-core 0.14.3) sets a ``value``
attribute to ``String(elem.value)`` on every standard HTML element that has the property: fields,
and also buttons, list items, options, selects, progress bars, meters, outputs, ``<data>`` and
``<param>``. We do not touch the live page: the values are worked out from the snapshot our capture
already took, by the rules Chromium's element classes follow, so ``flatten_dom_to_str`` prints
what it prints on BrowserGym's own snapshot of the same page. Fields' values come from the
snapshot itself (``inputValue``, ``textValue``); `palaestra.envs.browsergym_objects` writes them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

#: HTML's rule for reading a number from a ``<meter>``/``<progress>`` attribute, as Chromium reads
#: it: leading spaces, a sign, digits with a fraction and an exponent, then anything ("5x" is 5).
LENIENT_FLOAT = re.compile(r"[ \t\n\f\r]*([-+]?(?:\d+(?:\.\d+)?|\.\d+))(?:[eE]([-+]?\d+))?")
#: HTML's lenient integer rule for ``<li value>``: leading spaces, a sign, digits, then anything.
LENIENT_INTEGER = re.compile(r"[ \t\n\f\r]*([-+]?\d+)")
HTML_SPACE = re.compile(r"[ \t\n\f\r]+")
LONG_RANGE = range(-(2**31), 2**31)
ELEMENT, TEXT = 1, 3


def parse_float(text: str | None, default: float) -> float:
    """``text`` as Chromium reads a floating-point attribute, or ``default``."""
    found = LENIENT_FLOAT.match(text or "")
    if found is None:
        return default
    value = float(found[1] + (f"e{found[2]}" if found[2] else ""))
    return default if not math.isfinite(value) else value + 0.0  # -0 is 0


def js_number(value: float) -> str:
    """``String(value)`` in JavaScript: whole numbers without a point, exponents past 1e21 or
    below 1e-6 written ``1e-7``."""
    if value == int(value) and abs(value) < 1e16:
        return str(int(value))
    shortest = repr(value)  # the shortest digits that read back, as JavaScript's
    mantissa, _, exponent = shortest.partition("e")
    if not exponent:
        return shortest
    power = int(exponent)
    if -7 < power < 21:  # written out: 1e-5 is 0.00001, 1.5e20 is 150000000000000000000
        return format(Decimal(shortest), "f")
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


class DocumentValues:
    """One snapshot document's nodes, read for the values BrowserGym would write."""

    def __init__(self, nodes: dict[str, Any], strings: list[str]) -> None:
        self.nodes, self.strings = nodes, strings
        count = len(nodes["parentIndex"])
        self.children: list[list[int]] = [[] for _ in range(count)]
        for index, parent in enumerate(nodes["parentIndex"]):
            if parent >= 0:
                self.children[parent].append(index)
        pseudo = nodes.get("pseudoType") or {"index": []}
        shadow = nodes.get("shadowRootType") or {"index": [], "value": []}
        #: Pseudo-elements (``::marker``): not elements of the page's.
        self.pseudo = set(pseudo["index"])
        #: The kind of shadow tree each node in one is in (``open``, ``closed``, ``user-agent``);
        #: the snapshot puts a shadow tree's nodes straight under its host.
        self.shadow = {i: strings[kind] for i, kind in zip(shadow["index"], shadow["value"], strict=True)}
        self.parent: list[int] = nodes["parentIndex"]
        self.selected = set((nodes.get("optionSelected") or {"index": []})["index"])

    def name(self, index: int) -> str:
        return self.strings[self.nodes["nodeName"][index]].lower()

    def attribute(self, index: int, wanted: str) -> str | None:
        attrs = self.nodes["attributes"][index]
        for k in range(0, len(attrs), 2):
            if self.strings[attrs[k]] == wanted:
                return self.strings[attrs[k + 1]]
        return None

    def hosted(self, node: int) -> bool:
        """Whether ``node`` is a pseudo-element or the top of a shadow tree whose host is outside
        it: not among its parent's children as a page's script sees them."""
        return node in self.pseudo or (node in self.shadow and self.parent[node] not in self.shadow)

    def text(self, index: int, skip: Callable[[int], bool] = lambda _: False) -> str:
        """The text of ``index``'s descendants in tree order (its ``textContent``), leaving out the
        subtrees ``skip`` names."""
        parts: list[str] = []
        stack = list(reversed(self.children[index]))
        while stack:
            node = stack.pop()
            if self.hosted(node) or skip(node):
                continue
            if self.nodes["nodeType"][node] == TEXT:
                value = self.nodes["nodeValue"][node]
                parts.append(self.strings[value] if value >= 0 else "")
            stack.extend(reversed(self.children[node]))
        return "".join(parts)

    def option_value(self, index: int) -> str:
        """An option's value attribute, else its text (scripts left out) with spaces collapsed."""
        own = self.attribute(index, "value")
        if own is not None:
            return own
        text = self.text(index, lambda node: self.name(node) == "script")
        return HTML_SPACE.sub(" ", text.strip(" \t\n\f\r"))

    def select_value(self, index: int) -> str:
        """The value of the select's first selected option; "" when none is."""
        stack = list(reversed(self.children[index]))
        while stack:
            node = stack.pop()
            name = self.name(node) if self.nodes["nodeType"][node] == ELEMENT else ""
            if name == "option" and node in self.selected:
                return self.option_value(node)
            if name not in ("select", "datalist") and not self.hosted(node):
                stack.extend(reversed(self.children[node]))
        return ""

    def value(self, index: int) -> str | None:
        """What ``String(elem.value)`` is for the element, if BrowserGym writes it from here (None:
        no such property, or a field whose value the snapshot holds)."""
        name = self.name(index)
        if name in ("button", "data", "param"):
            return self.attribute(index, "value") or ""
        if name == "li":
            found = LENIENT_INTEGER.match(self.attribute(index, "value") or "")
            number = int(found[1]) if found else 0
            return str(number if number in LONG_RANGE else 0)
        if name == "option":
            return self.option_value(index)
        if name == "select":
            return self.select_value(index)
        if name == "output":
            return self.text(index)
        if name == "progress":
            top = parse_float(self.attribute(index, "max"), math.nan)
            top = top if math.isfinite(top) and top > 0 else 1.0
            current = parse_float(self.attribute(index, "value"), math.nan)
            return js_number(0.0 if not math.isfinite(current) or current < 0 else min(current, top))
        if name == "meter":
            low = parse_float(self.attribute(index, "min"), 0.0)
            high = max(parse_float(self.attribute(index, "max"), max(1.0, low)), low)
            return js_number(min(max(parse_float(self.attribute(index, "value"), 0.0), low), high))
        return None


def element_values(nodes: dict[str, Any], strings: list[str]) -> dict[int, str]:
    """The value BrowserGym writes on each element of one snapshot document that is not a field,
    by node index."""
    document = DocumentValues(nodes, strings)
    found: dict[int, str] = {}
    stack = [i for i, parent in enumerate(nodes["parentIndex"]) if parent < 0]
    while stack:  # BrowserGym's script sees no pseudo-element, template content or closed shadow tree
        index = stack.pop()
        if index in document.pseudo or document.shadow.get(index, "open") != "open":
            continue
        if nodes["nodeType"][index] == ELEMENT:
            value = document.value(index)
            if value is not None:
                found[index] = value
            if document.name(index) == "template":
                continue
        stack.extend(document.children[index])
    return found
