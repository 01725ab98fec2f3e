"""GTK 2's accessibility tree (libgail) in pcmanfm, the other GTK 2 app beside GIMP, on a real Xvfb:
an open submenu's items are in the tree under it (GTK 2 says so only through its menu's Selection)
and run when clicked by id, and a toolbar button with a tooltip only is named by its tooltip."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.desktop.oracles import find


@pytest.fixture(scope="module")
def files() -> Iterator[DesktopEnv]:
    env = DesktopEnv("desktop.files-copy")
    yield env
    env.close()


def _file_order(obs: dict) -> list[str]:
    """The files' names (``.txt``) in the order the folder view shows them."""
    return [e["value"] for e in obs["elements"] if e["role"] == "icon" and e["value"].endswith(".txt")]


def test_a_submenu_opens_in_the_tree_and_its_item_runs_by_id(files: DesktopEnv) -> None:
    obs, _ = files.reset(seed=0)
    before = _file_order(obs)
    assert len(before) >= 2 and before == sorted(before), before
    obs, *_ = files.step(f"click('{find(obs, 'menu', 'View')}')")
    assert not any(e["name"] == "Descending" for e in obs["elements"])  # Sort Files is closed
    sort = next(e for e in obs["elements"] if e["role"] == "menu" and e["name"] == "Sort Files")
    obs, *_ = files.step(f"click('{sort['id']}')")
    descending = next(e for e in obs["elements"] if e["name"] == "Descending")
    assert descending["role"] == "check menu item" and descending["parent"] == sort["id"]
    assert any(e["name"] == "Reload Folder" for e in obs["elements"])  # the View menu stays open
    obs, *_ = files.step(f"click('{descending['id']}')")
    assert not any(e["role"].endswith("menu item") for e in obs["elements"])  # every menu closed
    assert _file_order(obs) == sorted(before, reverse=True)


def test_a_tooltip_only_toggle_button_is_named_by_its_tooltip(files: DesktopEnv) -> None:
    obs, _ = files.reset(seed=0)
    history = next(e for e in obs["elements"] if e["role"] == "toggle button")
    assert history["name"] == "Show history of visited folders"
