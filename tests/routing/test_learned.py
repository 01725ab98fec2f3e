"""The learned re-ranker's features and scores, and the int8 record embedder."""

from __future__ import annotations

import numpy as np
import pytest

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing.dense import Int8Embedder, quantized_model, record_embedder
from palaestra.routing.fusion import FusionWeights, fuse
from palaestra.routing.learned import FEATURES, LearnedRanker, RecordTerms, enum_values
from palaestra.routing.records import ApiRecord
from palaestra.routing.text import tokenize

THERMOSTAT = ApiRecord(
    "home",
    "set_thermostat",
    "Set the target temperature of a thermostat.",
    {
        "type": "object",
        "properties": {
            "temperature": {"type": "number", "description": "Degrees."},
            "mode": {"type": "string", "enum": ["heat", "cool", "auto"]},
        },
        "required": ["temperature"],
    },
)
OVERVIEW = ApiRecord(
    "home",
    "climate_overview",
    "A summary of the home's climate: temperature, humidity and air quality in every room.",
    {"type": "object", "properties": {"room": {"type": "string"}}},
)


def test_record_terms_read_name_parameters_and_enums() -> None:
    terms = RecordTerms.of(THERMOSTAT)
    assert terms.name == {"thermostat"}  # "set" is a generic name word
    assert terms.parameter_names == {"temperature", "mode"}
    assert terms.enums == {"heat", "cool", "auto"}
    assert terms.parameters == 2 and terms.required == 1
    nested = {"properties": {"a": {"items": {"enum": ["x", 3]}}, "b": {"enum": list(range(500))}}}
    assert sorted(enum_values(nested, limit=1000))[:2] == ["0", "1"] and "x" in enum_values(nested, 1000)
    assert len(enum_values(nested)) == 200


def test_ranker_reorders_a_near_tie_towards_the_tool_the_query_names() -> None:
    """The overview is slightly closer by cosine and BM25, so fusion puts it first; the query names
    the thermostat and one of its enum values, and the learned ranker puts the thermostat first."""
    query = frozenset(tokenize("Set the thermostat to cool at 21 degrees"))
    cosines, lexical = [0.50, 0.53], [0.95, 1.0]
    fused = fuse(np.array(cosines), np.array(lexical), FusionWeights())
    assert fused[1] > fused[0]
    ranker = LearnedRanker()
    matrix = ranker.matrix(query, cosines, lexical, [RecordTerms.of(THERMOSTAT), RecordTerms.of(OVERVIEW)])
    assert matrix.shape == (2, len(FEATURES))
    row = dict(zip(FEATURES, matrix[0], strict=True))
    assert row["name"] == 1.0 and row["enum_hit"] == 1.0
    scores = ranker.scores(matrix)
    assert scores[0] > scores[1]
    with pytest.raises(ValueError, match="weights"):
        LearnedRanker(weights=(1.0,))


def test_int8_record_embedder_stays_close_to_the_float_model(minilm: SentenceTransformerEmbedder) -> None:
    int8 = record_embedder(minilm, quantize=True)
    assert isinstance(int8, Int8Embedder) and int8.name == minilm.name and int8.dim == minilm.dim
    assert record_embedder(int8, quantize=True) is int8  # only a plain sentence-transformers model
    assert record_embedder(minilm, quantize=False) is minilm
    texts = ["set thermostat: Set the target temperature (temperature, mode)", "send email to a friend"]
    close = (int8.embed(texts) * minilm.embed(texts)).sum(axis=1)
    assert close.min() > 0.85
    query = minilm.embed(["make it warmer, 22 degrees"])[0]
    assert int(np.argmax(int8.embed(texts) @ query)) == 0


def test_selectors_over_one_embedder_share_its_int8_copy(
    minilm: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quantizing copies the whole model (about a second): a benchmark or server building many
    selectors over one embedder makes the int8 copy once (here or in an earlier test)."""
    import torch

    made: list[object] = []
    quantize = torch.ao.quantization.quantize_dynamic
    monkeypatch.setattr(
        torch.ao.quantization, "quantize_dynamic", lambda *a, **k: made.append(a) or quantize(*a, **k)
    )
    first, second = record_embedder(minilm, quantize=True), record_embedder(minilm, quantize=True)
    assert first is not second
    texts = ["get the weather forecast for a city"]
    assert np.array_equal(first.embed(texts), second.embed(texts))
    assert len(made) <= 1 and quantized_model(minilm) is quantized_model(minilm)
