"""The map's relation pages (``/relation/ID``, as openstreetmap.org's) and the relations search and
"what is here" list.

A relation's page is OSM's: the title "Relation: NAME (ID)", its tags, its members linking to
``/node/…``, ``/way/…`` and ``/relation/…`` with their roles, and where it lies. Node and way pages
say which relations they are part of. Search finds a relation by any of its names (the English one
too, word by word: "University of Helsinki" finds "Helsinki University main building"); what is
here lists the areas whose rings enclose the point (``data.osm_relations``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import escape

from palaestra.sites.apps.map_pages import coordinate, page, rows
from palaestra.sites.data.osm_relations import inside

#: Words a search may hold that no name needs to ("University of Helsinki").
FILLER = frozenset({"of", "the", "and", "in", "at", "on", "a", "an"})
RELATION_COLUMNS = "osm_id, name, kind, type, names, members, member_count, south, west, north, east"


def relation_item(row: tuple[Any, ...]) -> str:
    osm_id, name, kind = row[:3]
    return f"<li>{escape(kind)} <a href='/relation/{osm_id}'>{escape(name or str(osm_id))}</a></li>"


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"\w+", text.lower()) if w not in FILLER]


def matching(text: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Relations one of whose names is ``text`` (first list) or holds it, or all its words (second)."""
    wanted, words = text.strip().lower(), _words(text)
    exact, other = [], []
    for row in rows("SELECT osm_id, name, kind, names FROM map_relation WHERE names != '' ORDER BY osm_id"):
        names = [n.lower() for n in str(row[3]).split("\n")]
        if wanted in names:
            exact.append(row)
        elif any(wanted in n for n in names) or (
            words and any(all(w in _words(n) for w in words) for n in names)
        ):
            other.append(row)
    return exact, other[:20]


def enclosing(lat: float, lon: float) -> list[tuple[Any, ...]]:
    """The areas whose rings hold the point, smallest box first (a building before its district)."""
    found = rows(
        "SELECT osm_id, name, kind, rings, (north - south) * (east - west) FROM map_relation"
        " WHERE rings != '' AND south <= %s AND north >= %s AND west <= %s AND east >= %s",
        lat,
        lat,
        lon,
        lon,
    )
    held = [r for r in found if inside(lat, lon, json.loads(r[3]))]
    return sorted(held, key=lambda r: (r[4], r[0]))


def part_of(kind: str, osm_id: int) -> str:
    """The "Part of" list of a node's or way's page: the relations it is a member of."""
    found = rows(
        "SELECT osm_id, name, kind FROM map_relation WHERE members LIKE %s ORDER BY osm_id",
        f'%["{kind}",{int(osm_id)},%',
    )
    if not found:
        return ""
    return "<h3>Part of</h3><ul>" + "".join(relation_item(r) for r in found) + "</ul>"


def _member_names(members: list[list[Any]]) -> dict[tuple[str, int], str]:
    """Names the map knows for members (places, roads, relations), by (type, id)."""
    ids: dict[str, list[int]] = {"node": [], "way": [], "relation": []}
    for kind, ref, _ in members:
        ids[kind].append(int(ref))
    names: dict[tuple[str, int], str] = {}

    def look(sql: str, kind: str, refs: list[int]) -> None:
        for start in range(0, len(refs), 500):
            chunk = refs[start : start + 500]
            marks = ", ".join(["%s"] * len(chunk))
            for ref, name in rows(sql.format(marks=marks), *chunk):
                if name:
                    names[(kind, int(ref))] = str(name)

    look(
        "SELECT osm_id, name FROM map_place WHERE osm_type = 'node' AND osm_id IN ({marks})",
        "node",
        ids["node"],
    )
    look(
        "SELECT osm_id, name FROM map_place WHERE osm_type = 'way' AND osm_id IN ({marks})", "way", ids["way"]
    )
    look("SELECT osm_id, name FROM map_way WHERE osm_id IN ({marks})", "way", ids["way"])
    look("SELECT osm_id, name FROM map_relation WHERE osm_id IN ({marks})", "relation", ids["relation"])
    return names


def _members(members: list[list[Any]], count: int) -> str:
    names = _member_names(members)
    items = []
    for kind, ref, role in members:
        name = names.get((kind, int(ref)))
        shown = f"{name} ({ref})" if name else str(ref)
        as_role = f" as {escape(role)}" if role else ""
        items.append(f"<li>{kind.capitalize()} <a href='/{kind}/{ref}'>{escape(shown)}</a>{as_role}</li>")
    held = f"{count} members" if count == len(members) else f"{count} members, {len(members)} in this extract"
    return f"<h3>Members</h3><p>{held}</p><ul>{''.join(items)}</ul>"


def relation(request: HttpRequest, osm_id: int) -> HttpResponse:
    found = rows(f"SELECT {RELATION_COLUMNS}, tags FROM map_relation WHERE osm_id = %s", osm_id)
    if not found:
        raise Http404(f"relation {osm_id}")
    _, name, kind, _, _, members, count, south, west, north, east, tags = found[0]
    title = f"Relation: {name} ({osm_id})" if name else f"Relation: {osm_id}"
    table = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in sorted(json.loads(tags).items())
    )
    where = "<p>None of its members is in this extract.</p>"
    if south is not None:
        lat, lon = (south + north) / 2, (west + east) / 2
        centre = f"{coordinate(lat)}/{coordinate(lon)}"
        where = (
            f"<p>Its members in this extract span {coordinate(south)}, {coordinate(west)} to "
            f"{coordinate(north)}, {coordinate(east)}. <a href='/#map=17/{centre}'>Show on the map</a></p>"
        )
    body = (
        f"<h2>{escape(title)}</h2><p>{escape(kind)}</p><h3>Tags</h3><table>{table}</table>"
        f"{_members(json.loads(members), int(count))}{where}{part_of('relation', osm_id)}"
    )
    return HttpResponse(page(title, body))
