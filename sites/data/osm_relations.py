"""The extract's OpenStreetMap relations a map user looks up: the city and its districts, named
buildings, squares and parks, bridges, stations and public transport routes.

On openstreetmap.org these are *relations*: a multipolygon (a campus, a building with a courtyard),
an administrative boundary, a bridge or a route, each with its tags and its members (nodes, ways and
other relations, each with a role), and search results and "what is here" link to ``/relation/ID``.
WebArena's map tasks expect such pages (WebArena-Verified's 370, 424-429).

Kept: every relation of type ``boundary``, ``multipolygon`` or ``bridge``, and named ones of type
``route``, ``route_master`` or ``public_transport`` (and named ones with no type). Restrictions,
surveillance, destination signs and networks are left out: nobody looks them up by name.

A route runs far beyond the extract: it keeps only its members in the extract (3,134 of its
48,447 members: the rest would add 1.1 MB to the seed and link to pages the map does not have),
and the count of all of them. Each relation keeps a bounding box of its members' geometry within
the extract (child relations' boxes included, except a boundary's ``subarea``), and an area
(boundary, multipolygon) keeps its outer and inner rings when every member way is in the extract
and they close, so "what is here" can say which areas enclose a point. A relation whose members
all lie outside the extract has no box.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

AREA_TYPES = frozenset({"boundary", "multipolygon"})
ALWAYS = AREA_TYPES | {"bridge"}
WHEN_NAMED = frozenset({"route", "route_master", "public_transport", ""})
#: Name tags search reads (OSM's search finds a place by its names in other languages too).
NAME_KEYS = ("name", "name:en", "int_name", "official_name", "alt_name", "short_name", "loc_name", "name:sv")
ADMIN_LEVELS = {
    "2": "Country",
    "4": "Region",
    "6": "Region",
    "7": "Sub-region",
    "8": "City",
    "9": "Major district",
    "10": "District",
    "11": "Sub-district",
}
#: Tags that say what an area is, in the order the kind is taken from.
AREA_KINDS = ("amenity", "leisure", "tourism", "place", "landuse", "building", "man_made", "highway")

Box = tuple[float, float, float, float]  # south, west, north, east
Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Relation:
    osm_id: int
    tags: dict[str, str]
    #: (type: "node", "way" or "relation", ref, role), in the relation's order.
    members: tuple[tuple[str, int, str], ...]
    box: Box | None = None
    #: Closed rings (lat, lon) of an area whose member ways are all in the extract; else empty.
    rings: tuple[Ring, ...] = field(default=())
    #: How many members the relation has in OpenStreetMap (a route keeps only those in the extract).
    member_count: int = 0

    @property
    def name(self) -> str:
        return self.tags.get("name", "")

    @property
    def names(self) -> list[str]:
        return list(dict.fromkeys(v for k in NAME_KEYS if (v := self.tags.get(k, "").strip())))


def kept(tags: dict[str, str]) -> bool:
    kind = tags.get("type", "")
    return kind in ALWAYS or (kind in WHEN_NAMED and bool(tags.get("name")))


def kind_of(tags: dict[str, str]) -> str:
    """What a relation is, as a search result names it ("City", "University building", "Bus route")."""
    kind = tags.get("type", "")
    if kind == "boundary":
        level = ADMIN_LEVELS.get(tags.get("admin_level", ""))
        return level if tags.get("boundary") == "administrative" and level else "Boundary"
    if kind == "route":
        return f"{tags.get('route', '').replace('_', ' ').capitalize()} route".strip()
    if kind == "route_master":
        return f"{tags.get('route_master', '').replace('_', ' ').capitalize()} route master".strip()
    if kind == "public_transport":
        return "Station" if "station" in tags.get("public_transport", "") else "Stop area"
    if kind == "bridge" or tags.get("bridge") not in (None, "no"):
        return "Bridge"
    for key in AREA_KINDS:
        value = tags.get(key)
        if value:
            what = value.replace("_", " ").capitalize()
            return ("Building" if value == "yes" else f"{what} building") if key == "building" else what
    return kind.replace("_", " ").capitalize() or "Relation"


def _merge(boxes: list[Box]) -> Box | None:
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def rings_of(lines: list[list[tuple[int, float, float]]]) -> tuple[Ring, ...] | None:
    """Member ways joined end to end into closed rings, or None when they do not close."""
    open_lines = [list(line) for line in lines if len(line) >= 2]
    rings: list[Ring] = []
    while open_lines:
        ring = open_lines.pop()
        while ring[0][0] != ring[-1][0]:
            end = ring[-1][0]
            found = next((i for i, line in enumerate(open_lines) if end in (line[0][0], line[-1][0])), None)
            if found is None:
                return None
            line = open_lines.pop(found)
            ring += (line if line[0][0] == end else line[::-1])[1:]
        rings.append(tuple((lat, lon) for _, lat, lon in ring))
    return tuple(rings)


@dataclass(frozen=True)
class MemberWay:
    """A way a kept relation names (a building's outline, a boundary's segment), so its page exists."""

    osm_id: int
    tags: dict[str, str]
    #: (node id, lat, lon) in the way's order (those in the extract).
    nodes: tuple[tuple[int, float, float], ...]


Members = tuple[tuple[str, int, str], ...]


def _all_relations(data: bytes) -> dict[int, tuple[dict[str, str], Members]]:
    import osmium

    found: dict[int, tuple[dict[str, str], Members]] = {}
    kinds = {"n": "node", "w": "way", "r": "relation"}

    class Relations(osmium.SimpleHandler):
        def relation(self, rel: osmium.osm.Relation) -> None:
            members = tuple((kinds[m.type], m.ref, m.role) for m in rel.members)
            found[rel.id] = ({t.k: t.v for t in rel.tags}, members)

    Relations().apply_buffer(data, "pbf")
    return found


def _geometry(
    data: bytes, wanted_nodes: set[int], wanted_ways: set[int]
) -> tuple[dict[int, tuple[float, float]], dict[int, MemberWay]]:
    """The locations of the wanted nodes and the tags and nodes of the wanted ways in the extract."""
    import osmium

    nodes: dict[int, tuple[float, float]] = {}
    ways: dict[int, MemberWay] = {}

    class Geometry(osmium.SimpleHandler):
        def node(self, node: osmium.osm.Node) -> None:
            if node.id in wanted_nodes and node.location.valid():
                nodes[node.id] = (round(node.location.lat, 7), round(node.location.lon, 7))

        def way(self, way: osmium.osm.Way) -> None:
            if way.id in wanted_ways:
                points = tuple(
                    (n.ref, round(n.location.lat, 7), round(n.location.lon, 7))
                    for n in way.nodes
                    if n.location.valid()
                )
                ways[way.id] = MemberWay(way.id, {t.k: t.v for t in way.tags}, points)

    Geometry().apply_buffer(data, "pbf", locations=True)
    return nodes, ways


def read_relations(data: bytes) -> tuple[list[Relation], list[MemberWay]]:
    """The kept relations of an extract (its bytes), with their boxes and an area's rings, and the
    ways they name that the extract holds."""
    found = _all_relations(data)  # relations come last in a file: a first pass finds them
    wanted_nodes = {ref for _, ms in found.values() for kind, ref, _ in ms if kind == "node"}
    wanted_ways = {ref for _, ms in found.values() for kind, ref, _ in ms if kind == "way"}
    nodes, ways = _geometry(data, wanted_nodes, wanted_ways)
    held: dict[str, set[int]] = {"node": set(nodes), "way": set(ways), "relation": set(found)}
    boxes: dict[int, Box | None] = {}

    def box_of(osm_id: int, seen: frozenset[int]) -> Box | None:
        if osm_id in boxes:
            return boxes[osm_id]
        parts: list[Box] = []
        for kind, ref, role in found[osm_id][1]:
            if kind == "node" and ref in nodes:
                lat, lon = nodes[ref]
                parts.append((lat, lon, lat, lon))
            elif kind == "way" and ref in ways and ways[ref].nodes:
                lats, lons = [n[1] for n in ways[ref].nodes], [n[2] for n in ways[ref].nodes]
                parts.append((min(lats), min(lons), max(lats), max(lons)))
            elif kind == "relation" and role != "subarea" and ref in found and ref not in seen:
                child = box_of(ref, seen | {osm_id})
                if child:
                    parts.append(child)
        boxes[osm_id] = _merge(parts)
        return boxes[osm_id]

    out: list[Relation] = []
    named_ways: set[int] = set()
    for osm_id, (tags, members) in sorted(found.items()):
        if not kept(tags):
            continue
        rings: tuple[Ring, ...] = ()
        if tags.get("type") in AREA_TYPES:
            lines = [
                list(ways[ref].nodes) if ref in ways else []
                for kind, ref, role in members
                if kind == "way" and role in ("outer", "inner")
            ]
            complete = bool(lines) and all(lines)
            rings = (rings_of(lines) or ()) if complete else ()
        count = len(members)
        if tags.get("type") == "route":
            members = tuple(m for m in members if m[1] in held[m[0]])
        named_ways |= {ref for kind, ref, _ in members if kind == "way" and ref in ways}
        out.append(Relation(osm_id, tags, members, box_of(osm_id, frozenset()), rings, count))
    return out, [ways[ref] for ref in sorted(named_ways)]


def inside(lat: float, lon: float, rings: Any) -> bool:
    """Whether a point is inside an area's rings (even-odd: a hole's inner ring takes it out)."""
    crossings = 0
    for ring in rings:
        for (alat, alon), (blat, blon) in itertools.pairwise(ring):
            if (alat > lat) != (blat > lat) and lon < alon + (lat - alat) * (blon - alon) / (blat - alat):
                crossings += 1
    return crossings % 2 == 1
