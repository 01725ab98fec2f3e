"""The bundled Chrome tasks (OSWorld's format, Debian's Chromium standing in for Google Chrome) on a
real Xvfb with the real browser: in one episode each, doing nothing scores 0, and in a second the
oracle, working through the browser's own UI (settings page, bookmark dialog, a ctrl+click on a
link), scores 1. Two of them are judged as OSWorld judges them, after a postconfig that quits the
browser (so it writes its profile) and starts it again. One desktop session serves them all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.loop import run_sync
from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.oracles import play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder, load_task
from palaestra.tasks.desktop.osworld.chrome_getters import (
    active_tab_info,
    active_tab_url_parse,
    active_url_from_access_tree,
    open_tabs_info,
)
from palaestra.tasks.desktop.osworld.oracles import ORACLES

CHROME = {t.spec.id: t for t in load_folder(BUNDLED) if "chrome" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(CHROME["chrome-link-in-new-tab"])
    yield shared
    shared.close()


def live(env: DesktopEnv) -> DesktopOutcome:
    """The outcome now, with the browser's tabs as the session reads them over its DevTools pipe."""
    return run_sync(env.aoutcome())


def test_the_chrome_tasks_are_these() -> None:
    assert sorted(CHROME) == [
        "chrome-bookmark-page",
        "chrome-clear-site-history",
        "chrome-do-not-track",
        "chrome-link-in-new-tab",
    ]


@pytest.mark.parametrize("task_id", sorted(CHROME))
def test_doing_nothing_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    env.task = CHROME[task_id]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].endswith(" - Chromium"), obs["focused_window"]
    obs, reward, terminated, _truncated, info = env.step("done()")
    assert terminated and reward == 0.0 and not info["success"], info["task_info"]

    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES[task_id], obs)
    assert errors == []
    assert reward == 1.0 and info["success"], (info["task_info"], obs["axtree"][-3000:])
    if task_id != "chrome-link-in-new-tab":  # judged after OSWorld's postconfig: quit, start again
        steps = info["task_info"]["final_steps"]
        assert [s["do"] for s in steps] == ["quit_browser", "launch", "sleep"] and steps[0]["quit"]
        # With its windows closed, the browser quit when asked, not at the timeout's SIGTERM.
        assert steps[0]["terminated"] == [], steps[0]


def test_the_page_is_in_the_tree_and_its_tabs_are_read_live(env: DesktopEnv) -> None:
    """What the agent sees of a page (its text, its link, the address bar) and what the judge's
    live getters read of the tabs, after the oracle opened the link in a new tab."""
    env.task = CHROME["chrome-link-in-new-tab"]
    obs, _info = env.reset(seed=0)
    texts = [e["value"] for e in obs["elements"] if e["role"] == "paragraph"]
    assert "Tomatoes want sun, deep pots and water every other day." in texts
    assert "See also:" in texts  # without the object-replacement character for the link
    address = next(e for e in obs["elements"] if e["name"] == "Address and search bar")
    assert address["value"].endswith("/pages/garden.html")
    assert not any(e["role"] == "frame" and not e["name"] for e in obs["elements"])  # closed popups
    garden = {"title": "Garden notes", "url": "file:///home/user/pages/garden.html"}
    assert active_tab_info(live(env)) == garden

    # An address typed into the address bar, as an agent would: the tab's URL and its query.
    obs, *_ = env.step(
        f"hotkey('ctrl', 'l')\nwrite({'file://' + address['value'] + '?q=tomato&n=2' + chr(10)!r})"
    )
    spec = {"type": "active_tab_url_parse", "parse_keys": ["q", "n"], "replace": {"n": "count"}}
    for _ in range(6):  # the page loads, and the address bar shows it, a moment after Enter
        obs, *_ = env.step("wait(0.5)")
        parsed = active_tab_url_parse(spec, "t", "w")(live(env))
        if parsed and "?" in (active_url_from_access_tree({}, "t", "w")(live(env)) or ""):
            break
    assert parsed == {"q": "tomato", "count": "2"}, (active_tab_info(live(env)), obs["axtree"][:1500])
    shown = active_url_from_access_tree({}, "t", "w")(live(env))
    assert shown == "file:///home/user/pages/garden.html?q=tomato&n=2", obs["axtree"][:1500]

    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, _), _errors = play_oracle(env, ORACLES["chrome-link-in-new-tab"], obs)
    assert reward == 1.0
    tabs = open_tabs_info(live(env))
    assert tabs is not None and sorted(t["title"] for t in tabs) == ["Garden notes", "Tomato recipes"]
    assert active_tab_info(live(env)) == garden  # a ctrl+click opens the link behind it


def test_a_blank_page_is_ready_and_is_the_active_tab(env: DesktopEnv, tmp_path: Path) -> None:
    """about:blank lays nothing out (its document is 0 px high): the episode starts once its window
    is up, and the judge finds it the active tab (and a wrong URL scores 0)."""
    data = {
        "id": "blank",
        "snapshot": "chrome",
        "instruction": "Look at the empty page.",
        "config": [{"type": "launch", "parameters": {"command": ["google-chrome", "about:blank"]}}],
        "related_apps": ["chrome"],
        "evaluator": {
            "func": ["is_expected_active_tab", "is_expected_active_tab"],
            "conj": "or",
            "result": [{"type": "active_tab_info"}, {"type": "active_tab_info"}],
            "expected": [
                {"type": "rule", "rules": {"type": "url", "url": "about:blank"}},
                {"type": "rule", "rules": {"type": "url", "url": "http://127.0.0.1/"}},
            ],
        },
    }
    (tmp_path / "blank.json").write_text(json.dumps(data))
    env.task = load_task(tmp_path / "blank.json")
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"] == "about:blank - Chromium"
    obs, reward, terminated, _truncated, info = env.step("wait(0.1)")
    assert reward == 1.0 and terminated, info["task_info"]
    assert [c["score"] for c in info["task_info"]["checks"]] == [1.0]
