"""More of the map's templates, after WebArena's: a place's postcode, and the nearest place of a kind
together with the walk there (two answers read off two pages)."""

from __future__ import annotations

import random
from typing import Any

from palaestra.sites.apps.map_routing import NoRoute, metres, minutes
from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    Plan,
    Seed,
    Template,
    answer_eval,
    register,
    say,
)
from palaestra.tasks.webarena.templates.map import (
    directions,
    first_result,
    open_place,
    places,
    point,
    routed,
    search,
    summary,
    tag,
)


def postcode_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """One place per postcode (central Helsinki has a few), so the answers differ."""
    by_code: dict[str, Any] = {}
    for row in places(seed, rng, 400, "AND postcode GLOB '[0-9][0-9][0-9][0-9][0-9]'"):
        code = seed.value("SELECT postcode FROM map_place WHERE osm_type = ? AND osm_id = ?", row[0], row[1])
        by_code.setdefault(code, row)
    return [Instance({"place": r[2]}, answer_eval(must_include=[c])) for c, r in sorted(by_code.items())][:3]


def postcode_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_place(obs, values["place"])
    yield say(tag(obs, "addr:postcode"))


WALK_KINDS = ("cafe", "restaurant", "pub", "bar")


def nearest_walk_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """The nearest place of a kind (ahead of the next by 10 m), named once on the map, and the walk there."""
    out: list[Instance] = []
    for anchor in places(seed, rng, 40):
        if len(out) == 3:
            break
        kind = WALK_KINDS[len(out) % len(WALK_KINDS)]
        ranked = sorted(
            (metres(*point(anchor), row[6], row[7]), row)
            for row in seed.rows(
                "SELECT osm_type, osm_id, name, category, street, housenumber, lat, lon FROM map_place"
                " WHERE category = ?",
                kind,
            )
            if row[1] != anchor[1]
        )
        if len(ranked) < 2 or ranked[1][0] - ranked[0][0] < 10 or ranked[0][0] < 100:
            continue
        named = "SELECT COUNT(*) FROM map_place WHERE lower(name) = lower(?)"
        if seed.value(named, ranked[0][1][2]) != 1:  # the directions form must find that one place
            continue
        target = ranked[0][1]
        try:
            walk = routed(seed, "fossgis_osrm_foot", anchor, target)
        except NoRoute:
            continue
        values = {"kind": kind, "place": anchor[2]}
        out.append(Instance(values, answer_eval(must_include=[target[2], f"{minutes(walk.seconds)} min"])))
    return out


def nearest_walk_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, f"{values['kind']} near {values['place']}")
    nearest = first_result(obs)
    obs = yield from directions(obs, values["place"], nearest, "fossgis_osrm_foot")
    yield say(f"{nearest}, a {summary(obs)[1]} min walk")


register(
    Template("map-postcode", "map", "What is the postcode of {place}?", postcode_instances, postcode_oracle,
             login=False),
    Template("map-nearest-walk", "map", "Where is the nearest {kind} to {place}, and how long is the walk "
             "there?", nearest_walk_instances, nearest_walk_oracle, login=False),
)  # fmt: skip
