"""WebArena's official map tasks on the map stand-in (OpenStreetMap's Helsinki, our routers).

Their places are in Pittsburgh, so an agent cannot solve most of them here; but where a task's check
reads only what an agent types or chooses (the search query, the directions form's fields and
engine, the points of the route it asks for), its right answer played on the stand-in must pass, in
the columns that judge it. And a cheap agent over a sample of every kind of map task must leave no
column unjudged and no episode errored (``bench.speed.map_official`` plays all 287).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from palaestra.envs import BrowserEnv
from palaestra.envs.observation import ObsConfig
from palaestra.sites.runtime import SiteRuntime
from palaestra.tasks.webarena.templates.base import elements, find

ROOT = Path(__file__).resolve().parents[2]
NAVIGATED = json.dumps({"task_type": "NAVIGATE", "status": "SUCCESS", "retrieved_data": None})


def play(env: BrowserEnv, actions: list[str], answer: str) -> dict[str, Any]:
    """One episode: ``actions`` then the answer; the verdict's task info."""
    env.reset(seed=0)
    for action in actions:
        _, _, terminated, _, info = env.step(action)
        assert not terminated and not info.get("last_action_error"), info
    _, _, terminated, _, info = env.step(f"send_msg_to_user({answer!r})")
    assert terminated
    return dict(info["task_info"])


def test_verified_judges_a_bicycle_route_by_the_request_to_the_router(
    runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    """Verified's task 268 checks the request OSM's directions page sends its router
    (``/route/v1/.../LON,LAT;LON,LAT``) and that it carries ``_osm_directions_engine`` set to OSM's
    ``fossgis_osrm_bicycle``. The points are typed (Maine's, off the stand-in's data: the router
    snaps them), so the right answer passes on the stand-in; by car it does not."""
    env = make_env("webarena-verified.268", obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    answer = json.dumps({"task_type": "RETRIEVE", "status": "SUCCESS",
                         "retrieved_data": [{"relation_id": 2176999, "duration": "10:58:00"}]})  # fmt: skip
    route = "route=44.3494709%2C-68.2177005%3B44.0478975%2C-68.8315387"
    for engine, expected in (("fossgis_osrm_bicycle", 1.0), ("fossgis_osrm_car", 0.0)):
        url = f"{runtime.url('map')}/directions?engine={engine}&{route}"
        verdict = play(env, [f"goto('{url}')"], answer)
        assert verdict["columns"]["verified"] == expected, verdict["verified"]


def test_a_typed_search_solves_the_search_tasks_in_every_column(
    runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    """Task 377's check is the search URL (paper, corrected: url_match) or the search request's
    query (Verified): typing the query into the stand-in's search box and pressing Enter passes all
    three, though CMU ArtPark Lab is not on the map."""
    for task, columns in (("webarena.377", ("paper", "corrected")), ("webarena-verified.377", ("verified",))):
        env = make_env(task, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
        obs, _ = env.reset(seed=0)
        box = find(obs, "searchbox", "Search")["id"]
        env.step(f"fill({box!r}, 'restaurants near CMU ArtPark Lab')")
        env.step(f"press({box!r}, 'Enter')")
        _, _, terminated, _, info = env.step(f"send_msg_to_user({NAVIGATED!r})")
        judged = info["task_info"]["columns"]
        assert terminated and all(judged[c] == 1.0 for c in columns), info["task_info"]
        env.close()


def test_a_walking_route_form_solves_task_763(
    runtime: SiteRuntime, make_env: Callable[..., BrowserEnv]
) -> None:
    """Task 763 reads the directions form: engine index 2 (foot, in OSM's order) and the From and To
    fields' texts. Filled so on the stand-in it passes the paper's and the corrected columns; the
    car engine fails them."""
    env = make_env("webarena.763", obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    for engine, expected in (("fossgis_osrm_foot", 1.0), ("fossgis_osrm_car", 0.0)):
        obs, _ = env.reset(seed=0)
        obs, *_ = env.step(f"goto('{runtime.url('map')}/directions?engine={engine}')")
        start, end = find(obs, "textbox", "From")["id"], find(obs, "textbox", "To")["id"]
        env.step(f"fill({start!r}, '401, Shady Avenue, Shadyside')\n"
                 f"fill({end!r}, \"Trader Joe's, 6343, Penn Avenue, East Liberty\")")  # fmt: skip
        _, _, terminated, _, info = env.step(f"send_msg_to_user({NAVIGATED!r})")
        columns = info["task_info"]["columns"]
        assert terminated and columns["paper"] == columns["corrected"] == expected, info["task_info"]


def test_directions_shown_in_the_page_pass_verifieds_route_navigation_check(
    make_env: Callable[..., BrowserEnv],
) -> None:
    """Verified judges task 763 (and 356, 757, 758, 761-767) by the last page load being the map's
    root: OSM shows directions in the page. The stand-in's Directions link and form do too, so an
    agent that opens them from the start page, fills them and goes passes; the page's address is
    the route's, which the paper's checks read. Going to a directions URL loads a page, and fails."""
    env = make_env("webarena-verified.763", obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step(f"click({find(obs, 'link', 'Directions')['id']!r})")
    start, end = find(obs, "textbox", "From")["id"], find(obs, "textbox", "To")["id"]
    mode = find(obs, "combobox", "Mode")["id"]
    obs, *_ = env.step(f"fill({start!r}, 'Ateneum')\nfill({end!r}, 'Stockmann')\n"
                       f"select_option({mode!r}, 'Foot (OSRM)')")  # fmt: skip
    go = elements(obs, "button", "Go")[-1]["id"]  # the form's, not the search box's
    obs, *_ = env.step(f"click({go!r})")
    assert "/directions?engine=fossgis_osrm_foot&route=" in obs["url"] and "Distance: " in obs["axtree"]
    back, *_ = env.step("go_back()")  # the form again, at its address (Back loads what it reaches)
    assert back["url"].endswith("/directions") and "Distance: " not in back["axtree"]
    obs, *_ = env.step("go_forward()")
    assert "route=" in obs["url"] and "Distance: " in obs["axtree"]
    _, _, terminated, _, info = env.step(f"send_msg_to_user({NAVIGATED!r})")
    assert terminated and info["task_info"]["columns"]["verified"] == 1.0, info["task_info"]
    obs, _ = env.reset(seed=0)
    loaded = play(env, [f"goto('{obs['url'].rstrip('/')}/directions?engine=fossgis_osrm_foot')"], NAVIGATED)
    assert loaded["columns"]["verified"] == 0.0


def test_a_sample_of_every_kind_of_map_task_is_judged_in_every_column(tmp_path: Path) -> None:
    """Two map tasks of each evaluation type per official suite (string_match, program_html,
    url_match; cross-site ones among them), played by the probe agent through ``palaestra eval``:
    no episode errors and every column has a verdict (0 here: the data is Helsinki's)."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.speed.map_official", "--sample", "2", "--workers", "1",
         "--out", str(tmp_path / "runs")],
        cwd=ROOT, env=os.environ.copy(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    result = json.loads(done.stdout)
    assert done.returncode == 0 and result["clean"], json.dumps(result, indent=1)
    for suite, tally in result["suites"].items():
        assert tally["episodes"] == tally["tasks"] >= 5, suite
        assert all(sum(v.values()) == tally["episodes"] for v in tally["columns"].values()), tally
