"""Multi-step requests: the rules' split, the model's split over the scripted server, the merge."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from palaestra.agents.llm import ChatModel, LLMConfig
from palaestra.memory import SentenceTransformerEmbedder
from palaestra.memory.embedders import DelegatingEmbedder
from palaestra.routing import ApiRecord, ApiSelector
from palaestra.routing.needs import (
    LLMNeedSplitter,
    aselect_needs,
    merge_lists,
    parse_needs,
    select_needs,
    split_needs,
)
from palaestra.routing.selector import ScoredApi
from palaestra.testing import ScriptedLLMServer
from palaestra.testing.script import reply_text, server_error


@pytest.mark.parametrize(
    ("request_text", "needs"),
    [
        ("Find the cheapest flight, convert the price to euros and put it in my calendar",
         ["Find the cheapest flight", "convert the price to euros", "put it in my calendar"]),
        ("Calculate the route. Then, find the lyrics of Yesterday. After that, send them to Ann",
         ["Calculate the route", "find the lyrics of Yesterday", "send them to Ann"]),
        ("What's my total spending in March 2022?", ["What's my total spending in March 2022?"]),
        ("Compare the prices of bread and butter", ["Compare the prices of bread and butter"]),
    ],
)  # fmt: skip
def test_split_needs_by_rule(request_text: str, needs: list[str]) -> None:
    assert split_needs(request_text) == needs


def test_short_fragments_join_the_need_before() -> None:
    assert split_needs("Search for a rental car in San Diego and reserve it") == [
        "Search for a rental car in San Diego reserve it"
    ]


def test_parse_needs_drops_bullets_numbers_and_fragments() -> None:
    assert parse_needs("- find a flight\n2. convert the price\n* ok\n- find a flight\n") == [
        "find a flight",
        "convert the price",
    ]


def _hit(name: str) -> ScoredApi:
    return ScoredApi(ApiRecord("s", name, ""), 1.0, 0.0, 0.0)


def test_merge_fuses_reciprocal_ranks_the_whole_request_counting_double() -> None:
    whole = [_hit("a"), _hit("b"), _hit("c")]
    first, second = [_hit("b"), _hit("d")], [_hit("e"), _hit("a")]
    # a: 2/1 + 1/2, b: 2/2 + 1/1, e: 1/1, c: 2/3, d: 1/2
    assert [h.record.name for h in merge_lists([whole, first, second], 4)] == ["a", "b", "e", "c"]


TOOLS = [
    ApiRecord("travel", "search_flights", "Find flights between two cities on a date."),
    ApiRecord("money", "convert_currency", "Convert an amount of money from one currency to another."),
    ApiRecord("calendar", "add_event", "Put an event in the user's calendar."),
    ApiRecord("weather", "get_forecast", "Get the weather forecast for a city."),
    ApiRecord("music", "find_lyrics", "Find the lyrics of a song."),
]


@pytest.fixture(scope="module")
def selector(minilm: SentenceTransformerEmbedder) -> ApiSelector:
    chosen = ApiSelector(minilm)
    chosen.add(TOOLS)
    return chosen


def test_select_needs_finds_a_tool_for_every_step(selector: ApiSelector) -> None:
    request = "Find the cheapest flight to Rome, convert the price to euros and put it in my calendar"
    found = {h.record.name for h in select_needs(selector, request, k=3).hits}
    assert found == {"search_flights", "convert_currency", "add_event"}
    single = selector.select("What is the weather in Oslo?", k=2)
    assert select_needs(selector, "What is the weather in Oslo?", k=2) == single


def test_select_needs_says_which_step_each_api_serves_and_takes_filters(selector: ApiSelector) -> None:
    request = "Find the cheapest flight to Rome, convert the price to euros and put it in my calendar"
    selection = select_needs(selector, request, k=3)
    assert [step.need for step in selection.steps] == split_needs(request)
    assert [step.keys[0] for step in selection.steps] == [
        "travel/search_flights",
        "money/convert_currency",
        "calendar/add_event",
    ]
    assert all(len(step.keys) == 3 for step in selection.steps)
    assert "Step 'convert the price to euros': money/convert_currency" in selection.explain()
    filtered = select_needs(selector, request, k=3, namespaces={"travel", "calendar"})
    assert set(filtered.keys) == {"travel/search_flights", "calendar/add_event"}
    assert all(set(step.keys) <= {"travel/search_flights", "calendar/add_event"} for step in filtered.steps)


def test_llm_splitter_uses_the_model_and_falls_back_to_rules(
    selector: ApiSelector, llm_server: ScriptedLLMServer
) -> None:
    config = LLMConfig(model="scripted", base_url=llm_server.base_url, max_retries=0, timeout=5)
    request = "Plan my Rome trip"  # no rule splits this; the model does

    async def run() -> tuple[list[str], list[str], set[str]]:
        async with ChatModel(config) as model:
            splitter = LLMNeedSplitter(model)
            llm_server.script = reply_text("- find a flight to Rome\n- get the weather forecast in Rome\n")
            listed = await splitter.split(request)
            selection = await aselect_needs(selector, request, 2, splitter)
            llm_server.script = server_error(500)
            failed = await splitter.split("Find a flight and then get the weather in Rome")
            return listed, failed, {h.record.name for h in selection.hits}

    listed, failed, found = asyncio.run(run())
    assert listed == ["find a flight to Rome", "get the weather forecast in Rome"]
    assert failed == ["Find a flight", "get the weather in Rome"]
    assert found == {"search_flights", "get_forecast"}
    assert "Split the user's request" in llm_server.chat_requests[0].json["messages"][0]["content"]


def test_context_that_asks_for_nothing_is_no_need() -> None:
    request = "Today is October 13th, 2024. I want to rent a car in Oslo. Could you compare the prices?"
    assert split_needs(request) == ["I want to rent a car in Oslo", "Could you compare the prices?"]
    assert split_needs("Today is October 13th, 2024.") == ["Today is October 13th, 2024."]


class CountingEmbedder(DelegatingEmbedder):
    def __init__(self, inner: SentenceTransformerEmbedder) -> None:
        super().__init__(inner)
        self.batches: list[list[str]] = []

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        return self.inner.embed(texts)


def test_a_requests_needs_are_embedded_in_one_batch(minilm: SentenceTransformerEmbedder) -> None:
    counting = CountingEmbedder(minilm)
    selector = ApiSelector(counting, record_embedder=minilm)
    selector.add(TOOLS)
    request = "Find a flight to Rome, then convert the price to euros"
    counting.batches.clear()
    select_needs(selector, request, k=3)
    assert counting.batches == [[request, "Find a flight to Rome", "convert the price to euros"]]
