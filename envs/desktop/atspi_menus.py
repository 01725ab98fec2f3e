"""Which menus are open, for `atspi`'s walk: the calls that ask and the reading of their answers.

A menu's items are in the tree only while it is open. Most toolkits say so with `showing`; GTK 2
(libgail: GIMP, pcmanfm) only ever says its items are `visible`, marks an open menu bar menu
`focused` or `selected`, and says nothing at all of an open submenu (its parent menu even loses
`focused` when it opens). What does tell, in GTK 2, is the AT-SPI Selection of the menu bar and of
each open menu: its selected child is the item whose menu is up. Other toolkits are not asked: their
open menus already say `showing`, and a menu bar's Selection may name a menu that is closed.

Imported beside `atspi` in the desktop session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

from jeepney import DBusAddress, Properties, new_method_call
from jeepney.low_level import Message

SELECTION = "org.a11y.atspi.Selection"
APPLICATION = "org.a11y.atspi.Application"
NULL_PATH = "/org/a11y/atspi/null"
#: The toolkit name GTK 2's accessibility module (libgail) gives its applications.
GTK2_TOOLKIT = "GAIL"
#: States that say a menu is open, in any toolkit.
OPEN_STATES = frozenset({"selected", "focused"})


def toolkit_calls(apps: list[tuple[str, str]]) -> list[Message]:
    """Each application's ToolkitName, for `gtk2_buses`."""
    return [Properties(DBusAddress(path, bus, APPLICATION)).get("ToolkitName") for bus, path in apps]


def gtk2_buses(apps: list[tuple[str, str]], replies: list[object]) -> frozenset[str]:
    """The bus names of the applications GTK 2 draws, from the answers to `toolkit_calls`."""
    return frozenset(
        bus
        for (bus, _), reply in zip(apps, replies, strict=True)
        if isinstance(reply, tuple) and reply[0][1] == GTK2_TOOLKIT
    )


def needs_role(bus: str, states: list[str], gtk2: frozenset[str]) -> bool:
    """Whether a node's role is wanted to tell an open menu: a GTK 2 one's (a menu bar or menu), or
    one that says it is selected or focused."""
    return bus in gtk2 or bool(OPEN_STATES & set(states))


def selection_calls(
    candidates: list[tuple[str, str, str, str, list[str]]], found: set[str], gtk2: frozenset[str]
) -> list[Message]:
    """Add to ``found`` the candidates (bus, path, key, role, states) that are menus open by their
    states; the Selection calls that name the open child of GTK 2's menu bars and open menus."""
    calls = []
    for bus, path, key, role, states in candidates:
        if role == "menu" and OPEN_STATES & set(states):
            found.add(key)
        if bus in gtk2 and (role == "menu bar" or (role == "menu" and key in found)):
            calls.append(new_method_call(DBusAddress(path, bus, SELECTION), "GetSelectedChild", "i", (0,)))
    return calls


def add_selected(found: set[str], replies: list[object]) -> None:
    """Add to ``found`` the children the answers to `selection_calls` name (none: the null path)."""
    for reply in replies:
        if isinstance(reply, tuple) and reply[0][1] != NULL_PATH:
            found.add(f"{reply[0][0]} {reply[0][1]}")
