"""The map's relation templates, after WebArena's "pull up the description page of X on Map" and
"view the info page for the city / university / bridge" (370, 424-429; WebArena-Verified judges
them by the request for ``__MAP__/relation/ID``): here ``url_match`` on the relation's page.

A relation is drawn among those whose name no other relation and no place shares, so a search's
exact hit is that relation. One template names it as the map does (a district, a square, a
station); the other by its English name (``name:en``), which the map's search also reads, while
the page and the result's link show the Finnish name: the agent must see that they are one.
"""

from __future__ import annotations

import random
from typing import Any

from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    OracleError,
    Plan,
    Seed,
    Template,
    choose,
    click,
    register,
    say,
    url_eval,
)
from palaestra.tasks.webarena.templates.map import first_result, search

ALONE = """
SELECT osm_id, name, kind, names FROM map_relation r
WHERE name != '' AND type IN ('boundary', 'multipolygon', 'public_transport') {where}
  AND (SELECT COUNT(*) FROM map_relation s WHERE lower(s.name) = lower(r.name)) = 1
  AND NOT EXISTS (SELECT 1 FROM map_place p WHERE lower(p.name) = lower(r.name))
ORDER BY osm_id
"""


def _page(osm_id: int) -> dict[str, Any]:
    return url_eval(f"__MAP__/relation/{osm_id}")


def named_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """A district, a named area (square, park, building) and a station's stop area."""
    out = []
    for kinds in ("'District', 'Sub-district'", "'Square', 'Park', 'University building'", "'Stop area'"):
        for osm_id, name, kind, _ in choose(rng, seed.rows(ALONE.format(where=f"AND kind IN ({kinds})")), 1):
            out.append(Instance({"name": name, "kind": kind.lower()}, _page(osm_id)))
    return out


def named_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, values["name"])
    obs = yield click(obs, "link", values["name"])
    yield say("Done.")


def english_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    """Relations whose English name differs from the map's name and names nothing else on the map."""
    entries = [
        n.lower() for (names,) in seed.rows("SELECT names FROM map_relation") for n in names.split("\n")
    ]
    found = []
    for osm_id, name, _, _ in seed.rows(ALONE.format(where="")):
        english = seed.value(
            "SELECT json_extract(tags, '$.\"name:en\"') FROM map_relation WHERE osm_id = ?", osm_id
        )
        if not english or english.lower() == name.lower() or entries.count(english.lower()) != 1:
            continue
        if not seed.value("SELECT COUNT(*) FROM map_place WHERE lower(name) = lower(?)", english):
            found.append(Instance({"english_name": english}, _page(osm_id)))
    return choose(rng, found, 3)


def english_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, values["english_name"])
    name = first_result(obs)  # an exact hit on one of its names comes first, under the map's name
    obs = yield click(obs, "link", name)
    if "/relation/" not in obs["url"]:
        raise OracleError(f"{name} is not a relation's page: {obs['url']}")
    yield say("Done.")


register(
    Template("map-relation-page", "map", "Pull up the description page of the {kind} {name} on the map.",
             named_instances, named_oracle, login=False),
    Template("map-relation-english", "map", "On the map, open the info page of {english_name}.",
             english_instances, english_oracle, login=False),
)  # fmt: skip
