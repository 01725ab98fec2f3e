"""Set-of-marks screenshots on real Chromium and a real Xvfb: where the marks go, what they list,
that their ids are the ones actions take, and that nothing is computed while the option is off."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from palaestra.envs import BrowserEnv, ObsConfig, observation
from palaestra.envs.desktop import DesktopEnv
from palaestra.envs.som import PALETTE, Mark, label_boxes, mark_list, overlap, text_colour
from palaestra.tasks.page import PageTask
from tests.envs.desktop_sessions import one_session, playing

MARKS = (Path(__file__).parent / "pages" / "marks.html").as_uri()
#: The DOM ids of marks.html's visible, enabled, interactive elements in the viewport.
MARKED = ["save", "docs", "query", "agree", "size", "remember", "card", "fancy", "counter"]
MakeEnv = Callable[..., BrowserEnv]


def marks_task(**kwargs: Any) -> PageTask:
    return PageTask(MARKS, "Use the page.", **kwargs)


def listed_ids(obs: dict[str, Any]) -> list[str]:
    return [re.match(r"\[(\w+)\] ", line).group(1) for line in obs["som_marks"].splitlines()]  # type: ignore[union-attr]


def dom_ids(obs: dict[str, Any]) -> dict[str, str]:
    """Element id -> the element's DOM ``id`` attribute."""
    return {e["id"]: e["attributes"].get("id", "") for e in obs["elements"]}


def test_marks_go_on_the_visible_interactive_elements_and_keep_the_plain_screenshot(
    make_env: MakeEnv,
) -> None:
    env = make_env(marks_task(), obs_config=ObsConfig(som=True), pages_ahead=0)
    obs, _ = env.reset(seed=0)
    assert env.observation_space.contains(obs)
    by_dom = dom_ids(obs)
    assert [by_dom[i] for i in listed_ids(obs)] == MARKED
    save = next(e for e in obs["elements"] if e["attributes"].get("id") == "save")
    assert f"[{save['id']}] button 'Save'" in obs["som_marks"].splitlines()
    shot, som = obs["screenshot"], obs["som_screenshot"]
    assert som.shape == shot.shape == (600, 800, 3) and som.dtype == np.uint8
    # Save's outline is drawn on its box's left edge (in the first colour: it is the first mark) ...
    x, y, _w, h = save["bbox"]
    edge = (round(y + h / 2), round(x))
    assert tuple(som[edge]) == PALETTE[0] and tuple(shot[edge]) != PALETTE[0]
    # ... and the page away from every mark is left as it was (the button below the viewport too).
    assert np.array_equal(som[400:, :], shot[400:, :])


def test_a_listed_id_is_one_click_takes(make_env: MakeEnv) -> None:
    done = "document.getElementById('out').textContent === 'counted'"
    env = make_env(marks_task(success_js=done), obs_config=ObsConfig(som=True), pages_ahead=0)
    obs, _ = env.reset(seed=0)
    counter = next(i for i in listed_ids(obs) if dom_ids(obs)[i] == "counter")
    obs, reward, terminated, _, _ = env.step(f"click('{counter}')")
    assert obs["last_action_error"] == "" and (reward, terminated) == (1.0, True)


def test_som_is_off_by_default_and_then_costs_no_work(make_env: MakeEnv, monkeypatch: Any) -> None:
    calls: list[int] = []
    real = observation.browser_marks

    def counted(*args: Any) -> Any:
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(observation, "browser_marks", counted)
    env = make_env(marks_task(), pages_ahead=0)
    obs, _ = env.reset(seed=0)
    obs, *_ = env.step("mouse_move(5, 5)")
    assert "som_screenshot" not in obs and "som_marks" not in obs and "screenshot" in obs
    assert "som_screenshot" not in env.observation_space.spaces  # type: ignore[attr-defined]
    assert calls == []
    on = make_env(marks_task(), obs_config=ObsConfig(som=True), pages_ahead=0)
    on.reset(seed=0)
    assert calls == [1]


