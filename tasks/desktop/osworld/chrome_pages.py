"""OSWorld's Chrome getters that read a page itself: its HTML (``page_info``), values parsed out of
the active tab's HTML (``active_tab_html_parse``) and a part of the active tab's URL
(``url_dashPart``).

The HTML comes from the session, which reads every tab's document over the browser's DevTools pipe
when a task of `CONTENT` asks (``outcome.browser_tabs``' ``content``): the document as it is now,
with what was typed into its fields written into their ``value`` (and ticks into ``checked``),
since OSWorld's ``input`` category reads what a field holds rather than what the page first said.

Two differences from OSWorld, both for offline, undisturbed episodes: ``page_info`` reads the open
tab that shows its URL instead of opening the URL in a new tab (the judge runs after every step
here, and must not open tabs behind the agent's back), and its URL must be on this machine
(`browser_steps.check_url`, as the tab steps'). A URL with no such tab gives None, which scores 0.
"""

from __future__ import annotations

from typing import Any

import lxml.etree
import lxml.html

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.osworld.browser_steps import check_url
from palaestra.tasks.desktop.osworld.chrome_getters import (
    Read,
    Spec,
    active_url_from_access_tree,
    aliased,
    tab_info,
)
from palaestra.tasks.desktop.osworld.chrome_metrics import same_url
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError

#: The ``category`` values of ``active_tab_html_parse`` read here (``class`` reads the two
#: lookups OSWorld's tasks use: ``class_singleObject`` and ``class_multiObject``).
CATEGORIES = ("class", "label", "xpath", "input")
#: The spec key that names what to find, by the other categories.
NAMES = {"label": "labelObject", "xpath": "xpathObject", "input": "inputObject"}
#: Elements whose text is not the page's (a label is not looked for in them).
NOT_SHOWN = frozenset({"head", "script", "style", "title", "template"})


def _document(content: str) -> Any:
    try:
        return lxml.html.document_fromstring(content)
    except (lxml.etree.ParserError, ValueError):
        return None


def _text(element: Any) -> str:
    return str(element.text_content()).strip()


def _active(outcome: DesktopOutcome) -> dict[str, Any] | None:
    shown = [t for t in outcome.browser_tabs or [] if t.get("visible")]
    shown.sort(key=lambda t: not t.get("focused"))
    return shown[0] if shown else None


def page_info(spec: Spec, source: str, where: str) -> Read:
    """The ``title``, ``url`` and HTML ``content`` of the open tab showing ``spec["url"]`` (the
    visible one first when several do)."""
    url = check_url(spec.get("url"), source, f"{where} url")

    def read(outcome: DesktopOutcome) -> dict[str, str] | None:
        tabs = [t for t in outcome.browser_tabs or [] if same_url(aliased(outcome, str(t.get("url"))), url)]
        tabs.sort(key=lambda t: (not t.get("visible"), not t.get("focused")))
        if not tabs or not isinstance(tabs[0].get("content"), str):
            return None
        return {**tab_info(outcome, tabs[0]), "content": tabs[0]["content"]}

    return read


def _names(spec: Spec, key: str, source: str, where: str) -> dict[str, Any]:
    value = spec.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise OSWorldTaskError(
            source, where, f"`{key}` must be an object keyed by what to find, got {value!r}"
        )
    return value


def _xpaths(names: dict[str, Any], source: str, where: str) -> dict[str, Any]:
    """Each XPath of ``names`` compiled, so that one that is not valid is refused at load."""
    compiled = {}
    for path in names:
        try:
            compiled[path] = lxml.etree.XPath(path)
        except lxml.etree.XPathSyntaxError as exc:
            raise OSWorldTaskError(source, where, f"{path!r} is not an XPath: {exc}") from None
    return compiled


def _by_class(document: Any, name: str) -> list[str]:
    found = document.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), $name)]", name=f" {name} "
    )
    return [_text(e) for e in found]


def _first(document: Any, xpath: Any) -> Any:
    try:
        found = xpath(document)
    except lxml.etree.XPathEvalError:
        return None
    return found[0] if isinstance(found, list) and found else None


