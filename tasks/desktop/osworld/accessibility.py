"""OSWorld's ``check_accessibility_tree`` over this desktop's AT-SPI tree.

OSWorld dumps the VM's accessibility tree as XML (one element per node, its role as the tag with
spaces as hyphens, ``name`` and namespaced ``st:`` states, ``cp:`` screen box and ``val:`` value as
attributes, its Text as the element's text) and its rules select elements of that XML by CSS
selectors or XPath. `tree_xml` (`palaestra.envs.desktop.osworld_xml`, which OSWorld-shaped
observations use too) builds the same kind of XML from our snapshot (`DesktopOutcome.nodes`), so
that the rules of OSWorld's files select here what they select there.

A rule is ``{"selectors": [css, ...]}`` (joined into one selector list) or ``{"xpath": str}`` (which
wins when both are given), with an optional ``text`` and ``exact`` (default true). A rule selecting
nothing scores 0; with ``text``, a rule scores the best of its elements: 1 or 0 for an exact
comparison, else the text's similarity (`indel_ratio`, OSWorld's fuzzy ratio); the task scores the
product of its rules. Not in our XML: the ``attr:`` object attributes and ``act:`` actions, which
our AT-SPI reader does not read (but for a sheet cell's formula), and nodes off screen (not
``showing``), which it leaves out.

A spreadsheet cell is named by its address in OSWorld's XML (LibreOffice's own name for it, "B3"),
its formula being one of its object attributes (``attr:Formula``, without the "="). Our tree names a
cell ``B3 =A3*2`` for the agent; its XML element is named ``B3`` with ``attr:Formula="A3*2"``, so a
rule such as ``table-cell[name=B3]`` selects it here as it does there.
"""

from __future__ import annotations

from typing import Any

from lxml import etree
from lxml.cssselect import CSSSelector, SelectorError

from palaestra.envs.desktop.osworld_xml import NS, tree_xml
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

RULE_KEYS = ("exact", "selectors", "text", "xpath")


class AccessibilityTree(str):
    """The ``accessibility_tree`` getter's value: the screen's elements as text, one ``role 'name'
    value`` line each (for text metrics such as ``check_include_exclude``), with the snapshot's
    nodes, from which `check_accessibility_tree` builds its XML."""

    nodes: list[dict[str, Any]]

    def __new__(cls, text: str, nodes: list[dict[str, Any]]) -> AccessibilityTree:
        made = super().__new__(cls, text)
        made.nodes = nodes
        return made


def _rules(rules: Any) -> list[dict[str, Any]]:
    """OSWorld's files give one rule (an object) or a list of them."""
    return [rules] if isinstance(rules, dict) else list(rules)


def _select(root: etree._Element, rule: dict[str, Any]) -> list[Any]:
    if "xpath" in rule:
        found = etree.XPath(rule["xpath"], namespaces=NS)(root)
        return list(found) if isinstance(found, list) else []
    return list(CSSSelector(", ".join(rule["selectors"]), namespaces=NS)(root))


def check_accessibility_tree(result: Any, rules: Any) -> float:
    """The product over the rules of how well each matched (see the module's docstring)."""
    # Imported here: general_metrics imports getters, which import this module.
    from palaestra.tasks.desktop.osworld.general_metrics import indel_ratio

    if result is None:
        return 0.0
    try:
        if isinstance(result, AccessibilityTree):
            root = tree_xml(result.nodes)
        else:  # an XML dump from elsewhere (a file, a command's output)
            root = etree.fromstring(str(result).encode())
        found = [[e for e in _select(root, rule) if isinstance(e, etree._Element)] for rule in _rules(rules)]
    except etree.LxmlError as exc:  # a foreign dump that is not XML
        raise ValueError(f"the accessibility tree could not be read as XML: {exc}") from None
    total = 1.0
    for rule, elements in zip(_rules(rules), found, strict=True):
        if not elements:
            return 0.0
        if "text" in rule:
            want = str(rule["text"])
            texts = [e.text or "" for e in elements]
            if rule.get("exact", True):
                total *= float(want in texts)
            else:
                total *= max(indel_ratio(want, t) for t in texts)
    return total


def check_rules(rules: Any, source: str, where: str) -> None:
    """Refuse, when the file is loaded, rules this metric cannot apply: unknown keys (did-you-mean),
    a missing or malformed selector or XPath, a text or flag of the wrong type."""
    if not isinstance(rules, dict | list) or not rules:
        raise OSWorldTaskError(source, where, "check_accessibility_tree needs a rule or a list of rules")
    for i, rule in enumerate(_rules(rules)):
        at = f"{where} rules[{i}]"
        if not isinstance(rule, dict):
            raise OSWorldTaskError(source, at, 'a rule is {"selectors": [...]} or {"xpath": ...}')
        for key in rule:
            if key not in RULE_KEYS:
                kind = "rule key of `check_accessibility_tree`"
                raise UnsupportedEvaluatorError(source, at, kind, str(key), RULE_KEYS)
        if "xpath" in rule:
            if not isinstance(rule["xpath"], str):
                raise OSWorldTaskError(source, at, f"`xpath` must be a string, got {rule['xpath']!r}")
            try:  # evaluated once on an empty tree: a prefix it does not know fails only then
                etree.XPath(rule["xpath"], namespaces=NS)(etree.Element("desktop-frame"))
            except etree.XPathError as exc:
                raise OSWorldTaskError(source, at, f"`xpath` {rule['xpath']!r} is not XPath: {exc}") from None
        elif "selectors" in rule:
            selectors = rule["selectors"]
            if (
                not isinstance(selectors, list)
                or not selectors
                or not all(isinstance(s, str) for s in selectors)
            ):
                raise OSWorldTaskError(
                    source, at, f"`selectors` must be a list of CSS selectors, got {selectors!r}"
                )
            try:
                CSSSelector(", ".join(selectors), namespaces=NS)
            except SelectorError as exc:
                raise OSWorldTaskError(source, at, f"`selectors` {selectors!r} are not CSS: {exc}") from None
        else:
            raise OSWorldTaskError(source, at, 'a rule needs "selectors" (CSS) or "xpath"')
        if "text" in rule and not isinstance(rule["text"], str):
            raise OSWorldTaskError(source, at, f"`text` must be a string, got {rule['text']!r}")
        if not isinstance(rule.get("exact", True), bool):
            raise OSWorldTaskError(source, at, f"`exact` must be true or false, got {rule['exact']!r}")
