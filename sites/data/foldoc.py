"""FOLDOC, the Free On-line Dictionary of Computing, as the wiki's articles.

Debian's ``dict-foldoc`` package installs it for the dict server (``/usr/share/dictd/foldoc.*``):
about 15,000 entries by Denis Howe and contributors, under the GNU Free Documentation License 1.1 or
later (see ``/usr/share/doc/dict-foldoc/copyright``). Each entry is a headword, a body indented by
three spaces whose first line may carry categories (``<programming, language>``), cross references
in braces (``{Lisp}``), URLs as ``{(http://...)}``, and the date it was last changed
(``(1995-03-29)``). ``entries()`` reads them into records; ``to_markdown`` renders a body with its
cross references as links to the articles that exist.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DICT = Path("/usr/share/dictd/foldoc.dict.dz")
INDEX = Path("/usr/share/dictd/foldoc.index")
_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_CATEGORIES = re.compile(r"^<([^>]+)>\s*")
_DATE = re.compile(r"\((\d{4}-\d{2}-\d{2})\)\s*$")
_REF = re.compile(r"\{([^{}]+)\}")


@dataclass(frozen=True)
class Entry:
    title: str
    categories: tuple[str, ...]
    body: str
    date: str


def _number(text: str) -> int:
    value = 0
    for char in text:
        value = value * 64 + _B64.index(char)
    return value


def entries(dict_path: Path = DICT, index_path: Path = INDEX) -> list[Entry]:
    """Every entry with a body, in the index's order."""
    if not dict_path.is_file():
        raise FileNotFoundError(f"{dict_path} is missing: apt-get install -y dict-foldoc")
    with gzip.open(dict_path) as packed:
        raw = packed.read()
    found = []
    for line in index_path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00database"):
            continue
        start, size = _number(parts[1]), _number(parts[2])
        entry = _parse(raw[start : start + size].decode("utf-8", errors="replace"))
        if entry is not None:
            found.append(entry)
    return found


def _parse(text: str) -> Entry | None:
    head, _, rest = text.partition("\n\n")
    title = head.splitlines()[0].strip() if head else ""
    lines = [line[3:] if line.startswith("   ") else line.strip() for line in rest.splitlines()]
    body = "\n".join(lines).strip()
    if not title or not body:
        return None
    categories: tuple[str, ...] = ()
    match = _CATEGORIES.match(body)
    if match:
        categories = tuple(c.strip() for c in match[1].split(",") if c.strip())
        body = body[match.end() :]
    date = ""
    dated = _DATE.search(body)
    if dated:
        date, body = dated[1], body[: dated.start()].rstrip()
    return Entry(title, categories, body, date)


def paragraphs(body: str) -> list[str]:
    """The body's paragraphs, each on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]


def to_markdown(body: str, link: Callable[[str], str | None]) -> str:
    """The body as Markdown: ``{term}`` becomes a link when ``link(term)`` gives a URL, ``{(url)}``
    the URL's text, and paragraphs are kept."""

    def ref(match: re.Match[str]) -> str:
        inner = match[1].strip()
        if inner.startswith("(") and inner.endswith(")"):
            return inner[1:-1]
        url = link(inner)
        return f"[{inner}]({url})" if url else inner

    return "\n\n".join(_REF.sub(ref, p) for p in paragraphs(body))


def plain(body: str) -> str:
    """The body's text without markup (what a reader sees)."""
    return "\n\n".join(_REF.sub(lambda m: m[1].strip().strip("()"), p) for p in paragraphs(body))
