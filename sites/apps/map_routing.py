"""The map's routers: shortest-time routes by car, bicycle and foot over the seed's road graph.

WebArena's map runs three OSRM servers; ours is one Dijkstra over the seed's ``map_edge`` table,
loaded once per process (the graph is read-only: no episode changes it). The engines keep OSM's
names (``fossgis_osrm_car``, ``_bicycle``, ``_foot``) so directions URLs look like WebArena's.

Cost is travel time: a car drives each road at its ``maxspeed`` tag or a speed for its highway type
and keeps to one-way streets; a bicycle rides at 15 km/h and keeps to one-way streets unless they are
open to bicycles; a person walks at 5 km/h in either direction. A point is snapped to the nearest
node of the largest connected part of the mode's network, so a place in a courtyard still routes.
The task generator uses this module too, so the answers of the map's tasks are what the site shows.
"""

from __future__ import annotations

import functools
import heapq
import itertools
import math
import sqlite3
from dataclasses import dataclass
from pathlib import Path

ENGINES = {"fossgis_osrm_car": "car", "fossgis_osrm_bicycle": "bike", "fossgis_osrm_foot": "foot"}
#: The form's choices in OSM's order (by label), so WebArena's checks of ``selectedIndex`` fit (1: car).
ENGINE_LABELS = {
    "fossgis_osrm_bicycle": "Bicycle (OSRM)",
    "fossgis_osrm_car": "Car (OSRM)",
    "fossgis_osrm_foot": "Foot (OSRM)",
}
DEFAULT_ENGINE = "fossgis_osrm_car"
#: km/h per highway type for cars without a ``maxspeed`` tag.
CAR_SPEEDS = {
    "motorway": 90,
    "trunk": 70,
    "primary": 50,
    "secondary": 40,
    "tertiary": 40,
    "unclassified": 30,
    "residential": 30,
    "living_street": 10,
    "service": 15,
    "motorway_link": 45,
    "trunk_link": 40,
    "primary_link": 30,
    "secondary_link": 30,
    "tertiary_link": 30,
}
BIKE_SPEED = 15
FOOT_SPEED = 5
EARTH_RADIUS_M = 6371008.8


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def bearing(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360


def format_distance(m: float) -> str:
    """As OSM's directions panel writes it: ``850m`` under a kilometre, else ``1.2km``."""
    return f"{round(m / 10) * 10:.0f}m" if m < 1000 else f"{m / 1000:.1f}km"


def format_time(seconds: float) -> str:
    """``H:MM``, as OSM's directions panel writes it."""
    minutes = max(1, round(seconds / 60))
    return f"{minutes // 60}:{minutes % 60:02d}"


def minutes(seconds: float) -> int:
    return max(1, round(seconds / 60))


@dataclass(frozen=True)
class Step:
    instruction: str
    distance: float


@dataclass(frozen=True)
class Route:
    engine: str
    distance: float  # metres
    seconds: float
    steps: tuple[Step, ...]
    points: tuple[tuple[float, float], ...]


class NoRoute(Exception):
    """No path joins the two points in the mode's network."""


@dataclass(frozen=True)
class Edge:
    target: int
    seconds: float
    length: float
    name: str
    highway: str


class Graph:
    """One mode's network: adjacency lists of (target, seconds, metres, name, highway)."""

    def __init__(self, mode: str, coords: dict[int, tuple[float, float]]) -> None:
        self.mode = mode
        self.coords = coords
        self.out: dict[int, list[Edge]] = {}
        self.snappable: list[int] = []

    def add(self, source: int, edge: Edge) -> None:
        self.out.setdefault(source, []).append(edge)

    def finish(self) -> None:
        """Keep, as snapping targets, the nodes of the largest connected part (ignoring direction)."""
        undirected: dict[int, set[int]] = {}
        for source, edges in self.out.items():
            for edge in edges:
                undirected.setdefault(source, set()).add(edge.target)
                undirected.setdefault(edge.target, set()).add(source)
        best: list[int] = []
        seen: set[int] = set()
        for start in sorted(undirected):
            if start in seen:
                continue
            part, stack = [], [start]
            seen.add(start)
            while stack:
                node = stack.pop()
                part.append(node)
                for nxt in undirected[node]:
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            if len(part) > len(best):
                best = part
        self.snappable = sorted(best)

    def nearest(self, lat: float, lon: float) -> int:
        return min(self.snappable, key=lambda n: metres(lat, lon, *self.coords[n]))

    def shortest(self, source: int, target: int) -> list[tuple[int, Edge | None]]:
        """Dijkstra on travel time: the path as (node, edge that reached it)."""
        best = {source: 0.0}
        came: dict[int, tuple[int, Edge]] = {}
        queue = [(0.0, source)]
        while queue:
            cost, node = heapq.heappop(queue)
            if node == target:
                break
            if cost > best[node]:
                continue
            for edge in self.out.get(node, ()):
                new = cost + edge.seconds
                if new < best.get(edge.target, math.inf):
                    best[edge.target] = new
                    came[edge.target] = (node, edge)
                    heapq.heappush(queue, (new, edge.target))
        if target not in best:
            raise NoRoute
        path: list[tuple[int, Edge | None]] = []
        node = target
        while node != source:
            prev, edge = came[node]
            path.append((node, edge))
            node = prev
        path.append((source, None))
        return path[::-1]


def _speed(mode: str, highway: str, maxspeed: int | None) -> float:
    if mode == "car":
        return float(maxspeed or CAR_SPEEDS.get(highway, 30))
    return float(BIKE_SPEED if mode == "bike" else FOOT_SPEED)


def load(db: Path) -> dict[str, Graph]:
    """The three modes' graphs from a seed's database."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        coords = {n: (lat, lon) for n, lat, lon in conn.execute("SELECT id, lat, lon FROM map_node")}
        rows = conn.execute(
            "SELECT source, target, name, highway, length_m, car, bike, foot, oneway, bike_oneway, maxspeed"
            " FROM map_edge ORDER BY id"
        ).fetchall()
    graphs = {mode: Graph(mode, coords) for mode in ("car", "bike", "foot")}
    for source, target, name, highway, length, car, bike, foot, oneway, bike_oneway, maxspeed in rows:
        for mode, allowed, direction in (
            ("car", car, oneway),
            ("bike", bike, bike_oneway),
            ("foot", foot, 0),
        ):
            if not allowed:
                continue
            seconds = length / (_speed(mode, highway, maxspeed) / 3.6)
            if direction >= 0:
                graphs[mode].add(source, Edge(target, seconds, length, name, highway))
            if direction <= 0:
                graphs[mode].add(target, Edge(source, seconds, length, name, highway))
    for graph in graphs.values():
        graph.finish()
    return graphs


@functools.cache
def graphs_of(db: str) -> dict[str, Graph]:
    return load(Path(db))


def _turn(change: float) -> str:
    change = (change + 180) % 360 - 180
    if abs(change) < 25:
        return "Continue"
    side = "right" if change > 0 else "left"
    if abs(change) < 60:
        return f"Slight {side}"
    if abs(change) < 150:
        return f"Turn {side}"
    return "Make a U-turn"


#: A leg shorter than this (a crossing, a few steps) is folded into the one before it.
SHORT_LEG_M = 15.0


@dataclass
class Leg:
    """A stretch of the route along one named way (or one kind of unnamed way)."""

    label: str
    metres: float
    heading_in: float
    heading_out: float


def _legs(graph: Graph, path: list[tuple[int, Edge | None]]) -> list[Leg]:
    """The path's stretches; very short ones folded into the previous one, neighbours of one name joined."""
    legs: list[Leg] = []
    for (prev, _), (node, edge) in itertools.pairwise(path):
        assert edge is not None
        heading = bearing(*graph.coords[prev], *graph.coords[node])
        label = edge.name or f"the {edge.highway.replace('_', ' ')}"
        if legs and legs[-1].label == label:
            legs[-1].metres += edge.length
            legs[-1].heading_out = heading
        else:
            legs.append(Leg(label, edge.length, heading, heading))
    kept: list[Leg] = []
    for leg in legs:
        if kept and (leg.metres < SHORT_LEG_M or kept[-1].label == leg.label):
            kept[-1].metres += leg.metres
            kept[-1].heading_out = leg.heading_out
        else:
            kept.append(leg)
    return kept


def route(db: Path | str, engine: str, start: tuple[float, float], end: tuple[float, float]) -> Route:
    """The fastest route between two points by the engine's mode (``NoRoute`` when none joins them)."""
    graph = graphs_of(str(db))[ENGINES[engine]]
    path = graph.shortest(graph.nearest(*start), graph.nearest(*end))
    points = tuple(graph.coords[node] for node, _ in path)
    distance = sum(edge.length for _, edge in path if edge is not None)
    seconds = sum(edge.seconds for _, edge in path if edge is not None)
    legs = _legs(graph, path)
    steps = [
        Step(
            f"Start on {leg.label}"
            if i == 0
            else f"{_turn(leg.heading_in - legs[i - 1].heading_out)} onto {leg.label}",
            leg.metres,
        )
        for i, leg in enumerate(legs)
    ]
    steps.append(Step("Reach destination", 0.0))
    return Route(engine, distance, seconds, tuple(steps), points)
