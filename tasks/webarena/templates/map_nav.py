"""The map's navigation templates (a route, a place's page, a search to show, judged by ``url_match``)
and its unachievable ones (places outside the extract: WebArena's N/A)."""

from __future__ import annotations

import random
import urllib.parse
from typing import Any

from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    OracleError,
    Plan,
    Seed,
    Template,
    choose,
    register,
    say,
    tree,
    unachievable_eval,
    url_eval,
)
from palaestra.tasks.webarena.templates.map import MODES, directions, open_place, pairs, places, search

#: How the intent names each engine's mode.
BY = {"fossgis_osrm_car": "car", "fossgis_osrm_bicycle": "bike", "fossgis_osrm_foot": "foot"}


def route_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for engine in MODES:
        for a, b, _ in pairs(seed, rng, 1, engine):
            route = f"{a[6]:.5f},{a[7]:.5f};{b[6]:.5f},{b[7]:.5f}"
            url = "__MAP__/directions?" + urllib.parse.urlencode({"engine": engine, "route": route})
            values = {"start": a[2], "end": b[2], "mode": BY[engine], "engine": engine}
            out.append(Instance(values, url_eval(url)))
    return out


def route_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from directions(obs, values["start"], values["end"], values["engine"])
    yield say("Done.")


def place_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"place": r[2]}, url_eval(f"__MAP__/{r[0]}/{r[1]}")) for r in places(seed, rng, 3)]


def place_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_place(obs, values["place"])
    yield say("Done.")


SEARCH_TERMS = ["sushi", "Aleksanterinkatu", "hostel", "bookshop", "Kaivokatu", "pizza"]


def search_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"term": t}, url_eval("__MAP__/search?" + urllib.parse.urlencode({"query": t})))
            for t in choose(rng, SEARCH_TERMS, 2)]  # fmt: skip


def search_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from search(obs, values["term"])
    yield say("Done.")


#: Places WebArena's map holds (Pittsburgh) and this extract (central Helsinki) does not.
ELSEWHERE = ["Carnegie Mellon University", "Pittsburgh International Airport", "Phipps Conservatory"]


def missing_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for far, (near, *_) in zip(ELSEWHERE, [r[2:] for r in places(seed, rng, 3)], strict=False):
        like = f"%{far}%"
        assert not seed.value(
            "SELECT COUNT(*) FROM map_place WHERE name LIKE ? OR street LIKE ?", like, like
        ) and not seed.value("SELECT COUNT(*) FROM map_street WHERE name LIKE ?", like)
        note = "The map (central Helsinki) does not hold this place."
        out.append(Instance({"start": near, "end": far}, unachievable_eval(note)))
    return out


def missing_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, values["end"])
    if "No results found" not in tree(obs):
        raise OracleError(f"{values['end']} should not be on the map")
    yield f"report_infeasible({values['end'] + ' is not on this map.'!r})"


register(
    Template("map-nav-route", "map", "Show me the route from {start} to {end} by {mode}.", route_instances,
             route_oracle, login=False),
    Template("map-nav-place", "map", "Open the map's page of {place}.", place_instances, place_oracle,
             login=False),
    Template("map-nav-search", "map", 'Search the map for "{term}".', search_instances, search_oracle,
             login=False),
    Template("map-missing", "map", "How long does it take to walk from {start} to {end}?",
             missing_instances, missing_oracle, login=False),
)  # fmt: skip
