"""A learned re-ranking of the fused candidates: a linear score over cheap features of each one.

Fusion sees two numbers per candidate (a cosine and a BM25 score). Which words of the query the
candidate's *parts* contain says more: a query that names the tool's distinctive name words, its
parameters or one of its enum values fits it better than one that shares words with a long
description, and a record that covers more of the query's words fits better than one that covers
a few. These features cost a few set intersections per candidate (no model call), so every fused
candidate (at most twice `selector.CANDIDATES`) is re-scored on every query. It is opt-in for now
(see `BFCL_RANKER`).

The weights are a pairwise logistic regression ("this gold candidate above that one") fitted on the
tuning half of BFCL v4 by `palaestra routing tune` and copied here by hand; nothing is
fitted at import or query time. Only generic features are used: none says which benchmark a tool
came from or how its name is spelled. Tuned for all-MiniLM-L6-v2 cosines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .fusion import overlap
from .records import ApiRecord
from .text import Slot, first_sentence, lexical_tokens, name_words, parameter_items, slot_kinds, tokenize

#: The features, in the order of `WEIGHTS` (see `features`).
FEATURES = (
    "cosine",
    "lexical",
    "name",
    "first_sentence",
    "query_in_description",
    "parameter_names",
    "enum_hit",
    "query_in_document",
    "log_parameters",
    "log_required",
)
#: Pairwise logistic regression on the tuning half of BFCL v4 (bfcl-eval 2026.3.23; each query's
#: fused candidates, every gold one against every other), printed as "learned ranker WEIGHTS" by
#: `palaestra routing tune` (then `python -m bench.routing --tune`; commit 3d4dd95, 2026-11-28, int8
#: records; regenerate with `palaestra routing tune --download`), and scaled so the
#: cosine's weight is the fusion's dense weight (0.7): scores keep the fused score's units, so the
#: feedback prior's bonus means what it did. Fused -> learned, hit@5 and nDCG@5: tuning half
#: 0.888 -> 0.901 and 0.780 -> 0.800; held-out half 0.906 -> 0.916 and 0.797 -> 0.817 (int8 records).
WEIGHTS = (0.7, 0.474, 0.251, 0.267, 0.011, 0.14, 0.243, 0.085, 0.066, -0.205)
#: At most this many enum values per record are read (some schemas list every country).
MAX_ENUM_VALUES = 200


@dataclass(frozen=True)
class RecordTerms:
    """What the features (and the abstain signals) read from a record, computed once when it is added."""

    name: frozenset[str]
    first_sentence: frozenset[str]
    description: frozenset[str]
    parameter_names: frozenset[str]
    enums: frozenset[str]
    document: frozenset[str]
    parameters: int
    required: int
    #: The required parameters' kinds (`text.slot_kinds`), for the abstain rule's `max_slots`.
    slots: tuple[Slot, ...] = ()

    @classmethod
    def of(cls, record: ApiRecord) -> RecordTerms:
        params = parameter_items(record.parameters)
        required = record.parameters.get("required")
        return cls(
            name=name_words(record.name),
            first_sentence=frozenset(tokenize(first_sentence(record.description))),
            description=frozenset(tokenize(record.description)),
            parameter_names=frozenset(w for name, _ in params for w in tokenize(name)),
            enums=frozenset(w for value in enum_values(record.parameters) for w in tokenize(value)),
            document=frozenset(lexical_tokens(record)),
            parameters=len(params),
            required=len(required) if isinstance(required, list) else 0,
            slots=slot_kinds(record.parameters),
        )


def enum_values(schema: Any, limit: int = MAX_ENUM_VALUES) -> list[str]:
    """The enum values anywhere in a JSON Schema, as strings, at most `limit` of them."""
    out: list[str] = []
    stack = [schema]
    while stack and len(out) < limit:
        node = stack.pop()
        if isinstance(node, dict):
            values = node.get("enum")
            if isinstance(values, list):
                out.extend(str(v) for v in values if isinstance(v, str | int | float))
            stack.extend(v for k, v in node.items() if k != "enum")
        elif isinstance(node, list):
            stack.extend(node)
    return out[:limit]


def features(query: frozenset[str], cosine: float, lexical: float, terms: RecordTerms) -> list[float]:
    """One candidate's features, in `FEATURES` order."""
    return [
        cosine,
        lexical,
        overlap(terms.name, query),
        overlap(terms.first_sentence, query),
        overlap(query, terms.description),
        overlap(terms.parameter_names, query),
        float(bool(terms.enums & query)),
        overlap(query, terms.document),
        math.log1p(terms.parameters),
        math.log1p(terms.required),
    ]


@dataclass(frozen=True)
class LearnedRanker:
    """A linear score over `features`; the defaults are the BFCL-tuned `WEIGHTS` (see `BFCL_RANKER`)."""

    weights: tuple[float, ...] = WEIGHTS

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(
                f"expected {len(FEATURES)} weights ({', '.join(FEATURES)}), got {len(self.weights)}"
            )

    def matrix(
        self,
        query: frozenset[str],
        cosines: Sequence[float] | np.ndarray,
        lexical: Sequence[float] | np.ndarray,
        terms: Sequence[RecordTerms],
    ) -> np.ndarray:
        """The features of each candidate, one row each."""
        rows = [features(query, c, x, t) for c, x, t in zip(cosines, lexical, terms, strict=True)]
        return np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))

    def scores(self, matrix: np.ndarray) -> np.ndarray:
        return matrix @ np.asarray(self.weights, dtype=np.float64)


#: The BFCL-tuned ranker. Opt-in (`ApiSelector(ranker=BFCL_RANKER)`): it gains on BFCL's held-out
#: half, but on the hand-written 40-tool fixture of tests/routing (short queries) it lowers hit@1 from
#: 19/22 to 16/22, because one shared word there makes a candidate's normalised BM25 score 1.0 and
#: the weights trust BM25 more than the fusion does. Until it is tuned on more varied data it is
#: not the default.
BFCL_RANKER = LearnedRanker()
