"""Route history: similar past queries vote for the APIs that served them (real MiniLM, FAISS, SQLite)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing import ApiRegistry, FeedbackStore
from palaestra.routing.environment import TaskTools
from palaestra.routing.history import Route, RouteHistory, route_votes
from palaestra.routing.records import ApiRecord
from palaestra.routing.selector import ApiSelector
from palaestra.routing.tools import register_offline_tools


def weather_tool(namespace: str, name: str, description: str) -> ApiRecord:
    params = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    return ApiRecord(namespace, name, description, params)


# Three tools a description cannot tell apart, and two that have nothing to do with weather.
LOOKALIKES = [
    weather_tool("meteo", "get_weather", "Get the weather forecast for a city."),
    weather_tool("forecasts", "weather_forecast", "Weather forecast for a city."),
    weather_tool("climate", "city_weather", "Forecast of the weather in a city."),
    ApiRecord("mail", "send_email", "Send an email to a recipient.", {"type": "object", "properties": {}}),
    ApiRecord("math", "factorial", "The factorial of an integer.", {"type": "object", "properties": {}}),
]
QUERY = "Will it rain in Oslo tomorrow?"


@pytest.fixture
def selector(minilm: SentenceTransformerEmbedder) -> ApiSelector:
    built = ApiSelector(minilm)
    built.add(LOOKALIKES)
    return built


def test_votes_favour_close_neighbours_and_ignore_far_ones() -> None:
    votes = route_votes([0.9, 0.6, 0.2], [("a",), ("b",), ("c",)], floor=0.3, temperature=0.2)
    assert set(votes) == {"a", "b"}  # 0.2 is below the floor
    assert votes["a"] > 5 * votes["b"]  # one close neighbour outweighs a loose one
    assert 0 < votes["a"] <= 0.9 - 0.3
    # Agreement counts: two neighbours choosing "b" beat one equally close neighbour choosing "a".
    split = route_votes([0.8, 0.8, 0.8], [("a",), ("b",), ("b",)])
    assert split["b"] == pytest.approx(2 * split["a"])
    # A route served by two APIs votes for both.
    assert set(route_votes([0.8], [("a", "b")])) == {"a", "b"}
    assert route_votes([], []) == {} and route_votes([0.1], [("a",)]) == {}


def test_history_rejects_bad_settings(minilm: SentenceTransformerEmbedder) -> None:
    with pytest.raises(ValueError, match="neighbours"):
        RouteHistory(minilm, neighbours=0)
    with pytest.raises(ValueError, match="temperature"):
        RouteHistory(minilm, temperature=0)


def test_bad_routes_are_refused_with_the_expected_shape(selector: ApiSelector) -> None:
    for bad in (("q", 5), ("q", [""]), ("q",), "just a query", (None, "a/b")):
        with pytest.raises(TypeError, match=r"(?i)route"):
            selector.learn([bad])  # type: ignore[list-item]
    assert len(selector.history) == 0


def test_the_oldest_routes_are_forgotten_past_the_limit(minilm: SentenceTransformerEmbedder) -> None:
    history = RouteHistory(minilm, max_routes=2)
    assert history.add([Route("rain in Oslo", ("a/x",)), Route("rain in Bergen", ("a/y",))]) == 2
    assert history.add([Route("rain in Paris", ("a/z",))]) == 1
    assert [r.query for r in history.routes()] == ["rain in Bergen", "rain in Paris"]
    vector = minilm.embed(["rain in Oslo"])[0]
    assert set(history.votes(vector)) == {"a/y", "a/z"}  # the forgotten route no longer votes
    assert history.add(Route(f"q{i}", ("a/w",)) for i in range(5)) == 2  # only the newest fit


def test_a_learned_route_lifts_its_api_among_lookalikes(selector: ApiSelector) -> None:
    before = selector.select(QUERY, k=3)
    assert {hit.key for hit in before.hits} <= {r.key for r in LOOKALIKES[:3]}
    assert all(hit.history == 0.0 for hit in before.hits)
    chosen = before.hits[-1].key  # the description ranks it last of the three
    assert selector.learn([("Is rain expected in Bergen on Friday?", chosen)]) == 1
    after = selector.select(QUERY, k=3)
    assert after.keys[0] == chosen and after.hits[0].history > 0
    # Unrelated queries are not moved.
    assert selector.select("Email the report to Bob", k=1).keys == ["mail/send_email"]
    # A route to an API the selector does not index is ignored.
    assert selector.learn([Route(QUERY, ("gone/api",)), Route(QUERY, ())]) == 1
    assert "gone/api" not in selector.select(QUERY, k=5).keys


def test_namespace_filter_keeps_history_votes_out(selector: ApiSelector) -> None:
    selector.learn([("Is rain expected in Bergen on Friday?", "climate/city_weather")])
    assert selector.select(QUERY, k=1).keys == ["climate/city_weather"]
    filtered = selector.select(QUERY, k=5, namespaces=["meteo", "forecasts"])
    assert "climate/city_weather" not in filtered.keys and filtered.keys


def test_feedback_store_keeps_routes_but_not_those_of_failed_episodes(tmp_path: Path) -> None:
    path = tmp_path / "feedback.db"
    with FeedbackStore(path) as store:
        store.record_route("rain in Oslo?", "meteo/get_weather", episode_id="e1")
        store.record_route("rain in Oslo?", "forecasts/weather_forecast", episode_id="e1")
        store.record_route("rain in Oslo?", "meteo/get_weather", episode_id="e1")  # a repeat
        store.record_route("mail Bob", "mail/send_email", episode_id="e2")
        store.record_route("what is 5!", "math/factorial")
        store.mark_episode("e2", success=False)
    with FeedbackStore(path) as reopened:  # routes persist
        assert reopened.routes() == [
            Route("rain in Oslo?", ("meteo/get_weather", "forecasts/weather_forecast")),
            Route("what is 5!", ("math/factorial",)),
        ]


def test_selector_learns_from_a_feedback_store(selector: ApiSelector) -> None:
    store = FeedbackStore()
    store.record_route("Is rain expected in Bergen on Friday?", "climate/city_weather")
    assert selector.learn_from(store) == 1 and len(selector.history) == 1
    assert selector.select(QUERY, k=1).keys == ["climate/city_weather"]


def test_task_tools_record_a_route_when_a_searched_api_works(minilm: SentenceTransformerEmbedder) -> None:
    registry = ApiRegistry()
    register_offline_tools(registry)
    feedback = FeedbackStore()
    selector = ApiSelector(minilm)
    selector.add(list(registry))
    tools = TaskTools(registry, selector=selector, feedback=feedback)

    async def run() -> None:
        await tools.call("calc/evaluate", {"expression": "1+1"})  # no search before it: no route
        found = await tools.search("how much is 17 times 23", k=3)
        assert "calc/evaluate" in [m["api"] for m in found["matches"]]
        await tools.call("calc/evaluate", {"expression": "17*"})  # fails: no route
        assert feedback.routes() == [] and len(selector.history) == 0
        await tools.call("calc/evaluate", {"expression": "17*23"})

    asyncio.run(run())
    assert feedback.routes() == [Route("how much is 17 times 23", ("calc/evaluate",))]
    assert len(selector.history) == 1
    # A new environment's selector starts from what the store remembers.
    assert len(TaskTools(registry, feedback=feedback).selector.history) == 1
