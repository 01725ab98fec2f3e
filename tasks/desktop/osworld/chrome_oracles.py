"""Scripted solutions of the bundled Chrome tasks that need more than a few keys (see `oracles`):
each sees only the goal and the observation, and works through the browser's own pages."""

from __future__ import annotations

import re
from typing import Any

from palaestra.tasks.desktop.oracles import Oracle, quoted
from palaestra.tasks.desktop.osworld.oracles import Obs, Plan, await_element

#: The history page's search field, and the dialog that confirms a deletion.
SEARCH = re.compile("Search history")
CONFIRM = re.compile("Delete selected items")


def chrome_clear_site_history(obs: Obs) -> Plan:
    """Open the history page, search it for the site the goal names, tick every page found, Delete
    and confirm in the dialog; the task's postconfig quits the browser, which writes its History."""
    site = quoted(obs["goal"])[0]
    obs = yield "hotkey('ctrl', 'l')\nwrite('chrome://history\\n')"
    obs, search = yield from await_element(obs, "entry", SEARCH)
    obs = yield f"click('{search}')\nwrite({site!r})"
    ticks = re.compile(f".*{re.escape(site)}.*")
    obs, _first = yield from await_element(obs, "check box", ticks)
    for _ in range(6):  # one tick a step: the list redraws its selection bar after each
        unticked = _boxes(obs, ticks)
        if not unticked:
            break
        obs = yield f"click('{unticked[0]}')"
    obs, delete = yield from await_element(obs, "push button", re.compile("Delete"))
    obs = yield f"click('{delete}')"
    obs, _dialog = yield from await_element(obs, "dialog", CONFIRM)
    confirm = [e["id"] for e in obs["elements"] if e["role"] == "push button" and e["name"] == "Delete"]
    obs = yield f"click('{confirm[-1]}')"  # the dialog's, drawn after the toolbar's
    yield "done()"


def _boxes(obs: Obs, name: re.Pattern[str]) -> list[Any]:
    """The check boxes of the pages found that are not ticked yet."""
    return [
        e["id"]
        for e in obs["elements"]
        if e["role"] == "check box"
        and name.fullmatch(e["name"])
        and "checked" not in str(e.get("attributes", {}).get("states", "")).split()
    ]


ORACLES: dict[str, Oracle] = {"chrome-clear-site-history": chrome_clear_site_history}