def active_tab_html_parse(spec: Spec, source: str, where: str) -> Read:
    """Texts of the active tab's page, each under the key the spec gives it, by ``category``:
    ``class`` (``class_singleObject``: the first element of a class; ``class_multiObject``: the
    n-th, by ``{"n": key}``), ``xpath`` (the first element an XPath finds), ``input`` (the value a
    field an XPath finds holds) or ``label`` (the first element whose text holds the label). What is
    not found reads "" (OSWorld's), and no page (no tab visible, no HTML read) gives None."""
    category = spec.get("category")
    if category not in CATEGORIES:
        raise UnsupportedEvaluatorError(source, where, "category", str(category), CATEGORIES)
    if category == "class":
        single = _names(spec, "class_singleObject", source, where)
        multi = _names(spec, "class_multiObject", source, where)
        if not all(isinstance(v, dict) and all(str(k).isdigit() for k in v) for v in multi.values()):
            raise OSWorldTaskError(source, where, '`class_multiObject` is {class: {"index": key}}')
    else:
        names = _names(spec, NAMES[category], source, where)
        xpaths = _xpaths(names, source, where) if category in ("xpath", "input") else {}

    def parse(document: Any) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if category == "class":
            for name, key in single.items():
                texts = _by_class(document, name)
                found[key] = texts[0] if texts else ""
            for name, picks in multi.items():
                texts = _by_class(document, name)
                for index, key in picks.items():
                    found[key] = texts[int(index)] if int(index) < len(texts) else ""
        elif category == "label":
            for label, key in names.items():
                found[key] = _labelled(document, label)
        else:
            for path, key in names.items():
                element = _first(document, xpaths[path])
                if element is None or not isinstance(element, lxml.etree._Element):
                    found[key] = "" if element is None else str(element).strip()
                elif category == "input":
                    found[key] = _field_value(element)
                else:
                    found[key] = _text(element)
        return found

    def read(outcome: DesktopOutcome) -> dict[str, Any] | None:
        tab = _active(outcome)
        content = tab.get("content") if tab else None
        document = _document(content) if isinstance(content, str) else None
        return None if document is None else parse(document)

    return read


def _field_value(element: Any) -> str:
    """What a form field holds, as the session wrote it into the page's HTML: an input's
    ``value``, a text area's text, a list's chosen option (its ``value``, else its text)."""
    if element.tag == "select":
        chosen = [o for o in element.iter("option") if o.get("selected") is not None]
        if not chosen:
            return ""
        return str(chosen[0].get("value") or _text(chosen[0])).strip()
    if element.tag == "textarea":
        return _text(element)
    return str(element.get("value") or "").strip()


def _labelled(document: Any, label: str) -> str:
    """The text of the innermost element that holds ``label`` (case aside) in the first branch that
    does, as Playwright's ``text=`` finds it; "" when none does."""
    wanted = label.strip().lower()

    def holds(element: Any) -> bool:
        return (
            isinstance(element.tag, str)
            and element.tag not in NOT_SHOWN
            and wanted in element.text_content().lower()
        )

    node = document if holds(document) else None
    while node is not None:
        inner = next((child for child in node if holds(child)), None)
        if inner is None:
            return _text(node)
        node = inner
    return ""


def url_dash_part(spec: Spec, source: str, where: str) -> Read:
    """One ``/``-separated part of the address bar's URL (``partIndex``, from the end when
    negative), without its query when ``needDeleteId``; as text (``returnType: string``) or as
    ``{key: part}`` (``json``). None when the index is out of range."""
    index, kind, key = spec.get("partIndex"), spec.get("returnType"), spec.get("key")
    if isinstance(index, bool) or not isinstance(index, int | str) or not str(index).lstrip("-").isdigit():
        raise OSWorldTaskError(source, where, f"`partIndex` must be a whole number, got {index!r}")
    if kind not in ("string", "json"):
        raise UnsupportedEvaluatorError(source, where, "returnType", str(kind), ("string", "json"))
    if kind == "json" and not isinstance(key, str):
        raise OSWorldTaskError(
            source, where, f'"returnType": "json" needs the "key" to put it under, got {key!r}'
        )
    position, drop_query = int(index), bool(spec.get("needDeleteId", False))
    address = active_url_from_access_tree(spec, source, where)

    def read(outcome: DesktopOutcome) -> Any:
        url = address(outcome)
        parts = url.split("/") if isinstance(url, str) else []
        if not -len(parts) <= position < len(parts):
            return None
        part = parts[position].split("?")[0] if drop_query else parts[position]
        return part if kind == "string" else {key: part}

    return read


#: Getters that read a page's HTML: the session reads it for the tasks that have one.
CONTENT = frozenset({"page_info", "active_tab_html_parse"})
#: These getters by OSWorld's name, each reading options of its spec.
WITH_SPEC = {
    "page_info": page_info,
    "active_tab_html_parse": active_tab_html_parse,
    "url_dashPart": url_dash_part,
}
