"""OSWorld's ``compare_htmls``, written afresh with its name, arguments and semantics: whether two HTML
files are the same page (1) or not (0), as OSWorld checks a page saved as HTML against its gold.

As OSWorld (which walks BeautifulSoup's trees of both files side by side), both documents are
walked in document order, node by node: the doctype, each element, each run of text (whitespace
too) and each comment. Two elements match when they have the same tag, the same text (all the text
inside them, stripped at both ends; what scripts, styles and templates hold counts only for
themselves, as BeautifulSoup reads it) and the same attributes (``class``, ``rel`` and the other
lists of words compared word by word, so spacing aside); ``ignore_sdnum`` leaves out ``sdnum``,
the number format LibreOffice writes on table cells. Two texts or comments match when they are
equal. The first pair that does not match scores 0. As in OSWorld, the walk stops at the end of the
shorter document: what one page has beyond the other's last node is only seen through its
ancestors' text. A missing file, or one that is not UTF-8 HTML, scores 0 (OSWorld fails).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.etree
import lxml.html

#: Attributes BeautifulSoup reads as lists of words (compared word by word).
WORD_LISTS = frozenset({"class", "rel", "rev", "accept-charset", "headers", "accesskey", "dropzone"})
#: Elements whose text counts for themselves only, not for the elements around them.
OWN_TEXT = frozenset({"script", "style", "template"})


def _document(path: Any) -> Any:
    """The file parsed as HTML (its root element), or None."""
    if not path or not Path(str(path)).is_file():
        return None
    try:
        data = Path(str(path)).read_bytes()
        if not data.decode("utf-8").strip():
            return None
        return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, lxml.etree.ParserError, ValueError):
        return None


def _text(element: Any) -> str:
    """All the text inside an element (not comments; not scripts' and styles' unless its own)."""
    if element.tag in OWN_TEXT:
        return "".join(element.itertext())
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            parts.append(_text(child) if child.tag not in OWN_TEXT else "")
        parts.append(child.tail or "")
    return "".join(parts)


def _attributes(element: Any, ignore_sdnum: bool) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in element.attrib.items():
        if ignore_sdnum and name == "sdnum":
            continue
        found[name] = value.split() if name in WORD_LISTS else value
    return found


def _nodes(element: Any, ignore_sdnum: bool) -> Iterator[tuple[str, Any]]:
    """The element and everything in it, in document order, each as what is compared."""
    if isinstance(element.tag, str):
        yield "element", (element.tag, _text(element).strip(), _attributes(element, ignore_sdnum))
    else:  # a comment or a processing instruction: compared as text, as BeautifulSoup's strings
        yield "text", element.text or ""
        return
    if element.text:
        yield "text", element.text
    for child in element:
        yield from _nodes(child, ignore_sdnum)
        if child.tail:
            yield "text", child.tail


def _walk(root: Any, ignore_sdnum: bool) -> Iterator[tuple[str, Any]]:
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        yield "text", doctype
    yield from _nodes(root, ignore_sdnum)


def compare_htmls(html_path1: Any, html_path2: Any, ignore_sdnum: bool = False) -> float:
    """1 when the two pages match node by node (see the module's docstring), else 0."""
    first, second = _document(html_path1), _document(html_path2)
    if first is None or second is None:
        return 0.0
    pairs = zip(_walk(first, bool(ignore_sdnum)), _walk(second, bool(ignore_sdnum)), strict=False)
    return float(all(a == b for a, b in pairs))
