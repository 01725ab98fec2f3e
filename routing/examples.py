"""Example requests per tool, indexed beside its description (TaskMatrix's "usage examples").

A source that documents its tools with examples (an OpenAPI `x-examples`, a TaskMatrix API
document, `ApiRecord.examples`) keeps them. For a tool without any, `example_requests` writes a few
short requests from its schema and description, in the words a user would type: the name read as
an imperative ("search car rentals"), the required parameters as what the user supplies ("... for
pick up date and pick up latitude"), and the description's first sentence as a request. They are
indexed like a source's examples: as BM25 tokens and, the first one, in the embedded text.

`with_examples` is opt-in (`ApiSelector(..., generate_examples=True)`); `bench.routing` scores it
beside the plain index on every set.
"""

from __future__ import annotations

from dataclasses import replace

from .records import ApiRecord
from .text import first_sentence, parameter_items, split_identifier

#: Name words that already read as a request's verb; any other name gets "get" in front.
_VERB_WORDS = """
    add analyze book buy calculate cancel check compare compute convert create delete download find
    generate get list lookup make play post put read remove reserve retrieve schedule search send
    set share show translate update upload validate verify write
"""
_VERBS = frozenset(_VERB_WORDS.split())


def example_requests(record: ApiRecord, limit: int = 3) -> tuple[str, ...]:
    """The record's own examples, else up to `limit` generated from its name, schema and description."""
    if record.examples:
        return record.examples
    words = split_identifier(record.name)
    if not words:
        return ()
    phrase = " ".join(words if words[0] in _VERBS else ["get", *words])
    required = record.parameters.get("required") or []
    slots = [
        " ".join(split_identifier(name)) for name, _ in parameter_items(record.parameters) if name in required
    ]
    out = [f"{phrase} for {' and '.join(slots[:3])}" if slots else phrase]
    sentence = first_sentence(record.description, 160).rstrip(".")
    if sentence:
        out.append(f"please {sentence[0].lower()}{sentence[1:]}")
    return tuple(dict.fromkeys(out))[:limit]


def with_examples(record: ApiRecord) -> ApiRecord:
    """`record` with `example_requests` as its examples (itself when it already has some)."""
    if record.examples:
        return record
    return replace(record, examples=example_requests(record))
