"""The map's directions: ``/directions?engine=fossgis_osrm_car&route=LAT,LON;LAT,LON``, as OSM's.

The form (OSM's field names: ``route_from``, ``route_to``, the engine in ``select.routing_engines``)
geocodes its From and To texts (a place's or a street's name, or ``LAT, LON``), then redirects to the
``route=`` URL, which is what OSM's address bar shows and WebArena's tasks match. The chosen engine is
also kept in the cookie ``_osm_directions_engine``, as OSM does (WebArena-Verified's checks read it).
Routes are computed on the seed's graph (``map_routing``; read-only, so shared by all episodes).
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import escape

from palaestra.sites.apps import map_routing as routing
from palaestra.sites.apps.map_osrm import route_path
from palaestra.sites.apps.map_pages import coordinate, fitting_zoom, page, place_at, svg
from palaestra.sites.apps.map_views import POINT, matches, streets

ENGINE_COOKIE = "_osm_directions_engine"


def geocode(text: str) -> tuple[float, float] | None:
    """A form's From or To: ``LAT, LON``, else the best-matching place, else a street."""
    point = POINT.match(text)
    if point:
        return float(point[1]), float(point[2])
    places = matches(text)
    if places:
        return float(places[0][9]), float(places[0][10])
    named = streets(text)
    return (float(named[0][2]), float(named[0][3])) if named else None


def _route_url(engine: str, start: tuple[float, float], end: tuple[float, float]) -> str:
    route = f"{coordinate(start[0])},{coordinate(start[1])};{coordinate(end[0])},{coordinate(end[1])}"
    return "/directions?" + urllib.parse.urlencode({"engine": engine, "route": route})


def _form(engine: str, start: str, end: str) -> str:
    options = "".join(
        f"<option value='{e}'{' selected' if e == engine else ''}>{escape(text)}</option>"
        for e, text in routing.ENGINE_LABELS.items()
    )
    return (
        "<h2>Directions</h2><form action='/directions' method='get'>"
        f"<label>From <input type='text' name='route_from' value='{escape(start)}'></label> "
        f"<label>To <input type='text' name='route_to' value='{escape(end)}'></label> "
        f"<label>Mode <select name='engine' class='routing_engines'>{options}</select></label>"
        " <button type='submit'>Go</button></form>"
    )


def _with_engine(response: HttpResponse, engine: str) -> HttpResponse:
    response.set_cookie(ENGINE_COOKIE, engine, max_age=365 * 86400, samesite="Lax")
    return response


def directions(request: HttpRequest) -> HttpResponse:
    engine = request.GET.get("engine") or request.COOKIES.get(ENGINE_COOKIE) or routing.DEFAULT_ENGINE
    if engine not in routing.ENGINES:
        known = ", ".join(routing.ENGINES)
        return HttpResponse(
            page(
                "Directions",
                _form(routing.DEFAULT_ENGINE, "", "")
                + f"<p role='alert'>Unknown engine {escape(engine)}: choose one of {known}.</p>",
            ),
            status=400,
        )
    # The form's fields are OSM's (route_from, route_to); links from a place's page use from= and to=.
    start_text = (request.GET.get("route_from") or request.GET.get("from", "")).strip()
    end_text = (request.GET.get("route_to") or request.GET.get("to", "")).strip()
    route_text = request.GET.get("route", "")
    if start_text and end_text and not route_text:
        start, end = geocode(start_text), geocode(end_text)
        missing = [t for t, p in ((start_text, start), (end_text, end)) if p is None]
        if start is not None and end is not None:
            return _with_engine(HttpResponseRedirect(_route_url(engine, start, end)), engine)
        problem = "".join(f"<p role='alert'>Could not find '{escape(t)}'.</p>" for t in missing)
        return _with_engine(
            HttpResponse(page("Directions", _form(engine, start_text, end_text) + problem)), engine
        )
    points = [POINT.match(p) for p in route_text.split(";")] if route_text else []
    if len(points) != 2 or not all(points):
        return _with_engine(HttpResponse(page("Directions", _form(engine, start_text, end_text))), engine)
    (a, b) = [(float(m[1]), float(m[2])) for m in points if m]
    names = [place_at(*p) or f"{coordinate(p[0])}, {coordinate(p[1])}" for p in (a, b)]
    # OSM's page asks the mode's router for the route from the browser; Verified judges that request.
    path = route_path(engine, a, b)
    asked = f"<script data-router='{escape(path)}'>fetch({json.dumps(path)})</script>"
    try:
        found = routing.route(Path(settings.BUILD) / "db.sqlite3", engine, a, b)
    except routing.NoRoute:
        result = "<p role='alert'>No route found between these points.</p>"
    else:
        steps = "".join(
            f"<tr><td>{n}.</td><td>{escape(s.instruction)}</td><td>{routing.format_distance(s.distance)}</td></tr>"
            for n, s in enumerate(found.steps, 1)
        )
        result = (
            f"<p>Distance: {routing.format_distance(found.distance)}."
            f" Time: {routing.format_time(found.seconds)}.</p>"
            f"<table><tr><th>#</th><th>Instruction</th><th>Distance</th></tr>{steps}</table>"
            f"<div id='map'>{svg(*fitting_zoom(found.points), route=found.points)}</div>"
        )
    return _with_engine(HttpResponse(page("Directions", _form(engine, *names) + result + asked)), engine)
