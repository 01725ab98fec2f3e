"""Search and read the documents a task provides (manuals, policies, guides), as two tools.

WebArena-style tasks hand the agent reference documents; a model cannot hold them all in context,
so it searches passages with BM25 (`bm25s`) and reads a whole document once it knows which one
matters. Documents are split into passages of about a paragraph (a heading or a one-line paragraph
joins the paragraph after it; very long paragraphs are cut at sentence boundaries) so a
hit points at the part that answers the query rather than at a whole manual. Each passage keeps
its document's title and its character offset in that document; the title is indexed with every
passage, since "returns policy" is often said by the title and not by the paragraph.

The index is per task, so the tools are closures bound to it, registered with
`register_documents(registry, index)` under a namespace of their own (`docs/search`, `docs/read`).
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import bm25s
import numpy as np

from palaestra.routing.registry import AddReport, ApiRegistry
from palaestra.routing.sources._docstrings import parse_docstring
from palaestra.routing.sources.python import api, from_callable
from palaestra.routing.text import tokenize
from palaestra.routing.tools._common import OFFLINE, DocumentError

#: A passage shorter than this (a heading, a one-line paragraph) takes in the next paragraph too.
MIN_PASSAGE_CHARS = 120
#: A paragraph longer than this is cut at sentence boundaries (or, failing that, at spaces).
MAX_PASSAGE_CHARS = 1200
#: Most passages one search returns.
MAX_K = 10
#: Titles named in the search tool's description (which the selector reads); the rest are counted.
TITLES_IN_DESCRIPTION = 12

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Document:
    """One document a task provides: its title (unique within the task) and its full text."""

    title: str
    text: str


@dataclass(frozen=True)
class Passage:
    """A searchable piece of a document: `text` is `document.text[offset:offset + len(text)]`."""

    title: str
    text: str
    offset: int


@dataclass(frozen=True)
class Hit:
    """One search result: a passage and its BM25 score (higher is better)."""

    passage: Passage
    score: float


class SearchResult(TypedDict):
    """One passage found by a document search."""

    title: str
    passage: str
    score: float


def split_passages(title: str, text: str) -> list[Passage]:
    """Cut a document into passages of about a paragraph, keeping their offsets (see module doc)."""
    spans: list[tuple[int, int]] = []
    for start, end in _paragraph_spans(text):
        spans.extend(_cut_long(text, start, end))
    passages: list[Passage] = []
    group_start: int | None = None
    group_end = 0
    for start, end in spans:
        if group_start is not None:
            short = group_end - group_start < MIN_PASSAGE_CHARS
            if not short or end - group_start > MAX_PASSAGE_CHARS:
                passages.append(Passage(title, text[group_start:group_end], group_start))
                group_start = None
        if group_start is None:
            group_start = start
        group_end = end
    if group_start is not None:
        passages.append(Passage(title, text[group_start:group_end], group_start))
    return passages


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, without its surrounding whitespace."""
    spans = []
    position = 0
    for gap in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = gap.start() if gap is not None else len(text)
        chunk = text[position:end]
        if chunk.strip():
            lead = len(chunk) - len(chunk.lstrip())
            spans.append((position + lead, position + len(chunk.rstrip())))
        if gap is not None:
            position = gap.end()
    return spans


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Split the span into pieces of at most MAX_PASSAGE_CHARS, preferring sentence ends."""
    pieces: list[tuple[int, int]] = []
    while end - start > MAX_PASSAGE_CHARS:
        window = text[start : start + MAX_PASSAGE_CHARS]
        breaks = [m.end() for m in _SENTENCE_END.finditer(window)] or [
            m.end() for m in re.finditer(r"\s+", window)
        ]
        cut = breaks[-1] if breaks and breaks[-1] > MAX_PASSAGE_CHARS // 3 else MAX_PASSAGE_CHARS
        piece = text[start : start + cut]
        pieces.append((start, start + len(piece.rstrip())))
        start += cut
        start += len(text[start:end]) - len(text[start:end].lstrip())
    if start < end:
        pieces.append((start, end))
    return pieces


class DocumentIndex:
    """BM25 over the passages of a task's documents, plus whole-document lookup by title."""

    def __init__(self, documents: Mapping[str, str] | Sequence[Document]) -> None:
        """`documents` maps titles to texts, or lists `Document`s; titles must be unique and non-empty."""
        if isinstance(documents, Mapping):
            pairs = [(str(title), str(text)) for title, text in documents.items()]
        elif isinstance(documents, str | bytes):
            raise TypeError("documents must map titles to texts or list Document objects, not a string.")
        else:
            pairs = [(doc.title, doc.text) for doc in documents]
        self.documents: dict[str, str] = {}
        for title, text in pairs:
            if not title.strip():
                raise ValueError("every document needs a non-empty title.")
            if title in self.documents:
                raise ValueError(f"two documents are titled {title!r}; titles must be unique.")
            self.documents[title] = text
        self.passages: tuple[Passage, ...] = tuple(
            p for title, text in self.documents.items() for p in split_passages(title, text)
        )
        corpus = [tokenize(f"{p.title}\n{p.text}") for p in self.passages]
        self._retriever: bm25s.BM25 | None = None
        if any(corpus):  # bm25s cannot index a corpus without a single token
            self._retriever = bm25s.BM25()
            self._retriever.index(corpus, show_progress=False)

    @property
    def titles(self) -> list[str]:
        """The document titles, in the order given."""
        return list(self.documents)

    def __len__(self) -> int:
        return len(self.documents)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The best `k` passages for `query` (only those sharing a word with it), best first."""
        if self._retriever is None or k < 1:
            return []
        vocabulary = self._retriever.vocab_dict
        ids = [vocabulary[token] for token in tokenize(query) if token in vocabulary]
        if not ids:
            return []
        scores = np.asarray(self._retriever.get_scores_from_ids(ids))
        order = np.argsort(-scores, kind="stable")[:k]
        return [Hit(self.passages[i], float(scores[i])) for i in order if scores[i] > 0]

    def resolve_title(self, title: str) -> str:
        """The exact title meant by `title` (ignoring case and spacing); `DocumentError` if none."""
        if title in self.documents:
            return title
        wanted = _fold(title)
        for known in self.documents:
            if _fold(known) == wanted:
                return known
        folded = {_fold(known): known for known in self.documents}
        close = [folded[c] for c in difflib.get_close_matches(wanted, folded, n=3, cutoff=0.5)]
        hint = f" Did you mean: {', '.join(f'`{c}`' for c in close)}?" if close else ""
        raise DocumentError(f"No document is titled `{title}`.{hint} Documents: {_listing(self.titles)}.")

    def read(self, title: str) -> str:
        """The full text of the document titled `title` (see `resolve_title`)."""
        return self.documents[self.resolve_title(title)]


def _fold(title: str) -> str:
    return " ".join(title.lower().split())


def _listing(titles: list[str], limit: int = 20) -> str:
    shown = ", ".join(f"`{t}`" for t in titles[:limit])
    more = len(titles) - limit
    return f"{shown} and {more} more" if more > 0 else (shown or "(none)")


def register_documents(
    registry: ApiRegistry,
    index: DocumentIndex,
    namespace: str = "docs",
    *,
    replace: bool = False,
) -> AddReport:
    """Register `<namespace>/search` and `<namespace>/read`, bound to `index`, in `registry`.

    The search tool's description names the documents, so a selector can route a question about
    "the returns policy" to it. Pass `replace=True` to swap in the next task's documents.
    """

    @api(annotations=OFFLINE)
    def search(query: str, k: int = 3) -> list[SearchResult]:
        """Search the task's documents (manuals, guides, policies) for the passages that answer a question.

        Use it before guessing how a site, product or procedure works. Then call `read` with a
        result's title for the whole document.

        Args:
            query: What you want to know, in a few words, e.g. "refund a cancelled order".
            k: How many passages to return (1-10).

        Returns:
            The best passages, best first, each with its document's title and a relevance score.
        """
        hits = index.search(query, max(1, min(k, MAX_K)))
        return [
            SearchResult(title=h.passage.title, passage=h.passage.text, score=round(h.score, 3)) for h in hits
        ]

    @api(annotations=OFFLINE)
    def read(title: str) -> str:
        """Read one of the task's reference documents in full, by its title.

        Use it after `search` points at the right document, or when you already know its title.

        Args:
            title: The document's title, as `search` returned it (case does not matter).

        Returns:
            The document's full text.
        """
        return index.read(title)

    entries = [
        from_callable(search, namespace=namespace, description=_with_titles(search, index)),
        from_callable(read, namespace=namespace),
    ]
    return registry.add_many(entries, replace=replace)


def _with_titles(fn: Callable[..., Any], index: DocumentIndex) -> str:
    """The function's documented description followed by the titles it searches."""
    description = parse_docstring(inspect.getdoc(fn)).description
    titles = index.titles
    named = "; ".join(titles[:TITLES_IN_DESCRIPTION])
    more = len(titles) - TITLES_IN_DESCRIPTION
    suffix = f" and {more} more" if more > 0 else ""
    return f"{description}\n\nDocuments: {named}{suffix}." if titles else description
