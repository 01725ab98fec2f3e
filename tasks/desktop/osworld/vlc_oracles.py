"""Scripted solutions of the bundled VLC tasks (``data/vlc-*.json``), through VLC's own Qt interface
as an agent would use it: its keyboard shortcuts (Ctrl+O: Open File, Ctrl+P: Preferences, F: full
screen), its file dialog's name field, and its preferences' widgets by their elements (VLC's Qt 5
widgets are in the accessibility tree; its advanced preferences' tree items are not, so the
oracle filters that tree by its search field and selects what is left with the keyboard).
"""

from __future__ import annotations

import re

from palaestra.tasks.desktop.oracles import find, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element


def vlc_play_file(obs: Obs) -> Plan:
    """Media > Open File (Ctrl+O), the file's path typed in the dialog's name field (it opens in
    HOME), Enter: VLC plays it."""
    name = quoted(obs["goal"])[0]
    folder = re.findall(r"the (\w+) folder", obs["goal"])[0]
    obs = yield "hotkey('ctrl', 'o')"
    obs, field = yield from await_element(obs, "text", re.compile("File name:"))
    obs = yield f"click('{field}')\nwrite({f'{folder}/{name}'!r})\npress('enter')"
    for _ in range(10):
        if obs["focused_window"] == f"{name} - VLC media player":
            break
        obs = yield "wait(0.5)"
    yield "done()"


def _elapsed(obs: Obs) -> str:
    """The elapsed time VLC shows under its video ("--:--" before the file is open)."""
    return next((e["name"] for e in obs["elements"] if e["role"] == "label" and ":" in e["name"]), "")


def vlc_fullscreen(obs: Obs) -> Plan:
    """F, VLC's full-screen key, once the video runs (a key pressed before its picture shows is
    lost), then a moment until VLC's window fills the screen."""
    for _ in range(10):
        if _elapsed(obs) not in ("", "--:--", "00:00"):
            break
        obs = yield "wait(0.5)"
    obs = yield "press('f')"
    for _ in range(10):
        frames = [
            e["bbox"]
            for e in obs["elements"]
            if e["role"] == "frame" and e["name"].endswith("VLC media player")
        ]
        if frames and tuple(frames[0][:2]) == (0, 0):
            break
        obs = yield "wait(0.5)"
    yield "done()"


def _in_view(obs: Obs, element_id: str) -> bool:
    """Whether an element is inside the preferences panel's scrolled view (the panel's vertical
    scroll bar spans it)."""
    box = next(e["bbox"] for e in obs["elements"] if str(e["id"]) == element_id)
    bars = [e["bbox"] for e in obs["elements"] if e["role"] == "scroll bar" and e["bbox"][3] > e["bbox"][2]]
    return any(bar[1] <= box[1] and box[1] + box[3] <= bar[1] + bar[3] for bar in bars)


#: The text field just above "Maximum Volume displayed" on the Qt interface's settings page.
SLIDER_COLOURS = re.compile("Define the colors of the volume slider")


def _value(obs: Obs, element_id: str) -> str:
    """The value the element with this id shows now ("" when it is gone)."""
    return next((str(e["value"]) for e in obs["elements"] if str(e["id"]) == element_id), "")


def vlc_max_volume(obs: Obs) -> Plan:
    """Tools > Preferences (Ctrl+P), Show settings: All, "Maximum Volume" in the search field, the
    one setting left in the tree (End) — the Qt interface's page. Its "Maximum Volume displayed"
    field is below the page's fold: focus moves to it with Tab from the field above (the page
    scrolls to the focused field). 200 typed over its value, Save."""
    percent = re.findall(r"(\d+)%", obs["goal"])[-1]
    obs = yield "hotkey('ctrl', 'p')"
    obs, show_all = yield from await_element(obs, "radio button", re.compile("All"))
    obs = yield f"click('{show_all}')"
    search = next(
        e["id"] for e in obs["elements"] if e["role"] == "text" and e["name"] == "" and e["editable"]
    )
    obs = yield f"click('{search}')\nwrite('Maximum Volume')"
    for attempt in range(3):  # an End before the search had filtered the tree picks another setting
        if _value(obs, search) != "Maximum Volume":  # keys lost or jumbled under load: type again
            obs = yield f"tripleClick('{search}')\nwrite('Maximum Volume')\nwait(1)"
        obs = yield f"click('{find(obs, 'tree')}')\npress('end')"
        try:
            obs, above = yield from await_element(obs, "text", SLIDER_COLOURS, tries=6)
            break
        except LookupError:
            if attempt == 2:
                raise
    obs = yield f"click('{above}')"
    volume = find(obs, "spin box", "Maximum Volume displayed")
    for _ in range(10):
        if _in_view(obs, volume):
            break
        obs = yield "press('tab')"
    obs = yield f"tripleClick('{volume}')\nwrite({percent!r})\npress('tab')"
    obs = yield f"click('{find(obs, 'push button', 'Save')}')"
    yield "done()"


ORACLES = {"vlc-play-file": vlc_play_file, "vlc-fullscreen": vlc_fullscreen, "vlc-max-volume": vlc_max_volume}
