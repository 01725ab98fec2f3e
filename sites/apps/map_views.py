"""The map's pages, after openstreetmap.org's: ``/#map=ZOOM/LAT/LON``, ``/search?query=``,
``/node/ID`` and ``/way/ID``, and ``/query?lat=&lon=`` ("what is here"). Directions are in
``map_directions``, relations (``/relation/ID``) in ``map_relations``."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.html import escape

from palaestra.sites.apps import map_relations as relations
from palaestra.sites.apps import map_routing as routing
from palaestra.sites.apps.map_pages import (
    HOME,
    PLACE_COLUMNS,
    coordinate,
    label,
    nearest_places,
    page,
    place_item,
    rows,
    svg,
)

POINT = re.compile(r"^\s*(-?\d{1,3}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_NEAR = re.compile(r"^(.+?)\s+near\s+(.+)$", re.IGNORECASE)

HOME_SCRIPT = """
<script>
function show() {
  var m = /map=(\\d+)\\/(-?[\\d.]+)\\/(-?[\\d.]+)/.exec(location.hash) || [null, %d, %s, %s];
  var z = +m[1], lat = m[2], lon = m[3];
  document.getElementById('map_image').src = '/map.svg?zoom=' + z + '&lat=' + lat + '&lon=' + lon;
  document.getElementById('here').href = '/query?lat=' + lat + '&lon=' + lon;
  document.getElementById('in').href = '#map=' + Math.min(19, z + 1) + '/' + lat + '/' + lon;
  document.getElementById('out').href = '#map=' + Math.max(13, z - 1) + '/' + lat + '/' + lon;
}
window.addEventListener('hashchange', show); show();
</script>
"""


def _float(request: HttpRequest, name: str, default: float) -> float:
    try:
        return float(request.GET.get(name, default))
    except ValueError:
        return default


def home(request: HttpRequest) -> HttpResponse:
    zoom, lat, lon = HOME
    body = (
        f"<p><a id='in' href='#map={zoom + 1}/{lat}/{lon}'>Zoom in</a> · "
        f"<a id='out' href='#map={zoom - 1}/{lat}/{lon}'>Zoom out</a> · "
        f"<a id='here' href='/query?lat={lat}&amp;lon={lon}'>Query features (what is here?)</a></p>"
        "<div id='map'><img id='map_image' alt='Map' width='800' height='560'"
        f" src='/map.svg?zoom={zoom}&amp;lat={lat}&amp;lon={lon}'></div>" + HOME_SCRIPT % (zoom, lat, lon)
    )
    return HttpResponse(page("Map", body))


def map_svg(request: HttpRequest) -> HttpResponse:
    zoom = int(_float(request, "zoom", HOME[0]))
    image = svg(zoom, _float(request, "lat", HOME[1]), _float(request, "lon", HOME[2]))
    return HttpResponse(image, content_type="image/svg+xml")


def matches(text: str) -> list[tuple[Any, ...]]:
    like = f"%{text.strip()}%"
    return rows(
        f"SELECT {PLACE_COLUMNS} FROM map_place WHERE name LIKE %s OR category LIKE %s OR street LIKE %s"
        " ORDER BY lower(name) = lower(%s) DESC, name, osm_id LIMIT 50",
        like,
        text.strip().replace(" ", "_"),
        like,
        text.strip(),
    )


def streets(text: str) -> list[tuple[Any, ...]]:
    return rows(
        "SELECT name, highway, lat, lon FROM map_street WHERE name LIKE %s ORDER BY name LIMIT 20",
        f"%{text.strip()}%",
    )


def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("query", "").strip()
    if not query:
        return HttpResponse(
            page("Search", "<h2>Search Results</h2><p>Type a place, a street or an address.</p>")
        )
    point = POINT.match(query)
    if point:
        return HttpResponseRedirect(f"/query?lat={point[1]}&lon={point[2]}")
    near = _NEAR.match(query)
    if near:
        return HttpResponse(page(f"{query}", _near_results(near[1], near[2]), query))
    # A place named so first (the place pages' tasks), then a relation named so ("Helsinki": the
    # city), then places and relations whose names hold the words, then streets.
    places = matches(query)
    named = [r for r in places if str(r[2]).lower() == query.lower()]
    exact, other = relations.matching(query)
    items = "".join(place_item(r) for r in named) + "".join(relations.relation_item(r) for r in exact)
    items += "".join(place_item(r) for r in places if r not in named)
    items += "".join(relations.relation_item(r) for r in other)
    items += "".join(
        f"<li>Street <a href='/#map=18/{coordinate(lat)}/{coordinate(lon)}'>{escape(name)}</a>"
        f" ({escape(label(highway))})</li>"
        for name, highway, lat, lon in streets(query)
    )
    body = "<h2>Search Results</h2>" + (f"<ul>{items}</ul>" if items else "<p>No results found</p>")
    return HttpResponse(page(query, body, query))


def _near_results(what: str, where: str) -> str:
    """``cafe near Helsinki Cathedral``: places of a category (or name) by distance from a place."""
    anchor = matches(where)
    if not anchor:
        return f"<h2>Search Results</h2><p>No results found for {escape(where)}</p>"
    centre = anchor[0]
    category = category_of(what)
    if category:
        where_sql, args = "AND category = %s AND osm_id != %s", (category, centre[1])
    else:
        where_sql, args = "AND name LIKE %s AND osm_id != %s", (f"%{what.strip()}%", centre[1])
    found = nearest_places(centre[9], centre[10], 20, where_sql, *args)
    items = "".join(place_item(r, f" ({round(r[-1])} m away)") for r in found)
    return (
        f"<h2>Search Results</h2><p>{escape(label(what))} near <a href='/{centre[0]}/{centre[1]}'>"
        f"{escape(str(centre[2]))}</a>, nearest first:</p>"
        + (f"<ol>{items}</ol>" if items else "<p>None</p>")
    )


def category_of(text: str) -> str | None:
    """The category a search word names (``cafes``, ``fast food``), or None when it names none."""
    word = text.strip().lower().replace(" ", "_")
    for candidate in (word, word.removesuffix("s"), word.removesuffix("es")):
        if rows("SELECT 1 FROM map_place WHERE category = %s LIMIT 1", candidate):
            return candidate
    return None


def _place_page(row: tuple[object, ...], tags: dict[str, str]) -> HttpResponse:
    kind, osm_id, name, *_ = row
    lat, lon = float(row[9]), float(row[10])  # type: ignore[arg-type]
    point = f"{coordinate(lat)},{coordinate(lon)}"
    table = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in sorted(tags.items()))
    nearby = "".join(
        place_item(r, f" ({round(r[-1])} m)") for r in nearest_places(lat, lon, 11) if r[1] != osm_id
    )
    body = (
        f"<h2>{str(kind).capitalize()}: {escape(str(name))} ({osm_id})</h2>"
        f"<h3>Tags</h3><table>{table}</table>"
        f"<p>Location: <a href='/#map=18/{coordinate(lat)}/{coordinate(lon)}'>{coordinate(lat)}, "
        f"{coordinate(lon)}</a></p><p><a href='/directions?from={point}'>Directions from here</a> · "
        f"<a href='/directions?to={point}'>Directions to here</a></p>"
        f"{relations.part_of(str(kind), int(str(osm_id)))}<h3>Nearby places</h3><ul>{nearby}</ul>"
    )
    return HttpResponse(page(str(name), body))


def node(request: HttpRequest, osm_id: int) -> HttpResponse:
    found = rows(
        f"SELECT {PLACE_COLUMNS}, tags FROM map_place WHERE osm_type = 'node' AND osm_id = %s", osm_id
    )
    if not found:
        raise Http404(f"node {osm_id}")
    return _place_page(found[0][:-1], json.loads(found[0][-1]))


def way(request: HttpRequest, osm_id: int) -> HttpResponse:
    found = rows(
        f"SELECT {PLACE_COLUMNS}, tags FROM map_place WHERE osm_type = 'way' AND osm_id = %s", osm_id
    )
    if found:
        return _place_page(found[0][:-1], json.loads(found[0][-1]))
    road = rows(
        "SELECT name, highway, oneway, length_m, nodes, lat, lon, tags FROM map_way WHERE osm_id = %s", osm_id
    )
    if not road:
        raise Http404(f"way {osm_id}")
    name, highway, oneway, length, count, lat, lon, tags = road[0]
    table = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in sorted(json.loads(tags).items())
    )
    shown = name or label(highway)  # a relation's unnamed outline has neither: "Way: ID", as on OSM
    heading = f"Way: {shown} ({osm_id})" if shown else f"Way: {osm_id}"
    body = (
        f"<h2>{escape(heading)}</h2><h3>Tags</h3><table>{table}</table>"
        f"<p>Length: {routing.format_distance(length)}. Nodes: {count}."
        + (f" One-way: {'yes' if oneway else 'no'}.</p>" if highway else "</p>")
        + f"<p><a href='/#map=18/{coordinate(lat)}/{coordinate(lon)}'>Show on the map</a></p>"
        f"{relations.part_of('way', osm_id)}"
    )
    return HttpResponse(page(name or highway or heading, body))


def query(request: HttpRequest) -> HttpResponse:
    """What is here: the places and the ways nearest a point."""
    lat, lon = _float(request, "lat", HOME[1]), _float(request, "lon", HOME[2])
    places = "".join(place_item(r, f" ({round(r[-1])} m)") for r in nearest_places(lat, lon, 10))
    box = 0.003
    ways = rows(
        "SELECT DISTINCT w.osm_id, w.name, w.highway, n.lat, n.lon FROM map_edge e JOIN map_node n"
        " ON n.id = e.source JOIN map_way w ON w.osm_id = e.way_id WHERE n.lat BETWEEN %s AND %s"
        " AND n.lon BETWEEN %s AND %s AND w.name != ''",
        lat - box,
        lat + box,
        lon - 2 * box,
        lon + 2 * box,
    )
    best: dict[str, tuple[float, int, str]] = {}
    for osm_id, name, highway, nlat, nlon in ways:
        d = routing.metres(lat, lon, nlat, nlon)
        if name not in best or d < best[name][0]:
            best[name] = (d, osm_id, highway)
    streets = "".join(
        f"<li>{escape(label(h))} <a href='/way/{i}'>{escape(n)}</a> ({round(d)} m)</li>"
        for n, (d, i, h) in sorted(best.items(), key=lambda x: x[1][0])[:5]
    )
    around = "".join(relations.relation_item(r) for r in relations.enclosing(lat, lon))
    body = (
        f"<h2>Query Features</h2><p>Point: {coordinate(lat)}, {coordinate(lon)}</p><h3>Nearby features</h3>"
        f"<ul>{places}</ul><h3>Nearby streets</h3><ul>{streets}</ul>"
        + (f"<h3>Enclosing features</h3><ul>{around}</ul>" if around else "")
    )
    return HttpResponse(page("Query features", body))
