"""OSWorld's ``compare_epub`` (a multi_apps task: convert a document to an e-book), written afresh
with its name, arguments and semantics: two EPUB files (zip archives) are compared part by part, by
the share of lines their texts have in common, and the score is the mean over the result's parts.

The parts are the table of contents (``toc.ncx``, without its ``navPoint`` lines, which carry
generated ids), the package file (``content.opf``, without its ``dc:identifier`` line, a fresh
UUID per conversion) and every ``.html`` page, re-indented one element per line so that the same
page written with other line breaks compares equal. Parts are paired in name order, as OSWorld
pairs them. A missing or unreadable book, or one without those two files, scores 0.
"""

from __future__ import annotations

import zipfile
from difflib import SequenceMatcher
from typing import Any

#: The lines of each part dropped before comparing: they change with every conversion.
VOLATILE = {"toc.ncx": "navPoint", "content.opf": "dc:identifier"}


def _pretty_html(raw: bytes) -> list[str]:
    """An HTML page's lines once line breaks are removed and it is re-indented."""
    import lxml.html
    from lxml.etree import ParserError

    text = raw.decode("utf-8", "replace").replace("\n", "").replace("\r", "")
    try:
        page = lxml.html.fromstring(text.encode("utf-8"))
    except (ParserError, ValueError):
        return text.splitlines()
    return str(lxml.html.tostring(page, pretty_print=True, encoding="unicode")).splitlines()


def book_parts(path: Any) -> list[tuple[str, list[str]]] | None:
    """The book's compared parts as (name, lines), in name order; None when it is no readable EPUB."""
    if not path:
        return None
    try:
        with zipfile.ZipFile(str(path)) as book:
            parts = []
            for name, dropped in VOLATILE.items():
                lines = book.read(name).decode("utf-8", "replace").splitlines()
                parts.append((name, [line for line in lines if dropped not in line]))
            pages = [n for n in book.namelist() if n.endswith(".html")]
            parts += [(name, _pretty_html(book.read(name))) for name in pages]
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    return sorted(parts)


def compare_epub(result: Any, expected: Any) -> float:
    """The mean, over the result's parts, of how alike each is to the expected part in the same
    place (difflib's ratio of matching lines, 0 to 1)."""
    got, want = book_parts(result), book_parts(expected)
    if not got or want is None:
        return 0.0
    total = sum(SequenceMatcher(None, a, b).ratio() for (_, a), (_, b) in zip(got, want, strict=False))
    return total / len(got)
