"""Scripted solutions of the bundled Thunderbird tasks (``data/thunderbird-*.json``), through
Thunderbird's own UI as an agent would use it: the folder pane's rows by their elements, the
account's context menu (Shift+F10 on its row: New Folder…, Message Filters), the filter editor's
fields and folder picker, and the Settings tab's check boxes.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from palaestra.tasks.desktop.oracles import find, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element


def account_menu(obs: Obs, item: str) -> Generator[str, Obs, Obs]:
    """Local Folders' row in the folder pane, its context menu, and ``item`` in it."""
    obs = yield f"click('{find(obs, 'tree item', 'Local Folders')}')\nhotkey('shift', 'f10')"
    obs, chosen = yield from await_element(obs, "menu item", re.compile(re.escape(item)))
    return (yield f"click('{chosen}')")


def thunderbird_new_folder(obs: Obs) -> Plan:
    """Local Folders' New Folder…, the goal's name typed in, Create Folder."""
    name = quoted(obs["goal"])[0]
    obs = yield from account_menu(obs, "New Folder…")
    obs, field = yield from await_element(obs, "entry", re.compile("Name:"))
    obs = yield f"click('{field}')\nwrite({name!r})"
    obs = yield f"click('{find(obs, 'push button', 'Create Folder')}')"
    yield "done()"


def _inside(element: dict[str, Any], box: tuple[int, int, int, int]) -> bool:
    x, y, w, h = element["bbox"]
    return box[0] <= x and box[1] <= y and x + w <= box[0] + box[2] and y + h <= box[1] + box[3]


def thunderbird_discount_filter(obs: Obs) -> Plan:
    """Local Folders' Message Filters, New…: the filter's name, the text of its first rule (Subject
    contains, as it starts), its first action's folder (Move Message to, as it starts) picked from
    Local Folders' submenu, OK; then the filter list is closed, which saves the filters."""
    name, text = quoted(obs["goal"])[:2]
    folder = re.findall(r"to the (\w+) folder", obs["goal"])[0]
    obs = yield from account_menu(obs, "Message Filters")
    obs, new = yield from await_element(obs, "push button", re.compile("New…"))
    obs = yield f"click('{new}')"
    obs, field = yield from await_element(obs, "entry", re.compile("Filter name:"))
    obs = yield f"click('{field}')\nwrite({name!r})"
    rule = next(
        e for e in obs["elements"] if e["role"] == "list item" and e["name"].startswith("Subject contains")
    )
    value = next(e for e in obs["elements"] if e["role"] == "entry" and _inside(e, rule["bbox"]))
    obs = yield f"click('{value['id']}')\nwrite({text!r})"
    action = next(
        e for e in obs["elements"] if e["role"] == "list item" and e["name"].startswith("Move Message to")
    )
    picker = max(
        (e for e in obs["elements"] if e["role"] == "combo box" and _inside(e, action["bbox"])),
        key=lambda e: e["bbox"][0],
    )
    obs = yield f"click('{picker['id']}')"
    obs, account = yield from await_element(obs, "menu", re.compile("Local Folders"))
    obs = yield f"click('{account}')"
    obs, target = yield from await_element(obs, "menu item", re.compile(re.escape(folder)))
    obs = yield f"click('{target}')"
    obs = yield f"click('{find(obs, 'push button', 'OK')}')"
    obs, _ = yield from await_element(obs, "push button", re.compile("New…"))
    yield "press('escape')"
    yield "done()"


def thunderbird_remote_content(obs: Obs) -> Plan:
    """Settings (the spaces toolbar's button), Privacy & Security, the remote content check box."""
    obs = yield f"click('{find(obs, 'push button', 'Settings')}')"
    obs, section = yield from await_element(obs, "list item", re.compile("Privacy & Security"))
    obs = yield f"click('{section}')"
    obs, box = yield from await_element(obs, "check box", re.compile("Allow remote content in messages"))
    yield f"click('{box}')"
    yield "done()"


ORACLES = {
    "thunderbird-new-folder": thunderbird_new_folder,
    "thunderbird-discount-filter": thunderbird_discount_filter,
    "thunderbird-remote-content": thunderbird_remote_content,
}
