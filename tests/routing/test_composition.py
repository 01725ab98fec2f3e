"""Prerequisites read from parameter documentation, and their place in a multi-step selection."""

from __future__ import annotations

from palaestra.memory import SentenceTransformerEmbedder
from palaestra.routing import ApiRecord, ApiSelector
from palaestra.routing.composition import CompositionGraph, source_clauses
from palaestra.routing.needs import select_needs


def api(name: str, description: str, params: dict[str, str], namespace: str = "booking") -> ApiRecord:
    properties = {p: {"type": "string", "description": d} for p, d in params.items()}
    schema = {"type": "object", "properties": properties, "required": list(params)}
    return ApiRecord(namespace, name, description, schema)


DESTINATION = api("Search_Hotel_Destination", "Find a destination's id by its name.", {"query": "A city."})
HOTELS = api(
    "Search_Hotels",
    "Search hotels at a destination.",
    {"dest_id": "`dest_id` can be retrieved from `api/v1/hotels/searchDestination`**(Search Hotel "
     "Destination)** endpoint."},
)  # fmt: skip
BY_COORDINATES = api("Search_Hotels_By_Coordinates", "Search hotels near a point.", {"lat": "Latitude."})
POLICIES = api(
    "Get_Hotel_Policies",
    "Get a hotel's policies.",
    {"hotel_id": "Can be retrieved from (Search Hotels) or (Search Hotels By Coordinates) endpoint."},
)
AIRPORT = api(
    "SkyScrapperSearchAirport", "Search for airports by location name.", {"query": "A place."}, "flights"
)
FLIGHTS = api(
    "SkyScrapperFlightSearch",
    "Find flights between two airports.",
    {"originSkyId": "The originSkyId code can be extracted from the Search Airport API in the Flights."},
    "flights",
)
OTHER_SERVER = api("Search_Hotels", "Another server's hotel search.", {"city": "A city."}, "elsewhere")
RECORDS = [DESTINATION, HOTELS, BY_COORDINATES, POLICIES, AIRPORT, FLIGHTS, OTHER_SERVER]


def test_sources_are_read_from_required_parameters_and_composition_notes() -> None:
    assert source_clauses(HOTELS) == [
        " `api/v1/hotels/searchDestination`**(Search Hotel Destination)** endpoint"
    ]
    schema = {"type": "object", "properties": {"a": {"description": "retrieved from B"}}, "required": ["b"]}
    optional = ApiRecord("s", "x", "", schema)
    assert source_clauses(optional) == []
    noted = ApiRecord("s", "y", "", composition="Its id is obtained from Search Hotels first.")
    assert source_clauses(noted) == [" Search Hotels first"]


def test_the_graph_links_names_within_a_namespace_longest_name_first() -> None:
    graph = CompositionGraph(RECORDS)
    assert graph.prerequisites(HOTELS.key) == [DESTINATION.key]  # the route in backticks is no name
    assert graph.prerequisites(POLICIES.key) == [BY_COORDINATES.key, HOTELS.key]  # not elsewhere/
    assert graph.prerequisites(FLIGHTS.key) == [AIRPORT.key]  # "Search Airport API": the name's tail
    assert graph.prerequisites(DESTINATION.key) == []
    assert graph.expand([POLICIES.key, FLIGHTS.key], 4) == [
        POLICIES.key, BY_COORDINATES.key, HOTELS.key, DESTINATION.key
    ]  # fmt: skip


def test_a_selection_lists_what_a_step_needs_first(minilm: SentenceTransformerEmbedder) -> None:
    selector = ApiSelector(minilm)
    selector.add(RECORDS)
    hits = select_needs(selector, "What are the policies of the Grand Hotel?", k=4).hits
    keys = [h.key for h in hits]
    assert keys[0] == POLICIES.key and {HOTELS.key, BY_COORDINATES.key} <= set(keys)
    plain = select_needs(selector, "What are the policies of the Grand Hotel?", k=4, prerequisites=False)
    assert plain.hits == selector.select("What are the policies of the Grand Hotel?", k=4).hits
    selector.remove([DESTINATION.key])
    assert selector.composition().prerequisites(HOTELS.key) == []  # rebuilt after the change
