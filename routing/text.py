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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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
#: development on all BFCL v4 queries (commit b9c54a2, 2026-11-28); every setting with parameter
#: descriptions included scored within 0.01 nDCG@5 of this one, so it is a sensible default rather
#: than a fitted value, and no command refits it: to revisit, change it and compare the tuning half's
#: rows of `python -m bench.routing --scale 0`.
NAME_WEIGHT = 3
NAMESPACE_WEIGHT = 1
DESCRIPTION_WEIGHT = 1
PARAM_NAME_WEIGHT = 1
PARAM_TEXT_WEIGHT = 1

#: Characters of description, and parameters, the dense text keeps: BFCL's tools come out at 34
#: word pieces on average, 68 at the 99th percentile. Set by hand from those lengths (commit b9c54a2).
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
    if record.examples:  # a source's (or generated, see examples.py) usage example, in the user's words
        text += f" e.g. {' '.join(record.examples[0].split())[:DENSE_DESCRIPTION_CHARS]}"
    return text


# --- slot satisfiability: can the query fill a tool's required parameters? ----------------------

_NUMBER = """
    zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred
    thousand million billion dozen half quarter first second third fourth fifth once twice double
    triple"""
NUMBER_WORDS = frozenset(_NUMBER.split())
_DATE = """
    january february march april may june july august september october november december jan feb
    mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday
    today tomorrow tonight yesterday now week weekend month year morning afternoon evening night noon
    midnight pm am"""
DATE_WORDS = frozenset(_DATE.split())
_QUOTED = re.compile(r"[\"'`][^\"'`]{1,80}[\"'`]")
_IDENTIFIER_LIKE = re.compile(r"[/@_]|\w\.\w")
_SENTENCE_STOP = (".", "?", "!", ":", ";")
_FIRST_PERSON = frozenset({"i", "i'm", "i'd", "i'll", "i've"})
# Parameter kinds read from the parameter's name (split into words); the first that matches wins.
_DATE_PARAM = re.compile(r"date|time|day|year|month|hour|minute|when|period|start|end|deadline|schedule")
_ID_PARAM = re.compile(r"(^|_)(id|ids|uuid|key|code|number|no|num|identifier|token|hash)$")
_PATH_PARAM = re.compile(r"url|uri|path|file|dir|directory|link|email|domain|host|endpoint")
_PROPER_PARAM = re.compile(
    r"name|city|location|country|state|place|address|destination|origin|from|to|area|region|where|"
    r"venue|airport|station|company|title|artist|author|team|player|movie|song|book|restaurant|hotel|"
    r"user|person"
)


@dataclass(frozen=True)
class QueryValues:
    """What kinds of values a query supplies: a number, a date or time, a specific value.

    A "specific value" is a quoted span, a token with a digit, an identifier-, path- or address-like
    token, or a capitalised word that does not start a sentence (a proper noun). Cheap regexes, no
    model: the point is only to tell "find me a train" from "a train from Boston to NYC on May 3".
    """

    words: frozenset[str]
    number: bool
    date: bool
    value: bool

    @classmethod
    def of(cls, text: str) -> QueryValues:
        lower = frozenset(re.findall(r"[a-z]+", text.lower()))
        digit = any(c.isdigit() for c in text)
        return cls(
            words=frozenset(tokenize(text)),
            number=digit or bool(lower & NUMBER_WORDS),
            date=digit or bool(lower & DATE_WORDS),
            value=_has_specific_value(text),
        )


def _has_specific_value(text: str) -> bool:
    if _QUOTED.search(text):
        return True
    tokens = text.split()
    for i, token in enumerate(tokens):
        core = token.strip(".,;:!?()[]{}\"'`")
        if not core:
            continue
        if any(c.isdigit() for c in core) or _IDENTIFIER_LIKE.search(core):
            return True
        starts_sentence = i == 0 or tokens[i - 1].endswith(_SENTENCE_STOP)
        if core[0].isupper() and not starts_sentence and core.lower() not in _FIRST_PERSON:
            return True
    return False


#: A required parameter's kind, and for "enum" the token sets of its values (see `slot_kinds`).
Slot = tuple[str, tuple[frozenset[str], ...]]


def slot_kind(name: str, schema: Any, max_enum: int = 200) -> Slot:
    """What a value of this parameter looks like: "enum", "number", "date", "id", "path", "proper"
    (a name or place), or "weak" (a free string, boolean, array or object: almost any query could
    fill it, so it is not checked)."""
    schema = schema if isinstance(schema, dict) else {}
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        values = [v for v in enum[:max_enum] if isinstance(v, str | int | float) and not isinstance(v, bool)]
        return "enum", tuple(frozenset(tokenize(str(v))) for v in values)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    if kind in ("integer", "number", "float"):
        return "number", ()
    if kind not in (None, "string"):
        return "weak", ()
    words = "_".join(split_identifier(name))
    fmt = str(schema.get("format", ""))
    if fmt in ("date", "date-time", "time") or _DATE_PARAM.search(words):
        return "date", ()
    if _ID_PARAM.search(words):
        return "id", ()
    if fmt in ("uri", "email") or _PATH_PARAM.search(words):
        return "path", ()
    if _PROPER_PARAM.search(words):
        return "proper", ()
    return "weak", ()


def slot_kinds(parameters: dict[str, Any]) -> tuple[Slot, ...]:
    """The kinds of a schema's required top-level parameters, in schema order."""
    properties = parameters.get("properties")
    required = parameters.get("required")
    if not isinstance(properties, dict) or not isinstance(required, list):
        return ()
    return tuple(slot_kind(n, properties[n]) for n in required if isinstance(n, str) and n in properties)


def slot_filled(slot: Slot, query: QueryValues) -> bool | None:
    """Whether the query can fill this parameter (None for a "weak" one: not checked)."""
    kind, enum = slot
    if kind == "enum":
        return any((v and v <= query.words) or (not v and query.number) for v in enum)
    if kind == "number":
        return query.number
    if kind == "date":
        return query.date
    if kind in ("id", "path", "proper"):
        return query.value
    return None


def slots_fillable(slots: Sequence[Slot], query: QueryValues) -> float:
    """1.0 when the query can fill every checked required parameter (or none is checked), else 0.0."""
    return float(all(slot_filled(s, query) is not False for s in slots))
