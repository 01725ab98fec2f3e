"""The map's templates (WebArena "map"), on OpenStreetMap's central Helsinki.

Modelled on WebArena's map intents: travel time and distance between two places by a mode, which of
two places is nearer a third, a place's coordinates, street address and kind, the nearest place of
a kind, what is at a point, routes and pages to show, and places the map does not hold (N/A).
Answers come from the seed's tables and from the map's own router (``sites.apps.map_routing``, the
code the site runs), so they are what the site shows. Oracles use the header's search box, the
directions form and the place pages, and read the answers off them.

Places are drawn among those whose name is unique on the map (so a search's first exact hit and the
directions form's geocoder both find that place) and plain (letters, digits, spaces, ``-&.``).
"""

from __future__ import annotations

import random
import re
from typing import Any

from palaestra.sites.apps.map_routing import ENGINE_LABELS, NoRoute, format_distance, metres, minutes, route
from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    OracleError,
    Plan,
    Seed,
    Step,
    Template,
    answer_eval,
    choose,
    click,
    elements,
    fill,
    find,
    read,
    register,
    say,
)

PLACES = """
SELECT osm_type, osm_id, name, category, street, housenumber, lat, lon FROM map_place p
WHERE length(name) BETWEEN 4 AND 30 AND name NOT GLOB '*[^A-Za-z0-9 &.-]*'
  AND key IN ('amenity', 'shop', 'tourism')
  AND (SELECT COUNT(*) FROM map_place q WHERE lower(q.name) = lower(p.name)) = 1 {where}
ORDER BY osm_type, osm_id
"""
MODES = {"fossgis_osrm_car": "drive", "fossgis_osrm_bicycle": "cycle", "fossgis_osrm_foot": "walk"}


def places(seed: Seed, rng: random.Random, k: int, where: str = "") -> list[tuple[Any, ...]]:
    rows = seed.rows(PLACES.format(where=where))
    return choose(rng, rows, k)


def point(row: tuple[Any, ...]) -> tuple[float, float]:
    return float(row[6]), float(row[7])


def routed(seed: Seed, engine: str, a: tuple[Any, ...], b: tuple[Any, ...]) -> Any:
    return route(seed.build / "db.sqlite3", engine, point(a), point(b))


def pairs(seed: Seed, rng: random.Random, k: int, engine: str) -> list[tuple[Any, Any, Any]]:
    """``k`` pairs of places at least 300 m apart that a route joins by the engine's mode."""
    rows = places(seed, rng, 4 * k + 8)
    found: list[tuple[Any, Any, Any]] = []
    for a, b in zip(rows[::2], rows[1::2], strict=False):
        if len(found) == k or metres(*point(a), *point(b)) < 300:
            continue
        try:
            found.append((a, b, routed(seed, engine, a, b)))
        except NoRoute:
            continue
    return found


# -- reading the map, for oracles --------------------------------------------------------------------


def search(obs: Obs, text: str) -> Step:
    obs = yield fill(obs, "Search", text, role="searchbox", enter=True)
    return obs


def open_place(obs: Obs, name: str) -> Step:
    obs = yield from search(obs, name)
    obs = yield click(obs, "link", name)
    return obs


def directions(obs: Obs, start: str, end: str, engine: str) -> Step:
    """Fill the directions form and go: the page of the route, with its distance and time."""
    obs = yield click(obs, "link", "Directions")
    mode = find(obs, "combobox", "Mode")
    obs = yield "\n".join(
        [
            fill(obs, "From", start),
            fill(obs, "To", end),
            f"select_option({mode['id']!r}, {ENGINE_LABELS[engine]!r})",
        ]
    )
    go = elements(obs, "button", "Go")[-1]  # the form's, not the header's search button
    obs = yield f"click({go['id']!r})"
    return obs


def summary(obs: Obs) -> tuple[str, int]:
    """The route's distance as shown (``480m``) and its time in minutes."""
    found = read(obs, r"Distance: ([\d.]+k?m)\. Time: (\d+):(\d\d)\.")
    return found[1], int(found[2]) * 60 + int(found[3])


def spoken(distance: str) -> str:
    """``1.2km`` -> ``1.2 km``: how a person writes the page's distance."""
    return re.sub(r"(k?m)$", r" \1", distance)


#: The first result of a list of places: its link's name (quoted with " when it holds a ').
FIRST_RESULT = (
    r"listitem\s*\n(?:\s*ListMarker '[^']*'\s*\n)?(?:\s*StaticText '[^']*'\s*\n)?"
    r"\s*\[\w+\] link (?:'([^'\n]*)'|\"([^\"\n]*)\")"
)


def first_result(obs: Obs) -> str:
    found = read(obs, FIRST_RESULT)
    return str(found[1] or found[2])


def tag(obs: Obs, key: str) -> str:
    return read(obs, rf"(?:rowheader|columnheader|cell) '{re.escape(key)}'\s*\n\s*\[\w+\] cell '([^']*)'")[1]


# -- travel ----------------------------------------------------------------------------------------


def time_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for engine, k in (("fossgis_osrm_foot", 2), ("fossgis_osrm_car", 1), ("fossgis_osrm_bicycle", 1)):
        for a, b, found in pairs(seed, rng, k, engine):
            values = {"mode": MODES[engine], "start": a[2], "end": b[2], "engine": engine}
            out.append(Instance(values, answer_eval(must_include=[f"{minutes(found.seconds)} min"])))
    return out


def time_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from directions(obs, values["start"], values["end"], values["engine"])
    yield say(f"{summary(obs)[1]} min")


