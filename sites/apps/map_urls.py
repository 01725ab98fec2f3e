"""The map's URLs, shaped as openstreetmap.org's so WebArena's ``url_match`` references fit."""

from __future__ import annotations

from typing import Any

from django.urls import path, register_converter

from palaestra.sites.apps import map_directions, map_osrm, map_relations, map_views
from palaestra.sites.apps.urls_common import common_patterns


class OsmId:
    """An element's id as OSM's URLs write it; one too large for SQLite's integer matches no page
    (a 404, as an unknown id), rather than failing the query (a 500)."""

    regex = "[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number >= 2**63:
            raise ValueError(f"no OSM id is {value}")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(OsmId, "osm_id")

urlpatterns: list[Any] = [
    *common_patterns(),
    path("", map_views.home),
    path("search", map_views.search),
    path("directions", map_directions.directions),
    path("query", map_views.query),
    # OSM's element pages, with or without the trailing slash (WebArena-Verified names both).
    path("node/<osm_id:osm_id>", map_views.node),
    path("node/<osm_id:osm_id>/", map_views.node),
    path("way/<osm_id:osm_id>", map_views.way),
    path("way/<osm_id:osm_id>/", map_views.way),
    path("relation/<osm_id:osm_id>", map_relations.relation),
    path("relation/<osm_id:osm_id>/", map_relations.relation),
    path("map.svg", map_views.map_svg),
    path("routed-<str:vehicle>/route/v1/<str:profile>/<str:points>", map_osrm.route_api),
]
