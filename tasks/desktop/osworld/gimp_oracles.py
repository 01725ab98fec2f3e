"""Scripted solutions of the bundled GIMP tasks (``data/gimp-*.json``), through GIMP's own UI as an
agent would use it: its menus and submenus by their elements (GIMP 2.10's GTK 2 menus show their
items once opened), its dialogs' fields and buttons, and its keyboard shortcuts (Shift+Ctrl+E:
Export As).
"""

from __future__ import annotations

import re

from palaestra.tasks.desktop.oracles import find, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element


def export_as(obs: Obs, name: str) -> Plan:
    """Export As (Shift+Ctrl+E), the file's name typed over the one offered, Enter; then Export in
    the format's own options dialog ("Export Image as PNG") with Enter, its default button."""
    obs = yield "hotkey('shift', 'ctrl', 'e')"
    obs, _ = yield from await_element(obs, "push button", re.compile("Export"))
    obs = yield f"hotkey('ctrl', 'a')\nwrite({name!r})\npress('enter')"
    options = re.compile(r"Export Image as .*")
    for _ in range(10):
        if options.fullmatch(str(obs["focused_window"])):
            break
        obs = yield "wait(0.5)"
    obs = yield "press('enter')"
    stem = re.escape(name.rsplit(".", 1)[0])
    for _ in range(10):
        if re.match(rf"\*?\[{stem}\] \(exported\)", str(obs["focused_window"])):
            return
        obs = yield "wait(0.5)"


def gimp_mirror(obs: Obs) -> Plan:
    """Image > Transform > Flip Horizontally, then export under the goal's name."""
    obs = yield f"click('{find(obs, 'menu', 'Image')}')"
    obs = yield f"click('{find(obs, 'menu', 'Transform')}')"
    obs = yield f"click('{find(obs, 'menu item', 'Flip Horizontally')}')"
    yield from export_as(obs, quoted(obs["goal"])[0])


def gimp_half_size(obs: Obs) -> Plan:
    """Image > Scale Image..., the width halved (the height follows: its chain is linked), Scale,
    then export under the goal's name."""
    width = int(re.findall(r"(\d+)x\d+ \u2013 GIMP", str(obs["focused_window"]))[0])
    obs = yield f"click('{find(obs, 'menu', 'Image')}')"
    obs = yield f"click('{find(obs, 'menu item', 'Scale Image...')}')"
    obs, _ = yield from await_element(obs, "push button", re.compile("Scale"))
    field = next(e for e in obs["elements"] if e["role"] == "spin button" and e["value"] == str(width))
    obs = yield f"tripleClick('{field['id']}')\nwrite('{width // 2}')\npress('tab')"
    obs = yield f"click('{find(obs, 'push button', 'Scale')}')"
    yield from export_as(obs, quoted(obs["goal"])[0])


def gimp_undo_levels(obs: Obs) -> Plan:
    """Edit > Preferences (it opens on System Resources), the number in the field beside "Minimal
    number of undo levels:" (GTK 2 does not tie the label to its field: the field on its row), OK,
    and say done: the task's postconfig quits GIMP, which writes its gimprc."""
    levels = re.findall(r"\d+", obs["goal"])[0]
    obs = yield f"click('{find(obs, 'menu', 'Edit')}')"
    obs = yield f"click('{find(obs, 'menu item', 'Preferences')}')"
    obs, _ = yield from await_element(obs, "label", re.compile("Minimal number of undo levels:"))
    label = next(e for e in obs["elements"] if e["name"] == "Minimal number of undo levels:")
    field = next(
        e for e in obs["elements"] if e["role"] == "spin button" and e["bbox"][1] == label["bbox"][1]
    )
    obs = yield f"tripleClick('{field['id']}')\nwrite({levels!r})\npress('tab')"
    obs = yield f"click('{find(obs, 'push button', 'OK')}')"
    yield "done()"


ORACLES = {"gimp-mirror": gimp_mirror, "gimp-half-size": gimp_half_size, "gimp-undo-levels": gimp_undo_levels}
