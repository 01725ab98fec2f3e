"""What the selector indexes for each record: lexical tokens and one compact text for the embedder.

Tool names are the strongest signal a registry has (`get_weather`, `ChaDri.change_drink`,
`mathFactorial`), but a plain word tokenizer sees them as one opaque token. Splitting identifiers
on case changes, underscores, dots and digits turns them into the words a query uses. Fields are
weighted for BM25 by repeating their tokens: a name word counts more than a word deep in a
parameter's description, which is the cheap way to get field weighting from a single-field BM25.

The dense text is kept short on purpose: all-MiniLM-L6-v2 truncates at 256 word pieces, attention
cost grows with length, and the first sentence of a description carries most of its meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .records import ApiRecord

_WORD = re.compile(r"[A-Za-z]+|[0-9]+")
# lower→Upper ("getWeather") and Upper→Upper-lower ("HTTPRequest" -> "HTTP", "Request") boundaries.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`'\"(])")

#: Function words and request filler ("can you please ...") that carry nothing about which API fits.
_STOPWORDS = """
    a about above after again all also am an and any are as at be been being below between both but
    by can could did do does doing down during each either else etc for from further given had has have
    having he her here hers him his how i if in into is it its itself just let like may me might more
    most must my myself need needs no nor not now of off on once only or other our ours out over own
    per please same shall she should so some such than that the their theirs them then there these
    they this those through to too under until up upon us use used using very via want was we were
    what when where which while who whom why will with within would you your yours"""
STOPWORDS = frozenset(_STOPWORDS.split())

#: Repetitions per field in the BM25 document (see module doc). Picked from a small grid during
#: development on all BFCL queries; every setting with parameter descriptions included scored within
#: 0.01 nDCG@5 of this one, so it is a sensible default rather than a fitted value.
NAME_WEIGHT = 3
NAMESPACE_WEIGHT = 1
DESCRIPTION_WEIGHT = 1
PARAM_NAME_WEIGHT = 1
PARAM_TEXT_WEIGHT = 1

#: Characters of description, and parameters, the dense text keeps: BFCL's tools come out at 34
#: word pieces on average, 68 at the 99th percentile.
DENSE_DESCRIPTION_CHARS = 240
DENSE_MAX_PARAMS = 8


def stem(word: str) -> str:
    """A light English suffix strip (plural and -ing/-ed forms) so "prices" meets "price".

    Deliberately conservative: over-stemming merges unrelated API vocabulary ("news" vs "new").
    """
    if len(word) <= 3 or word.endswith(("ss", "us", "is", "ews")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        word = word[:-2]
    elif word.endswith("s"):
        word = word[:-1]  # then -ing/-ed too, so "strings" and "string" meet
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    return word


#: Words that start many API names whatever they do ("get_", "find_", "calculate_"). The abstain
#: signal ignores them: a query's "find" says nothing about whether `find_contact` fits it.
_GENERIC = """
    get set fetch retrieve find search list create add update delete remove calculate calc compute
    check make run perform query lookup look show api data info tool new current"""
GENERIC_NAME_WORDS = frozenset(stem(w) for w in _GENERIC.split())


def split_identifier(text: str) -> list[str]:
    """Words of an identifier or sentence, split on camelCase, `_`, `.`, `-` and digits; lower case."""
    out: list[str] = []
    for chunk in _WORD.findall(text):
        out.extend(part.lower() for part in _CAMEL.split(chunk) if part)
    return out


def tokenize(text: str) -> list[str]:
    """Lexical tokens: identifier-split words, no stopwords, no bare numbers, lightly stemmed."""
    return [stem(w) for w in split_identifier(text) if w not in STOPWORDS and not w.isdigit() and len(w) > 1]


def name_words(name: str) -> frozenset[str]:
    """The distinctive words of an API name (its tokens without `GENERIC_NAME_WORDS`)."""
    return frozenset(tokenize(name)) - GENERIC_NAME_WORDS


def first_sentence(text: str, limit: int = 200) -> str:
    """The description's first sentence (it should say when to use the API), at most `limit` chars."""
    text = " ".join(text.split())
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rstrip() + "…"


def parameter_items(parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, description) of the top-level parameters, in schema order."""
    properties = parameters.get("properties")
    if not isinstance(properties, dict):
        return []
    items = []
    for name, schema in properties.items():
        described = schema.get("description", "") if isinstance(schema, dict) else ""
        items.append((str(name), described if isinstance(described, str) else ""))
    return items


def _repeat(tokens: list[str], times: int) -> Iterable[str]:
    for _ in range(times):
        yield from tokens


def lexical_tokens(record: ApiRecord) -> list[str]:
    """The field-weighted bag of tokens BM25 indexes for `record`."""
    params = parameter_items(record.parameters)
    tokens = [
        *_repeat(tokenize(record.name), NAME_WEIGHT),
        *_repeat(tokenize(record.namespace), NAMESPACE_WEIGHT),
        *_repeat(tokenize(f"{record.description} {record.category}"), DESCRIPTION_WEIGHT),
        *_repeat(tokenize(" ".join(name for name, _ in params)), PARAM_NAME_WEIGHT),
        *_repeat(tokenize(" ".join(text for _, text in params)), PARAM_TEXT_WEIGHT),
        *tokenize(" ".join(record.examples)),
    ]
    return tokens


def dense_text(record: ApiRecord) -> str:
    """One compact line per record for the embedder: name words, description, parameter names."""
    name = " ".join(split_identifier(record.name))
    description = " ".join(record.description.split())
    if len(description) > DENSE_DESCRIPTION_CHARS:
        description = description[:DENSE_DESCRIPTION_CHARS].rsplit(" ", 1)[0]
    params = [" ".join(split_identifier(n)) for n, _ in parameter_items(record.parameters)]
    text = f"{name}: {description}"
    if params:
        text += f" ({', '.join(params[:DENSE_MAX_PARAMS])})"
    return text