def test_som_alone_computes_what_it_needs_and_shows_only_its_keys(make_env: MakeEnv) -> None:
    config = ObsConfig(axtree=False, dom=False, elements=False, screenshot=False, som=True)
    env = make_env(marks_task(), obs_config=config, pages_ahead=0)
    obs, _ = env.reset(seed=0)
    assert {"som_screenshot", "som_marks"} <= obs.keys()
    assert not {"screenshot", "axtree", "dom", "elements"} & obs.keys()
    assert len(obs["som_marks"].splitlines()) == len(MARKED)
    assert env.observation_space.contains(obs)


def test_labels_stay_inside_the_image_and_off_each_other() -> None:
    corner = (150.0, 200.0, 10.0, 10.0)  # a small box in the bottom-right corner of 160 x 210
    marks = [Mark(str(n), corner, "button", "") for n in (7, 8, 9, 123)] + [Mark("5", (0, 0, 30, 12), "", "")]
    labels = label_boxes(marks, (160, 210))
    for left, top, right, bottom in labels:
        assert 0 <= left <= right < 160 and 0 <= top <= bottom < 210
    assert not any(overlap(a, b) for i, a in enumerate(labels) for b in labels[i + 1 :])
    assert mark_list(marks[-2:]) == "[123] button\n[5] element"


def test_label_text_contrasts_with_its_colour() -> None:
    assert text_colour((255, 225, 25)) == (0, 0, 0) and text_colour((0, 0, 128)) == (255, 255, 255)


@pytest.fixture(scope="module")
def som_desktop() -> Iterator[DesktopEnv]:
    """One session for the desktop tests, each playing its own task's episode on it."""
    yield from one_session(obs_config=ObsConfig(som=True))


@pytest.fixture
def calc_som(som_desktop: DesktopEnv) -> DesktopEnv:
    return playing(som_desktop, "desktop.calc-add")


def test_desktop_marks_are_the_trees_ids_on_their_boxes(calc_som: DesktopEnv) -> None:
    obs, _ = calc_som.reset(seed=3)
    assert calc_som.observation_space.contains(obs)
    by_id = {e["id"]: e for e in obs["elements"]}
    listed = listed_ids(obs)
    assert listed and all(by_id[i]["clickable"] and by_id[i]["in_viewport"] for i in listed)
    seven = next(e for e in obs["elements"] if e["role"] == "toggle button" and e["name"] == "7")
    assert f"[{seven['id']}] toggle button '7'" in obs["som_marks"].splitlines()
    x, y, _w, h = seven["bbox"]
    edge = (round(y + h / 2), round(x))
    colour = PALETTE[listed.index(seven["id"]) % len(PALETTE)]
    assert tuple(obs["som_screenshot"][edge]) == colour != tuple(obs["screenshot"][edge])
    obs, *_ = calc_som.step(f"click('{seven['id']}')")
    assert obs["last_action_error"] == ""
    assert [e["value"] for e in obs["elements"] if e["role"] == "text"] == ["7"]


def test_a_dialog_hides_the_marks_of_the_window_it_covers(som_desktop: DesktopEnv) -> None:
    env = playing(som_desktop, "desktop.editor-append")
    obs, _ = env.reset(seed=0)
    assert "menu 'File'" in obs["som_marks"]
    obs, *_ = env.step("hotkey('ctrl', 'o')")  # the Open dialog, in front of mousepad's window
    for _ in range(20):  # a loaded machine may show the dialog a step later: look again
        if [w["title"] for w in obs["windows"]][-1] == "Open File":
            break
        obs, *_ = env.step("wait(0.25)")
    assert [w["title"] for w in obs["windows"]][-1] == "Open File"
    marks = obs["som_marks"].splitlines()
    assert "menu 'File'" not in obs["som_marks"]  # AT-SPI still calls it showing
    cancel = next(line for line in marks if line.endswith("push button 'Cancel'"))
    obs, *_ = env.step(f"click('{cancel[1 : cancel.index(']')]}')")
    for _ in range(20):
        if [w["title"] for w in obs["windows"]] == ["~/notes.txt - Mousepad"]:
            break
        obs, *_ = env.step("wait(0.25)")
    assert [w["title"] for w in obs["windows"]] == ["~/notes.txt - Mousepad"]
    assert "menu 'File'" in obs["som_marks"]
