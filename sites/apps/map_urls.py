"""The map's URLs, shaped as openstreetmap.org's so WebArena's ``url_match`` references fit."""

from __future__ import annotations

from typing import Any

from django.urls import path

from palaestra.sites.apps import map_directions, map_osrm, map_relations, map_views
from palaestra.sites.apps.urls_common import common_patterns

urlpatterns: list[Any] = [
    *common_patterns(),
    path("", map_views.home),
    path("search", map_views.search),
    path("directions", map_directions.directions),
    path("query", map_views.query),
    # OSM's element pages, with or without the trailing slash (WebArena-Verified names both).
    path("node/<int:osm_id>", map_views.node),
    path("node/<int:osm_id>/", map_views.node),
    path("way/<int:osm_id>", map_views.way),
    path("way/<int:osm_id>/", map_views.way),
    path("relation/<int:osm_id>", map_relations.relation),
    path("relation/<int:osm_id>/", map_relations.relation),
    path("map.svg", map_views.map_svg),
    path("routed-<str:vehicle>/route/v1/<str:profile>/<str:points>", map_osrm.route_api),
]