def distance_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for engine in ("fossgis_osrm_foot", "fossgis_osrm_car", "fossgis_osrm_bicycle"):
        for a, b, found in pairs(seed, rng, 1, engine):
            values = {"mode": MODES[engine], "start": a[2], "end": b[2], "engine": engine}
            out.append(Instance(values, answer_eval(must_include=[spoken(format_distance(found.distance))])))
    return out


def distance_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from directions(obs, values["start"], values["end"], values["engine"])
    yield say(spoken(summary(obs)[0]))


def closer_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """Which of two places is the shorter walk from a third (by at least a quarter)."""
    out: list[Instance] = []
    rows = places(seed, rng, 60)
    for index in range(0, len(rows) - 2, 3):
        if len(out) == 3:
            break
        a, b, c = rows[index : index + 3]
        try:
            da, db = (routed(seed, "fossgis_osrm_foot", x, c).distance for x in (a, b))
        except NoRoute:
            continue
        if min(da, db) < 150 or max(da, db) < 1.25 * min(da, db):
            continue
        values = {"a": a[2], "b": b[2], "c": c[2]}
        out.append(Instance(values, answer_eval(must_include=[a[2] if da < db else b[2]])))
    return out


def closer_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    walks = {}
    for name in (values["a"], values["b"]):
        obs = yield from directions(obs, name, values["c"], "fossgis_osrm_foot")
        text = summary(obs)[0]
        walks[name] = float(text[:-2]) * 1000 if text.endswith("km") else float(text[:-1])
    yield say(min(walks, key=lambda n: walks[n]))


# -- places ----------------------------------------------------------------------------------------


def coordinates_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"place": r[2]}, answer_eval(must_include=[f"{r[6]:.5f}", f"{r[7]:.5f}"]))
            for r in places(seed, rng, 3)]  # fmt: skip


def coordinates_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_place(obs, values["place"])
    found = read(obs, r"StaticText 'Location:'\s*\n\s*\[\w+\] link '(-?[\d.]+), (-?[\d.]+)'")
    yield say(f"{found[1]}, {found[2]}")


def address_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"place": r[2]}, answer_eval(must_include=[f"{r[4]} {r[5]}"]))
            for r in places(seed, rng, 3, "AND street != '' AND housenumber != ''")]  # fmt: skip


def address_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_place(obs, values["place"])
    yield say(f"{tag(obs, 'addr:street')} {tag(obs, 'addr:housenumber')}")


def kind_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"place": r[2]}, answer_eval(must_include=[r[3].replace("_", " ")]))
            for r in places(seed, rng, 2, "AND category NOT IN ('yes', 'no')")]  # fmt: skip


def kind_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_place(obs, values["place"])
    for key in ("amenity", "shop", "tourism"):
        try:
            yield say(tag(obs, key).replace("_", " "))
            return
        except OracleError:
            continue
    raise OracleError(f"no kind on {obs['url']}")


NEAREST_KINDS = ("cafe", "restaurant", "pub", "hotel", "bank", "fast_food", "bar")


def nearest_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """The nearest place of a kind to a place, in a straight line, ahead of the next by 10 m or more."""
    out: list[Instance] = []
    for anchor in places(seed, rng, 30):
        if len(out) == 4:
            break
        kind = NEAREST_KINDS[len(out) % len(NEAREST_KINDS) + rng.randrange(2)]
        ranked = sorted(
            (metres(*point(anchor), lat, lon), name)
            for name, lat, lon, osm_id in seed.rows(
                "SELECT name, lat, lon, osm_id FROM map_place WHERE category = ?", kind
            )
            if osm_id != anchor[1]
        )
        if len(ranked) < 2 or ranked[1][0] - ranked[0][0] < 10:
            continue
        values = {"kind": kind.replace("_", " "), "place": anchor[2]}
        out.append(Instance(values, answer_eval(must_include=[ranked[0][1]])))
    return out


def nearest_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, f"{values['kind']} near {values['place']}")
    yield say(first_result(obs))


def here_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """What is at a place's coordinates: places with no other within 25 m."""
    out: list[Instance] = []
    every = seed.rows("SELECT osm_id, lat, lon FROM map_place")
    for row in places(seed, rng, 40):
        if len(out) == 3:
            break
        if any(o != row[1] and metres(*point(row), lat, lon) < 25 for o, lat, lon in every):
            continue
        values = {"lat": f"{row[6]:.5f}", "lon": f"{row[7]:.5f}"}
        out.append(Instance(values, answer_eval(must_include=[row[2]])))
    return out


def here_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, f"{values['lat']}, {values['lon']}")
    yield say(first_result(obs))


register(
    Template("map-travel-time", "map", "How long does it take to {mode} from {start} to {end}?",
             time_instances, time_oracle, login=False),
    Template("map-distance", "map", "What is the distance to {mode} from {start} to {end}?",
             distance_instances, distance_oracle, login=False),
    Template("map-closer", "map", "Which is the shorter walk from {c}: {a} or {b}?", closer_instances,
             closer_oracle, login=False),
    Template("map-coordinates", "map", "What are the coordinates of {place} in decimal degrees?",
             coordinates_instances, coordinates_oracle, login=False),
    Template("map-address", "map", "What is the street address of {place}?", address_instances,
             address_oracle, login=False),
    Template("map-kind", "map", "What kind of place is {place}, according to the map?", kind_instances,
             kind_oracle, login=False),
    Template("map-nearest", "map", "Which {kind} is nearest to {place} in a straight line?",
             nearest_instances, nearest_oracle, login=False),
    Template("map-what-is-here", "map", "What is the name of the place at {lat}, {lon}?", here_instances,
             here_oracle, login=False),
)  # fmt: skip
