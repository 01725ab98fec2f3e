"""The API selector on a small hand-written registry, with the real all-MiniLM-L6-v2."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import numpy as np
import pytest

from palaestra.agents.llm import ChatModel, LLMConfig
from palaestra.errors import ConfigError
from palaestra.memory import DelegatingEmbedder, Embedder, HashingEmbedder, SentenceTransformerEmbedder
from palaestra.routing.fusion import AbstainPolicy
from palaestra.routing.meta_tool import search_apis_tool
from palaestra.routing.records import ApiRecord
from palaestra.routing.rerank import LLMReranker, RerankError, merge_order, parse_numbers
from palaestra.routing.selector import RERANK_TIMEOUT_S, ApiSelector, Selection
from palaestra.routing.text import first_sentence, split_identifier, tokenize
from palaestra.testing.script import reply_text, server_error, slow
from palaestra.testing.server import ScriptedLLMServer


def tool(key: str, category: str, description: str, params: str) -> ApiRecord:
    namespace, name = key.split("/")
    properties = {p: {"type": "string", "description": p.replace("_", " ")} for p in params.split()}
    return ApiRecord(
        namespace, name, description, {"type": "object", "properties": properties}, category=category
    )


# One tool a line: key | category | description | parameter names.
_TABLE = """
weather/get_forecast | info | Forecast the weather for a city for the next days. | city days
weather/current_conditions | info | Current temperature, wind and humidity at a place. | location
weather/air_quality | info | Air quality index and pollutants for a city. | city
mail/send_email | comms | Send an email message to one or more recipients. | to subject body
mail/search_inbox | comms | Search the mailbox for emails matching words or a sender. | query sender
mail/delete_email | comms | Delete an email from the mailbox by its id. | message_id
chat/postMessage | comms | Post a message to a Slack channel. | channel text
calendar/create_event | productivity | Create a calendar event or meeting at a time. | title start end
calendar/list_events | productivity | List the calendar events between two dates. | start end
calendar/cancel_event | productivity | Cancel a scheduled calendar event. | event_id
files/read_file | system | Read the contents of a file on disk. | path
files/write_file | system | Write text to a file, creating or overwriting it. | path content
files/list_directory | system | List the files and folders in a directory. | path
files/zip_folder | system | Compress a folder into a zip archive. | path archive
finance/stock_quote | finance | Get the latest stock price of a ticker symbol. | symbol
finance/convert_currency | finance | Convert money between currencies. | amount from_currency to_currency
finance/loan_payment | finance | Compute the monthly payment of a loan or mortgage. | principal rate years
maps/get_directions | travel | Driving, walking or transit route between places. | origin destination mode
maps/find_nearby | travel | Find places of a kind (restaurants, cafes, pharmacies) nearby. | kind location
maps/geocode | travel | Turn a street address into latitude and longitude. | address
travel/search_flights | travel | Search flights between two airports on a date. | origin destination date
travel/book_hotel | travel | Book a hotel room in a city for given nights. | city check_in nights
music/play_song | media | Play a song by title or artist on the speaker. | title artist
music/create_playlist | media | Create a new music playlist with a name. | name
video/search_movies | media | Search movies by genre, actor or director. | genre actor
math/solve_quadratic | math | Solve a quadratic equation ax^2 + bx + c = 0. | a b c
math/calculate_triangle_area | math | Area of a triangle from its base and height. | base height
math/factorial | math | The factorial of a non-negative integer. | n
math/unit_convert | math | Convert a quantity between units of length, mass, volume. | value from_unit to_unit
translate/translate_text | language | Translate text from one language to another. | text target_language
translate/detect_language | language | Detect which language a text is written in. | text
github/create_issue | dev | Open a new issue in a GitHub repository. | repo title body
github/list_pull_requests | dev | List the open pull requests of a GitHub repository. | repo
shop/add_to_cart | shopping | Add a product to the shopping cart. | product_id quantity
shop/track_order | shopping | Track the delivery status of an order. | order_id
home/set_thermostat | home | Set the thermostat to a target temperature. | temperature
home/turn_on_lights | home | Turn on the lights in a room. | room
health/log_workout | health | Log a workout with its type and duration. | activity minutes
contacts/find_contact | comms | Look up a contact's phone number and email by name. | name
notes/create_note | productivity | Save a text note with a title. | title text
"""
TOOLS = [tool(*(part.strip() for part in line.split("|"))) for line in _TABLE.strip().splitlines()]

QUERIES = [
    ("Will it rain in Paris this weekend?", {"weather/get_forecast"}),
    ("How windy is it in Chicago right now?", {"weather/current_conditions"}),
    ("Email Bob the quarterly report", {"mail/send_email"}),
    ("Find the emails Alice sent me last week", {"mail/search_inbox"}),
    ("Schedule a meeting with the design team on Friday at 3pm", {"calendar/create_event"}),
    ("What's on my calendar tomorrow?", {"calendar/list_events"}),
    ("Show me what's in the Downloads folder", {"files/list_directory"}),
    ("Save this text into notes.txt", {"files/write_file", "notes/create_note"}),
    ("What is Apple's share price?", {"finance/stock_quote"}),
    ("How many dollars is 250 euros?", {"finance/convert_currency"}),
    ("What would my monthly mortgage payment be on 300k over 30 years at 6%?", {"finance/loan_payment"}),
    ("How do I drive from Boston to New York?", {"maps/get_directions"}),
    ("Is there a pharmacy near me?", {"maps/find_nearby"}),
    ("Find me a flight from SFO to JFK on May 3", {"travel/search_flights"}),
    ("Play Bohemian Rhapsody by Queen", {"music/play_song"}),
    ("Find the roots of x^2 - 3x + 2 = 0", {"math/solve_quadratic"}),
    ("How many kilograms are 12 pounds?", {"math/unit_convert"}),
    ("Say 'good morning' in Japanese", {"translate/translate_text"}),
    ("File a bug in the palaestra repo about the login crash", {"github/create_issue"}),
    ("Where is my package? Order 1234", {"shop/track_order"}),
    ("Make it warmer in here, set 22 degrees", {"home/set_thermostat"}),
    ("What's Carol's phone number?", {"contacts/find_contact"}),
]

IRRELEVANT = [
    "Tell me a joke about penguins",
    "Who won the football world cup in 1998?",
    "How old is the universe?",
    "What is the meaning of life?",
]


class CountingEmbedder(DelegatingEmbedder):
    """Delegates to another embedder and counts the texts it embeds."""

    def __init__(self, inner: Embedder) -> None:
        super().__init__(inner)
        self.texts = 0

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        self.texts += len(texts)
        return self.inner.embed(texts)


@pytest.fixture(scope="module")
def selector(minilm: SentenceTransformerEmbedder) -> ApiSelector:
    built = ApiSelector(minilm)
    assert built.add(TOOLS) == len(TOOLS)
    return built


def test_text_helpers_split_identifiers_and_sentences() -> None:
    assert split_identifier("ChaDri.change_drink") == ["cha", "dri", "change", "drink"]
    assert split_identifier("getHTTPResponse2") == ["get", "http", "response", "2"]
    assert tokenize("Please get the prices of stocks") == ["get", "price", "stock"]
    assert first_sentence("Book a hotel. Needs a city.") == "Book a hotel."


def test_selection_quality_on_the_fixture_registry(selector: ApiSelector) -> None:
    hit1 = hit3 = 0
    for query, gold in QUERIES:
        keys = selector.select(query, k=3).keys
        hit1 += keys[0] in gold
        hit3 += bool(gold & set(keys))
    assert hit3 / len(QUERIES) >= 0.95, f"hit@3 {hit3}/{len(QUERIES)}"
    assert hit1 / len(QUERIES) >= 0.8, f"hit@1 {hit1}/{len(QUERIES)}"
    assert selector.select("Will it rain in Paris this weekend?").keys[0] == "weather/get_forecast"
    assert selector.select("Open an issue on GitHub").keys[0] == "github/create_issue"
    top = selector.select("How many dollars is 250 euros?").hits[0]
    assert top.key == "finance/convert_currency"
    assert 0 < top.dense <= 1 and 0 <= top.lexical <= 1 and top.score > 0


def test_relevant_queries_do_not_abstain(selector: ApiSelector) -> None:
    abstained = [q for q, _ in QUERIES if selector.select(q).abstained]
    assert len(abstained) <= 1, abstained


def test_abstains_on_clearly_irrelevant_queries(selector: ApiSelector) -> None:
    for query in IRRELEVANT:
        selection = selector.select(query)
        assert selection.abstained, (query, selection.reason, selection.keys)
        assert selection.hits, "abstaining still shows the closest candidates"
        assert "fit" in selection.reason and selection.signals is not None


def test_prefilter_by_namespace_and_category(selector: ApiSelector) -> None:
    only_mail = selector.select("send a message to the team", k=5, namespaces=["mail"])
    assert only_mail.hits and {h.record.namespace for h in only_mail.hits} == {"mail"}
    assert only_mail.keys[0] == "mail/send_email"
    finance = selector.select("what is the weather in Rome", k=3, categories={"finance"})
    assert {h.record.category for h in finance.hits} == {"finance"}
    both = selector.select("play music", namespaces=["music", "video"], categories=["media"])
    assert set(both.keys) <= {"music/play_song", "music/create_playlist", "video/search_movies"}
    empty = selector.select("anything", namespaces=["no-such-server"])
    assert empty.hits == [] and empty.abstained


def test_incremental_add_and_remove(minilm: SentenceTransformerEmbedder) -> None:
    counting = CountingEmbedder(minilm)
    selector = ApiSelector(counting)
    assert selector.add(TOOLS[:20]) == 20
    query = "Make it warmer in here, set 22 degrees"
    assert "home/set_thermostat" not in selector.select(query).keys
    embedded = counting.texts
    assert selector.add(TOOLS) == len(TOOLS) - 20  # only the new ones are embedded
    assert counting.texts == embedded + len(TOOLS) - 20
    assert selector.select(query).keys[0] == "home/set_thermostat"
    assert selector.add(TOOLS) == 0  # nothing changed: nothing embedded
    # A new description means a new vector; a new category alone does not.
    changed = tool("home/set_thermostat", "home", "Change the lights' colour.", "temperature")
    assert selector.add([changed]) == 1
    assert selector.add([tool("home/set_thermostat", "", "Change the lights' colour.", "temperature")]) == 0
    assert selector.remove(["home/set_thermostat", "unknown/key"]) == 1
    assert "home/set_thermostat" not in selector.select(query, k=10).keys
    assert len(selector) == len(TOOLS) - 1 and "home/set_thermostat" not in selector


def test_prior_reorders_near_ties_only(selector: ApiSelector) -> None:
    query = "How windy is it in Chicago right now?"
    before = selector.select(query, k=2)
    assert before.hits[0].score - before.hits[1].score < 0.15  # a near tie
    clear = selector.select("Will it rain in Paris this weekend?", k=2).keys
    selector.prior = lambda key: 0.1 if key == before.keys[0] else 0.9
    try:
        assert selector.select(query, k=2).keys[0] == before.keys[1]
        selector.prior = lambda key: 0.5 if key == clear[0] else 1.0  # a mediocre record, not a bad one
        assert selector.select("Will it rain in Paris this weekend?", k=2).keys[0] == clear[0]
        selector.prior = lambda key: 1 / 0  # a broken feedback store is ignored
        assert selector.select(query, k=2).keys == before.keys
    finally:
        selector.prior = None


class ScriptedReranker:
    def __init__(self, answer: Sequence[int] | Exception) -> None:
        self.answer, self.seen = answer, list[ApiRecord]()

    async def rerank(self, query: str, candidates: Sequence[ApiRecord]) -> Sequence[int]:
        self.seen = list(candidates)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_rerank_reorders_and_falls_back_on_errors(selector: ApiSelector) -> None:
    query = "Will it rain in Paris this weekend?"
    fused = selector.select(query, k=3).keys
    reranker = ScriptedReranker([2, 0, 2, 99])
    selector.reranker = reranker
    try:
        reranked = asyncio.run(selector.aselect(query, k=3))
        assert len(reranker.seen) == selector.rerank_top_n
        assert reranked.reranked and reranked.keys == [fused[2], fused[0], fused[1]]
        selector.reranker = ScriptedReranker(RuntimeError("model down"))
        fallback = asyncio.run(selector.aselect(query, k=3))
        assert fallback.keys == fused and not fallback.reranked
        assert fallback.rerank_error == "RuntimeError: model down"
        assert asyncio.run(selector.aselect(query, k=3, rerank=False)).keys == fused
    finally:
        selector.reranker = None


def test_the_rerankers_answer_decides_abstention(selector: ApiSelector) -> None:
    fits, joke = "Will it rain in Paris this weekend?", "Tell me a joke about penguins"
    assert not selector.select(fits).abstained and selector.select(joke).abstained
    try:
        selector.reranker = ScriptedReranker([])  # "none fits"
        none = asyncio.run(selector.aselect(fits, k=3))
        assert none.abstained and none.reranked and "none of the best" in none.reason
        assert none.keys == selector.select(fits, k=3).keys  # the fused order is kept for inspection
        selector.reranker = ScriptedReranker([99, 1])  # names a candidate (and an unknown one)
        some = asyncio.run(selector.aselect(joke, k=3))
        assert not some.abstained and some.reason == "the re-ranker named fitting APIs"
        selector.reranker = ScriptedReranker([99])  # only an unknown one: nothing named
        assert asyncio.run(selector.aselect(fits, k=3)).abstained
        selector.reranker = ScriptedReranker(RuntimeError("model down"))  # a failure keeps the rule
        assert asyncio.run(selector.aselect(joke, k=3)).abstained
        assert not asyncio.run(selector.aselect(fits, k=3)).abstained
    finally:
        selector.reranker = None


def test_llm_reranker_over_the_scripted_server(selector: ApiSelector, llm_server: ScriptedLLMServer) -> None:
    config = LLMConfig(model="scripted", base_url=llm_server.base_url, max_retries=0, timeout=5)
    query = "How many dollars is 250 euros?"
    fused = selector.select(query, k=2).keys

    async def run() -> tuple[list[str], str | None, list[str], str | None]:
        async with ChatModel(config) as model:
            selector.reranker = LLMReranker(model)
            llm_server.script = reply_text("The best fit is [2, 1].")
            first = await selector.aselect(query, k=2)
            llm_server.script = server_error(500)
            second = await selector.aselect(query, k=2)
            return first.keys, first.rerank_error, second.keys, second.rerank_error

    try:
        first, first_error, second, second_error = asyncio.run(run())
    finally:
        selector.reranker = None
    assert first == [fused[1], fused[0]] and first_error is None
    assert second == fused and second_error is not None
    prompt = llm_server.chat_requests[0].last_user_text()
    assert "finance/convert_currency" in prompt and "Request: How many dollars" in prompt


def test_llm_reranker_answers_by_name_and_unknown_names(
    selector: ApiSelector, llm_server: ScriptedLLMServer
) -> None:
    """Models often name the APIs instead of numbering them: a name among the candidates counts as
    its number, and an answer naming only APIs that are not candidates is a failed re-rank (fused
    order, the rule's decision), not "none fits"."""
    config = LLMConfig(model="scripted", base_url=llm_server.base_url, max_retries=0, timeout=5)
    query = "How many dollars is 250 euros?"
    fused = selector.select(query, k=3)

    async def run(answer: str) -> Selection:
        async with ChatModel(config) as model:
            selector.reranker = LLMReranker(model)
            llm_server.script = reply_text(answer)
            return await selector.aselect(query, k=3)

    try:
        by_key = asyncio.run(run(json.dumps([fused.keys[2]])))
        by_provider_name = asyncio.run(run(f"I would call {fused.hits[1].record.provider_name()}."))
        unknown = asyncio.run(run('["finance/convert_money", "v2/exchange"]'))
    finally:
        selector.reranker = None
    assert by_key.keys == [fused.keys[2], fused.keys[0], fused.keys[1]] and not by_key.abstained
    assert by_provider_name.keys == [fused.keys[1], fused.keys[0], fused.keys[2]]
    assert unknown.keys == fused.keys and unknown.rerank_error is not None
    assert unknown.abstained == fused.abstained and not unknown.reranked


def test_a_slow_reranker_model_keeps_the_fused_order(
    selector: ApiSelector, llm_server: ScriptedLLMServer
) -> None:
    """A model slower than `rerank_timeout` is abandoned: fused order, the rule's decision, and
    the selection says why."""
    config = LLMConfig(model="scripted", base_url=llm_server.base_url, max_retries=0, timeout=30)
    query = "How many dollars is 250 euros?"
    fused = selector.select(query, k=3)

    async def run() -> Selection:
        async with ChatModel(config) as model:
            selector.reranker, selector.rerank_timeout = LLMReranker(model), 0.5
            llm_server.script = slow(5, reply_text("[3, 2, 1]"))
            return await selector.aselect(query, k=3)

    try:
        late = asyncio.run(run())
    finally:
        selector.reranker, selector.rerank_timeout = None, RERANK_TIMEOUT_S
    assert late.keys == fused.keys and late.abstained == fused.abstained and not late.reranked
    assert late.rerank_error is not None and late.rerank_error.startswith("TimeoutError")
    assert "the re-rank failed (TimeoutError" in late.explain()


def test_llm_reranker_continues_a_completion_prompt(
    selector: ApiSelector, llm_server: ScriptedLLMServer
) -> None:
    """A model that continues text (the embedded one) gets the prompt with the answer's array opened."""
    config = LLMConfig(
        model="scripted", base_url=llm_server.base_url, max_retries=0, timeout=5, capabilities="completion"
    )
    query = "How many dollars is 250 euros?"
    fused = selector.select(query, k=2).keys

    async def run() -> list[str]:
        async with ChatModel(config) as model:
            selector.reranker = LLMReranker(model)
            llm_server.script = reply_text("2, 1")
            return (await selector.aselect(query, k=2)).keys

    try:
        assert asyncio.run(run()) == [fused[1], fused[0]]
    finally:
        selector.reranker = None
    [request] = llm_server.text_requests
    assert request.prompt.startswith("You choose which APIs") and request.prompt.endswith("Answer: [")
    assert request.json["stop"] == ["]", "\n"] and llm_server.chat_requests == []


def test_rerank_answer_parsing() -> None:
    assert parse_numbers("```json\n[3, 1]\n```", 5) == [2, 0]
    assert parse_numbers('["2", 7, true]', 5) == [1]
    assert parse_numbers("Candidate 4 fits best", 5) == [3]
    assert parse_numbers("[]", 5) == [] and parse_numbers("None.", 5) == []
    with pytest.raises(RerankError):
        parse_numbers("no idea", 5)
    with pytest.raises(RerankError):
        parse_numbers("[9, 12]", 5)
    assert merge_order([2, 2, -1, "x", 0], 4) == [2, 0, 1, 3]
    keys = ["s3/list_buckets", "mail/send_email", "chat/send_email"]
    assert parse_numbers('["s3/list_buckets"]', 3, keys) == [0]  # not candidate 3
    assert parse_numbers("Use s3/list_buckets, then chat__send_email.", 3, keys) == [0, 2]
    assert parse_numbers('["list_buckets", "send_email", 2]', 3, keys) == [0, 1]  # send_email: two
    with pytest.raises(RerankError):
        parse_numbers('["s4/list_buckets"]', 3, keys)


def test_search_apis_meta_tool(selector: ApiSelector) -> None:
    search = search_apis_tool(selector)
    assert search.record.key == "palaestra/search_apis" and search.record.annotations.read_only
    found = asyncio.run(search.call({"query": "translate a sentence to French", "k": 2}))
    assert json.loads(json.dumps(found)) == found and len(found) == 2
    assert found[0]["name"] == "translate/translate_text"
    assert set(found[0]) == {"name", "description", "parameters"}
    assert set(found[0]["parameters"]["properties"]) == {"text", "target_language"}
    assert asyncio.run(search.search_apis("Tell me a joke about penguins")) == []


def test_never_abstain_policy_and_empty_selector(minilm: SentenceTransformerEmbedder) -> None:
    empty = ApiSelector(minilm)
    assert empty.select("anything").abstained and empty.select("anything").hits == []
    never = ApiSelector(minilm, abstain=AbstainPolicy(cut=float("-inf")))
    never.add(TOOLS[:3])
    assert not never.select("Tell me a joke about penguins").abstained


def test_an_unknown_index_choice_is_a_config_error_with_a_suggestion() -> None:
    with pytest.raises(
        ConfigError, match=r"index must be one of `flat`, `hnsw`, `auto`, got 'hnws'. Did you mean: `hnsw`"
    ):
        ApiSelector(HashingEmbedder(16), index="hnws")  # type: ignore[arg-type]
