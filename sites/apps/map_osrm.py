"""The routers' own API, as OSM's directions page calls it: ``/routed-car/route/v1/driving/LON,LAT;LON,LAT``.

OpenStreetMap's directions page computes a route in the browser by asking the FOSSGIS OSRM server of
the chosen mode (``routed-car``, ``routed-bike``, ``routed-foot``) for ``route/v1/driving/`` with the
two points as longitude,latitude. WebArena-Verified judges route tasks by that request (its URL's
points, and the ``_osm_directions_engine`` cookie it carries), so the stand-in's directions page
makes the same request to its own host and this view answers it in OSRM's JSON shape, from the same
router as the page.
"""

from __future__ import annotations

import math
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from palaestra.sites.apps import map_routing as routing

#: OSM's vehicle path of each engine (``fossgis_osrm_bicycle`` asks ``routed-bike``).
VEHICLES = {engine: f"routed-{mode}" for engine, mode in routing.ENGINES.items()}
ENGINE_OF = {vehicle: engine for engine, vehicle in VEHICLES.items()}


def route_path(engine: str, start: tuple[float, float], end: tuple[float, float]) -> str:
    """The API path OSM's page asks for a route from ``start`` to ``end`` (each LAT, LON)."""
    points = ";".join(f"{lon},{lat}" for lat, lon in (start, end))
    return f"/{VEHICLES[engine]}/route/v1/driving/{points}"


def _points(text: str) -> list[tuple[float, float]] | None:
    """``LON,LAT;LON,LAT`` as (LAT, LON) pairs, or None when it is not two points."""
    try:
        pairs = [tuple(float(v) for v in part.split(",")) for part in text.split(";")]
    except ValueError:
        return None
    if len(pairs) != 2 or any(len(p) != 2 for p in pairs):
        return None
    if not all(
        math.isfinite(v) and abs(lat) <= 90 and abs(lon) <= 180 for lon, lat in pairs for v in (lon, lat)
    ):
        return None  # nan, inf or off the globe: OSRM refuses them too
    return [(p[1], p[0]) for p in pairs]


def route_api(request: HttpRequest, vehicle: str, profile: str, points: str) -> JsonResponse:
    """OSRM's ``route`` answer: ``code`` Ok with one route (distance in metres, duration in
    seconds, its steps), ``NoRoute``, or ``InvalidUrl``/``InvalidQuery`` with a message, as OSRM
    answers a request it cannot read."""
    engine = ENGINE_OF.get(f"routed-{vehicle}")
    if engine is None:
        known = ", ".join(VEHICLES.values())
        return JsonResponse({"code": "InvalidUrl", "message": f"No router {vehicle!r}: {known}"}, status=400)
    pair = _points(points)
    if pair is None:
        message = "Give two points as LON,LAT;LON,LAT"
        return JsonResponse({"code": "InvalidQuery", "message": message}, status=400)
    try:
        found = routing.route(Path(settings.BUILD) / "db.sqlite3", engine, pair[0], pair[1])
    except routing.NoRoute:
        return JsonResponse({"code": "NoRoute", "message": "Impossible route between points"}, status=400)
    steps = [{"distance": round(s.distance, 1), "name": s.instruction} for s in found.steps]
    leg = {"distance": round(found.distance, 1), "duration": round(found.seconds, 1), "steps": steps}
    waypoints = [{"location": [found.points[i][1], found.points[i][0]]} for i in (0, -1)]
    return JsonResponse(
        {"code": "Ok", "routes": [{**leg, "legs": [leg]}], "waypoints": waypoints},
    )
