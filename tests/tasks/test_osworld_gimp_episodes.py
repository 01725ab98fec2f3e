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
from palaestra.tasks.desktop.oracles import find, play_oracle
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder
from palaestra.tasks.desktop.osworld.oracles import ORACLES

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
    assert obs["focused_window"] == "Set Image Canvas Size", obs["focused_window"]
    assert not any(e["role"] == "menu item" for e in obs["elements"])  # the menu closed again


@pytest.mark.parametrize("task_id", sorted(GIMP))
def test_waiting_fails_and_the_oracle_solves_it(env: DesktopEnv, task_id: str) -> None:
    env.task = GIMP[task_id]
    obs, _info = env.reset(seed=0)
    obs, reward, terminated, _truncated, info = env.step("done()")
    assert reward == 0.0 and terminated and not info["success"], info["task_info"]
    obs, _info = env.reset(seed=0)
    (obs, reward, _, _, info), errors = play_oracle(env, ORACLES[task_id], obs, max_steps=20)
    assert errors == []
    assert reward == 1.0 and info["success"], (info["task_info"], obs["focused_window"])
