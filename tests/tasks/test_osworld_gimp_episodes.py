"""The bundled GIMP tasks (in OSWorld's format) on a real Xvfb with the real GIMP 2.10: an episode
that says done at once scores 0 (no exported picture; GIMP's settings as they were), then the
oracle's episode scores 1 through GIMP's own menus (read from its GTK 2 accessibility tree, clicked
by element id), dialogs and shortcuts: judged by check_image_mirror, by check_image_size with
check_structure_sim_resized, and by check_config_status on the gimprc GIMP writes when OSWorld's
postconfig quits it (``pyautogui.hotkey([...])`` with a list). One desktop session serves all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import find
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder

from .osworld_play import done_fails_and_the_oracle_solves

GIMP = {t.spec.id: t for t in load_folder(BUNDLED) if "gimp" in t.spec.related_apps}


@pytest.fixture(scope="module")
def env() -> Iterator[DesktopEnv]:
    shared = DesktopEnv(GIMP["gimp-mirror"])
    yield shared
    shared.close()


def test_the_gimp_tasks() -> None:
    assert sorted(GIMP) == ["gimp-half-size", "gimp-mirror", "gimp-undo-levels"]


def test_gimp_shows_the_picture_and_its_menus_open_by_id(env: DesktopEnv) -> None:
    env.task = GIMP["gimp-mirror"]
    obs, _info = env.reset(seed=0)
    assert obs["focused_window"].startswith("[park] (imported)"), obs["focused_window"]
    assert obs["focused_window"].endswith("240x160 \u2013 GIMP")
    assert not any(e["role"] == "menu item" for e in obs["elements"])  # closed menus: no items
    obs, *_ = env.step(f"click('{find(obs, 'menu', 'Image')}')")
    obs, *_ = env.step(f"click('{find(obs, 'menu item', 'Canvas Size...')}')")
    for _ in range(5):  # the screen may settle between the menu closing and the dialog drawing (load)
        if obs["focused_window"] == "Set Image Canvas Size":
            break
        obs, *_ = env.step("wait(1)")  # as an agent would
    assert obs["focused_window"] == "Set Image Canvas Size", obs["focused_window"]
    assert not any(e["role"] == "menu item" for e in obs["elements"])  # the menu closed again


def test_an_open_submenu_shows_its_items_and_one_runs_by_id(env: DesktopEnv) -> None:
    """GTK 2 tells of an open submenu only through its menu's Selection: Image > Transform's items
    are in the tree once it opens, in its popup beside the Image menu, and not before."""
    env.task = GIMP["gimp-mirror"]
    obs, _info = env.reset(seed=0)
    obs, *_ = env.step(f"click('{find(obs, 'menu', 'Image')}')")
    assert not any(e["name"] == "Flip Horizontally" for e in obs["elements"])  # Transform is closed
    transform = next(e for e in obs["elements"] if e["role"] == "menu" and e["name"] == "Transform")
    obs, *_ = env.step(f"click('{transform['id']}')")
    flip = next(e for e in obs["elements"] if e["name"] == "Flip Horizontally")
    assert flip["role"] == "menu item" and flip["parent"] == transform["id"]
    assert flip["bbox"][0] >= transform["bbox"][0] + transform["bbox"][2] - 2  # drawn right of Transform
    assert any(e["name"] == "Canvas Size..." for e in obs["elements"])  # the Image menu stays open
    obs, *_ = env.step(f"click('{flip['id']}')")
    for _ in range(5):  # GIMP retitles its window when the flip has run, a moment later under load
        if obs["focused_window"].startswith("*[park]"):
            break
        obs, *_ = env.step("wait(1)")  # as an agent would
    assert obs["focused_window"].startswith("*[park]"), obs["focused_window"]  # changed: flipped
    assert not any(e["role"] == "menu item" for e in obs["elements"])


def test_the_toolbox_buttons_are_named_by_their_tooltips(env: DesktopEnv) -> None:
    """GIMP gives its tool buttons a tooltip only (on the button's wrapper); the tree names them by
    it, and a click on one by that name selects the tool."""
    env.task = GIMP["gimp-mirror"]
    obs, _info = env.reset(seed=0)
    tools = [e for e in obs["elements"] if e["role"] == "toggle button" and " Tool: " in e["name"]]
    assert len(tools) >= 12 and all(e["name"] for e in tools), [e["name"] for e in tools]
    text_tool = "Text Tool: Create or edit text layers"
    assert not next(e for e in tools if e["name"] == text_tool)["checked"]
    obs, *_ = env.step(f"click('{find(obs, 'toggle button', text_tool)}')")
    checked = [e["name"] for e in obs["elements"] if e["role"] == "toggle button" and e["checked"]]
    assert text_tool in checked and not any(n.startswith("Crop Tool") for n in checked), checked


@pytest.mark.parametrize("task_id", sorted(GIMP))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    done_fails_and_the_oracle_solves(env, GIMP[task_id])
