"""Slot satisfiability: the abstain signal that asks whether a query can fill a tool's required parameters."""

from __future__ import annotations

import pytest

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing.fusion import AbstainPolicy, abstain_signals
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector
from palaestra.routing.text import QueryValues, slot_kinds, slots_fillable

TRAIN = ApiRecord(
    "trains",
    "search_connections",
    "Find train connections between two cities on a given date.",
    {
        "type": "object",
        "properties": {
            "origin": {"type": "string", "description": "Departure city"},
            "destination": {"type": "string", "description": "Arrival city"},
            "date_of_journey": {"type": "string", "description": "Travel date, YYYY-MM-DD"},
            "passengers": {"type": "integer", "description": "Number of travellers"},
            "travel_class": {"type": "string", "enum": ["economy", "business"]},
            "notes": {"type": "string", "description": "Anything else"},
        },
        "required": ["origin", "destination", "date_of_journey", "passengers", "notes"],
    },
)
UNFILLABLE = "Can you find me a train?"
FILLABLE = "Find a train from Boston to New York on May 3 for two passengers."


def test_slot_kinds_and_fillable() -> None:
    kinds = [kind for kind, _ in slot_kinds(TRAIN.parameters)]
    assert kinds == ["proper", "proper", "date", "number", "weak"]  # only required ones, in order
    assert slots_fillable(slot_kinds(TRAIN.parameters), QueryValues.of(FILLABLE)) == 1.0
    assert slots_fillable(slot_kinds(TRAIN.parameters), QueryValues.of(UNFILLABLE)) == 0.0
    assert slots_fillable((), QueryValues.of(UNFILLABLE)) == 1.0  # nothing required: fillable
    enum = slot_kinds(
        {"properties": {"c": {"type": "string", "enum": ["economy", "business"]}}, "required": ["c"]}
    )
    assert slots_fillable(enum, QueryValues.of("a business class seat")) == 1.0
    assert slots_fillable(enum, QueryValues.of("a seat by the window")) == 0.0
    values = QueryValues.of("what is your name?")
    assert not values.value and not values.number and not values.date
    assert QueryValues.of('delete the config "d0404"').value
    assert QueryValues.of("weather in zip code 30022").number


def test_unfillable_best_tool_lowers_the_fit() -> None:
    policy = AbstainPolicy()
    words = QueryValues.of(FILLABLE).words
    args = (words, [0.6], [frozenset({"train"})], [frozenset({"train"})])
    gap = abstain_signals(*args, [1.0]).fit(policy) - abstain_signals(*args, [0.0]).fit(policy)
    assert gap == pytest.approx(policy.slots) and policy.slots > 0
    assert abstain_signals(*args).max_slots == 1.0  # not computed: counts as fillable


def test_selector_abstains_when_the_best_tool_cannot_be_filled(minilm: SentenceTransformerEmbedder) -> None:
    selector = ApiSelector(minilm)
    selector.add([TRAIN])
    unfillable = selector.select(UNFILLABLE)
    fillable = selector.select(FILLABLE)
    assert unfillable.keys == fillable.keys == ["trains/search_connections"]
    assert unfillable.signals is not None and unfillable.signals.max_slots == 0.0
    assert unfillable.abstained, unfillable.reason
    assert fillable.signals is not None and fillable.signals.max_slots == 1.0
    assert not fillable.abstained, fillable.reason
    never_slots = ApiSelector(
        minilm, abstain=AbstainPolicy(slots=0.0, cut=AbstainPolicy().cut - AbstainPolicy().slots)
    )
    never_slots.add([TRAIN])
    assert not never_slots.select(UNFILLABLE).abstained  # without the slot signal it would not abstain
