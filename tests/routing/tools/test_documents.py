"""Document search: passages, ranking, offsets, and reading a document by its title."""

from __future__ import annotations

import pytest

from palaestra.routing.tools import (
    Document,
    DocumentError,
    DocumentIndex,
    split_passages,
)
from palaestra.routing.tools import documents as documents_module


@pytest.mark.parametrize(
    ("query", "title", "phrase"),
    [
        ("how do I refund an order", "Shopping admin manual", "Credit Memo"),
        ("add a new product with a SKU", "Shopping admin manual", "Add Product"),
        ("customer group tier price", "Shopping admin manual", "Customer groups"),
        ("upload my ssh public key", "GitLab guide", "ssh-keygen"),
        ("open a merge request for review", "GitLab guide", "assign a reviewer"),
        ("driving directions travel time", "Map help", "choose walking, cycling"),
    ],
)
def test_search_finds_the_right_passage(index: DocumentIndex, query: str, title: str, phrase: str) -> None:
    hits = index.search(query, k=3)
    assert hits, query
    best = hits[0]
    assert best.passage.title == title
    assert phrase in best.passage.text
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_search_returns_only_matching_passages(index: DocumentIndex) -> None:
    assert index.search("zebra quantum", k=3) == []
    assert index.search("the of and", k=3) == []  # stopwords only
    assert len(index.search("order", k=10)) <= 10


def test_passages_keep_title_and_offset(index: DocumentIndex, documents: dict[str, str]) -> None:
    shop = [p for p in index.passages if p.title == "Shopping admin manual"]
    assert len(shop) >= 2  # split, not indexed as one blob
    for passage in index.passages:
        text = documents[passage.title]
        assert text[passage.offset : passage.offset + len(passage.text)] == passage.text
    refund = next(p for p in shop if "Credit Memo" in p.text)
    assert refund.offset == documents["Shopping admin manual"].index("Refunds.")


def test_long_paragraphs_are_cut_at_sentences() -> None:
    sentence = "The warehouse ships every order within two business days of payment. "
    text = "Intro.\n\n" + sentence * 60 + "\n\nLast paragraph."
    passages = split_passages("Long", text)
    assert len(passages) >= 4
    assert all(len(p.text) <= documents_module.MAX_PASSAGE_CHARS for p in passages)
    assert all(p.text.endswith(".") for p in passages)  # cut at sentence ends
    for passage in passages:
        assert text[passage.offset : passage.offset + len(passage.text)] == passage.text
    covered = "".join(p.text for p in passages).replace(" ", "").replace("\n", "")
    assert covered == text.replace(" ", "").replace("\n", "")  # nothing lost


def test_read_returns_the_document_and_suggests_titles(
    index: DocumentIndex, documents: dict[str, str]
) -> None:
    assert index.read("GitLab guide") == documents["GitLab guide"]
    assert index.read("  gitlab   GUIDE ") == documents["GitLab guide"]
    with pytest.raises(DocumentError) as caught:
        index.read("Gitlab guid")
    message = str(caught.value)
    assert "No document is titled `Gitlab guid`. Did you mean: `GitLab guide`?" in message
    assert "`Map help`" in message


def test_document_index_inputs() -> None:
    from_documents = DocumentIndex([Document("A", "alpha beta"), Document("B", "gamma delta")])
    assert from_documents.titles == ["A", "B"]
    assert from_documents.search("gamma")[0].passage.title == "B"
    assert DocumentIndex({}).search("anything") == []
    with pytest.raises(ValueError, match="titles must be unique"):
        DocumentIndex([Document("A", "x"), Document("A", "y")])
    with pytest.raises(ValueError, match="non-empty title"):
        DocumentIndex({" ": "x"})
