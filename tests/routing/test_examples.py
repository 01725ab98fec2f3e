"""Example requests written from a tool's schema and description, and indexed beside it."""

from __future__ import annotations

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing import ApiRecord, ApiSelector
from palaestra.routing.examples import example_requests, with_examples
from palaestra.routing.text import dense_text, lexical_tokens

RENTALS = ApiRecord(
    "booking",
    "Search_Car_Rentals",
    "Search for car rentals near a place. Prices in the local currency.",
    {"type": "object", "properties": {"pick_up_date": {"type": "string"}, "driver_age": {"type": "integer"},
     "pick_up_latitude": {"type": "number"}}, "required": ["pick_up_date", "pick_up_latitude"]},
)  # fmt: skip


def test_generated_requests_read_the_name_required_slots_and_first_sentence() -> None:
    assert example_requests(RENTALS) == (
        "search car rentals for pick up date and pick up latitude",
        "please search for car rentals near a place",
    )
    assert example_requests(ApiRecord("w", "weather", "")) == ("get weather",)


def test_a_sources_own_examples_win_and_are_embedded() -> None:
    own = ApiRecord("w", "forecast", "Weather.", examples=("Will it rain in Oslo tomorrow?",))
    assert with_examples(own) is own
    assert dense_text(own).endswith("e.g. Will it rain in Oslo tomorrow?")
    assert "rain" in lexical_tokens(own)


def test_the_selector_indexes_generated_examples_when_asked(minilm: SentenceTransformerEmbedder) -> None:
    selector = ApiSelector(minilm, generate_examples=True)
    selector.add([RENTALS])
    [record] = selector.records()
    assert record.examples == example_requests(RENTALS)
    assert ApiSelector(minilm).generate_examples is False
