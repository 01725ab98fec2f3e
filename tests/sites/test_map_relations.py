"""The map's OpenStreetMap relations (WebArena-Verified's map tasks 370, 424-429 open ``/relation/ID``):
the seed keeps the extract's boundaries, multipolygons, bridges and routes; their pages, search and
what is here over real HTTP; and the rings "what is here" tests points against."""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

import pytest

from palaestra.sites import build as builds
from palaestra.sites.data.osm_relations import inside, kind_of, rings_of
from palaestra.sites.runtime import Episode, SiteRuntime

from .test_map import get, text

HELSINKI = 34914  # the city's boundary (admin_level 8)
MAIN_BUILDING = 1320784  # Helsingin yliopiston päärakennus: a multipolygon with two courtyards
OUTLINE = 17430268  # its outer way
KLUUVI = 184713  # a district, a subarea of the major district below
SOUTHERN = 4146365  # Eteläinen suurpiiri


@pytest.fixture
def episode(runtime: SiteRuntime) -> Any:
    made = runtime.new_episode(["map"])
    yield made
    made.discard()


def test_rings_are_joined_from_ways_and_a_hole_is_outside() -> None:
    top = [(1, 0.0, 0.0), (2, 0.0, 4.0), (3, 4.0, 4.0)]
    bottom = [(1, 0.0, 0.0), (4, 4.0, 0.0), (3, 4.0, 4.0)]  # joined end to end, one reversed
    hole = [(5, 1.0, 1.0), (6, 1.0, 2.0), (7, 2.0, 2.0), (8, 2.0, 1.0), (5, 1.0, 1.0)]
    rings = rings_of([top, bottom, hole])
    assert rings is not None and len(rings) == 2 and len(rings[0]) == 5
    assert inside(3.0, 3.0, rings) and not inside(1.5, 1.5, rings) and not inside(5.0, 1.0, rings)
    assert rings_of([top]) is None  # a line that does not close is no area
    assert kind_of({"type": "boundary", "boundary": "administrative", "admin_level": "8"}) == "City"
    assert kind_of({"type": "multipolygon", "building": "university"}) == "University building"
    assert kind_of({"type": "route", "route": "tram"}) == "Tram route"
    assert kind_of({"type": "bridge"}) == "Bridge"


def test_the_seed_keeps_the_relations_a_user_looks_up(runtime: SiteRuntime) -> None:
    build = runtime.build_of("map")
    with sqlite3.connect(f"file:{build / 'db.sqlite3'}?mode=ro", uri=True) as db:
        kinds = dict(db.execute("SELECT type, COUNT(*) FROM map_relation GROUP BY type").fetchall())
        city = db.execute(
            "SELECT name, kind, names, member_count, members FROM map_relation WHERE osm_id = ?", (HELSINKI,)
        ).fetchone()
        building = db.execute(
            "SELECT kind, names, rings, members, south, north FROM map_relation WHERE osm_id = ?",
            (MAIN_BUILDING,),
        ).fetchone()
        route = db.execute(
            "SELECT member_count, members FROM map_relation WHERE type = 'route' ORDER BY member_count DESC"
        ).fetchone()
        outline = db.execute("SELECT car, bike, foot FROM map_way WHERE osm_id = ?", (OUTLINE,)).fetchone()
    assert kinds["boundary"] == 14 and kinds["multipolygon"] >= 100 and kinds["bridge"] == 2, kinds
    assert kinds["route"] >= 100 and "restriction" not in kinds and "surveillance" not in kinds, kinds
    assert builds.manifest(build)["relations"] == sum(kinds.values())
    assert city[:2] == ("Helsinki", "City") and "Helsingfors" in city[2].split("\n")
    assert city[3] == len(json.loads(city[4])) == 59 and ["node", 1372477580, "admin_centre"] in json.loads(
        city[4]
    )
    assert building[0] == "University building" and "Helsinki University main building" in building[1]
    assert len(json.loads(building[2])) == 3 and json.loads(building[3])[0] == ["way", OUTLINE, "outer"]
    assert 60.16 < building[4] < building[5] < 60.17
    assert route[0] > len(json.loads(route[1])) > 0  # a route keeps only its members in the extract
    assert outline == (0, 0, 0)  # the outline has a page, and no mode may use it


def _links(html: str) -> list[str]:
    return re.findall(r"href='(/(?:node|way|relation)/\d+)'", html)


def test_relation_pages_are_osms(runtime: SiteRuntime, episode: Episode) -> None:
    for path in (f"/relation/{HELSINKI}", f"/relation/{HELSINKI}/"):  # Verified names both
        answer = get(runtime, episode, path)
        html = answer.read().decode()
        assert answer.status == 200 and "<title>Relation: Helsinki (34914) | Palaestra Map</title>" in html
    shown = text(get(runtime, episode, f"/relation/{HELSINKI}"))
    assert "Relation: Helsinki (34914) City Tags admin_level 8 boundary administrative" in shown
    assert "59 members" in shown and "Node 1372477580 as admin_centre" in shown
    assert f"/relation/{SOUTHERN}" in _links(html) and "/node/1372477580" in _links(html)
    building = get(runtime, episode, f"/relation/{MAIN_BUILDING}").read().decode()
    assert f"Way <a href='/way/{OUTLINE}'>{OUTLINE}</a> as outer" in building
    assert re.search(r"<a href='/#map=17/60\.169\d\d/24\.95\d\d\d'>Show on the map</a>", building)
    outline = text(get(runtime, episode, f"/way/{OUTLINE}/"))  # a member's page says what it is part of
    assert f"Way: {OUTLINE}" in outline and "Part of University building Helsingin yliopiston" in outline
    district = get(runtime, episode, f"/relation/{KLUUVI}/").read().decode()
    assert "Relation: Kluuvi (184713)" in district and f"href='/relation/{SOUTHERN}'" in district  # part of
    too_large = ("/relation/99999999999999999999", "/node/9223372036854775808", "/way/99999999999999999999/")
    for missing in (
        "/relation/1",
        "/relation/1/",
        "/relation/2279034/",
        *too_large,
    ):  # 2279034: Verified's CMU
        assert get(runtime, episode, missing).status == 404


def _results(runtime: SiteRuntime, episode: Episode, query: str) -> list[str]:
    return _links(get(runtime, episode, "/search?query=" + query.replace(" ", "+")).read().decode())


def test_search_and_what_is_here_find_relations(runtime: SiteRuntime, episode: Episode) -> None:
    assert _results(runtime, episode, "Helsinki")[0] == f"/relation/{HELSINKI}"  # the city before its shops
    assert _results(runtime, episode, "Helsingfors")[0] == f"/relation/{HELSINKI}"  # its Swedish name
    for asked in ("University of Helsinki", "Helsinki University main building", "Helsingin yliopiston"):
        assert f"/relation/{MAIN_BUILDING}" in _results(runtime, episode, asked), asked
    assert _results(runtime, episode, "Ateneum")[0] == "/way/8033120"  # a place named so still comes first
    assert _results(runtime, episode, "Carnegie Mellon University") == []
    here = get(runtime, episode, "/query?lat=60.16946&lon=24.95010").read().decode()
    assert "<h3>Enclosing features</h3>" in here and f"/relation/{MAIN_BUILDING}" in _links(here)
    yard = _courtyard(runtime)  # inside the outline, in a hole of the multipolygon
    there = get(runtime, episode, f"/query?lat={yard[0]:.6f}&lon={yard[1]:.6f}").read().decode()
    assert f"/relation/{MAIN_BUILDING}" not in _links(there)


def _courtyard(runtime: SiteRuntime) -> tuple[float, float]:
    db = runtime.build_of("map") / "db.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rings: list[Any] = json.loads(
            conn.execute("SELECT rings FROM map_relation WHERE osm_id = ?", (MAIN_BUILDING,)).fetchone()[0]
        )
    hole = min(rings, key=len)[:-1]
    return sum(p[0] for p in hole) / len(hole), sum(p[1] for p in hole) / len(hole)
