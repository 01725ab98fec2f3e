"""Reading accessibility trees from the AT-SPI bus, in the desktop session process.

This speaks AT-SPI's D-Bus protocol directly (with `jeepney`, pure Python) instead of going through
libatspi and PyGObject: no C extension to build, no process-wide singleton bound to one bus, and the
calls of one tree level go out together (pipelined) instead of one round trip at a time. Only what
is on screen is read: a node that is not `showing` is kept out with its whole subtree (a menu's
items until it opens; GTK 2 never says its open menus' items are showing, only visible, so the
visible items of a menu `atspi_menus` finds open are read), and so are the children of a node
that `manages descendants` (a spreadsheet's 2^31 cells in LibreOffice: `sheet_cells` reads the
visible ones one by one), except for a Writer page's paragraphs, few, which are read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import atspi_menus
from atspi_states import states_of
from jeepney import DBusAddress, HeaderFields, MessageType, Properties, new_method_call
from jeepney.io.blocking import DBusConnection, open_dbus_connection
from jeepney.low_level import Message

ACCESSIBLE = "org.a11y.atspi.Accessible"
COMPONENT = "org.a11y.atspi.Component"
TEXT = "org.a11y.atspi.Text"
VALUE = "org.a11y.atspi.Value"
TABLE = "org.a11y.atspi.Table"
NULL_PATH = "/org/a11y/atspi/null"
REGISTRY_ROOT = DBusAddress("/org/a11y/atspi/accessible/root", "org.a11y.atspi.Registry", ACCESSIBLE)
#: Screen coordinates (ATSPI_COORD_TYPE_SCREEN), and relative to the object's top-level X window.
COORD_SCREEN, COORD_WINDOW = 0, 1
MAX_TEXT = 4000
#: The most children a node that manages descendants may have for its children to be read.
MAX_MANAGED = 300
#: The roles of nodes that manage descendants whose children are read (Writer's page of paragraphs).
WALKED_MANAGING_ROLES = frozenset({"document text"})


#: A call to send: a message, or one serialised before (`serialised`), sent with its serial put in.
Call: TypeAlias = Message | bytes


def serialised(call: Message) -> bytes:
    """``call`` as the bytes `AtspiReader._batch` sends, for a call made again and again (a sheet
    cell's text at every step): jeepney takes about 0.3 ms to build and serialise a message, more
    than the call's share of a batch's round trip."""
    data = call.serialise(serial=1)
    assert data[:1] == b"l", "jeepney serialises little-endian"
    return data


class TreeError(RuntimeError):
    """An application did not answer in time, or the bus went away."""


@dataclass
class Node:
    key: str  # "bus-name path", stable while the object lives
    depth: int
    parent: str
    states: list[str]
    children: list[str] = field(default_factory=list)
    role: str = ""
    name: str = ""
    box: tuple[int, int, int, int] | None = None
    text: str | None = None
    value: float | None = None
    app: str = ""
    popup: int = -1  # which popup window it is drawn in (`stacking.place`), -1 for none
    #: Read only for an unnamed node with at most one child (a control, or the wrapper of one):
    #: GTK gives a tooltip as the description, and `tree` names a control without a name by it.
    description: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class AtspiReader:
    """One connection to a display's accessibility bus; `snapshot` reads every application's tree."""

    def __init__(self, session_bus_address: str, timeout: float = 5.0) -> None:
        self.timeout = timeout
        with open_dbus_connection(session_bus_address) as session:
            bus_object = DBusAddress("/org/a11y/bus", "org.a11y.Bus", "org.a11y.Bus")
            reply = session.send_and_get_reply(new_method_call(bus_object, "GetAddress"), timeout=timeout)
            self.address = str(reply.body[0])
        self.bus: DBusConnection = open_dbus_connection(self.address)

    def close(self) -> None:
        self.bus.close()

    def applications(self) -> list[tuple[str, str]]:
        """(bus name, path) of every application registered on the bus."""
        [reply] = self._batch([new_method_call(REGISTRY_ROOT, "GetChildren")])
        return [tuple(ref) for ref in (reply[0] if reply else [])]

    def _batch(self, calls: list[Call], deadline: float | None = None) -> list[Any]:
        """Send every call, then collect the replies: one round trip's wait for the lot.
        A call that fails (an object gone meanwhile, an interface it lacks) answers None."""
        if not calls:
            return []
        deadline = deadline or time.monotonic() + self.timeout
        waiting: dict[int, int] = {}
        chunks = []
        for index, call in enumerate(calls):
            serial = next(self.bus.outgoing_serial)
            if isinstance(call, bytes):  # the serial is the header's third word (bytes 8-11)
                chunks.append(call[:8] + serial.to_bytes(4, "little") + call[12:])
            else:
                chunks.append(call.serialise(serial=serial))
            waiting[serial] = index
        self.bus.sock.sendall(b"".join(chunks))
        results: list[Any] = [None] * len(calls)
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TreeError(f"{len(waiting)} accessibility calls unanswered after {self.timeout} s")
            try:
                message = self.bus.receive(timeout=left)
            except TimeoutError:
                continue
            serial = message.header.fields.get(HeaderFields.reply_serial)
            if serial in waiting:
                index = waiting.pop(serial)
                if message.header.message_type == MessageType.method_return:
                    results[index] = message.body
        return results

    def snapshot(self, max_nodes: int = 3000) -> list[Node]:
        """Every showing node of every application, parents before children."""
        deadline = time.monotonic() + self.timeout
        nodes: dict[str, Node] = {}
        apps = self.applications()
        level: list[tuple[str, str, str, int]] = [(bus, path, "", 0) for bus, path in apps]
        open_menus: set[str] = set()
        gtk2 = atspi_menus.gtk2_buses(apps, self._batch(atspi_menus.toolkit_calls(apps), deadline))
        while level and len(nodes) < max_nodes:
            level = self._level(level, nodes, deadline, open_menus, gtk2)
        self._describe(list(nodes.values()), deadline)
        return list(nodes.values())

    def _level(
        self,
        level: list[tuple[str, str, str, int]],
        nodes: dict[str, Node],
        deadline: float,
        open_menus: set[str],
        gtk2: frozenset[str] = frozenset(),
    ) -> list[tuple[str, str, str, int]]:
        """Add one level of the trees to ``nodes``; the next level's (bus, path, parent, depth).

        Children are asked for only once the states say so: LibreOffice answers GetChildren on a
        node that manages descendants (a sheet's 2^31 cells) by building them all, and stops
        answering anything else meanwhile. Such a node is walked only when it is a document with
        few children (a Writer page's paragraphs on screen), which its ChildCount says without
        building them; GTK's lists and tables (a file dialog's files) stay unwalked, as before.
        """
        states = self._batch([_call(bus, path, "GetState") for bus, path, _, _ in level], deadline)
        parents: list[tuple[str, str, str, int]] = []
        managing: list[tuple[str, str, str, int]] = []
        for (bus, path, parent, depth), state in zip(level, states, strict=True):
            if state is None:
                continue
            node_states = states_of(list(state[0]))
            shown = "showing" in node_states or (parent in open_menus and "visible" in node_states)
            if depth > 0 and not shown:
                continue
            key = f"{bus} {path}"
            if key in nodes:  # one object listed under two parents (Chromium's dialogs): read once
                continue
            nodes[key] = Node(key=key, depth=depth, parent=parent, states=node_states, app=bus)
            if parent in nodes:
                nodes[parent].children.append(key)
            (managing if "manages-descendants" in node_states else parents).append((bus, path, key, depth))
        # The roles that tell open menus (`atspi_menus`) come in the round trip that asks for children.
        asked = [p for p in parents if p[3] > 0 and atspi_menus.needs_role(p[0], nodes[p[2]].states, gtk2)]
        if managing:
            calls = []
            for bus, path, _, _ in managing:
                count = Properties(DBusAddress(path, bus, ACCESSIBLE)).get("ChildCount")
                calls += [count, _call(bus, path, "GetRoleName")]
            replies = self._batch(calls, deadline)
            for i, entry in enumerate(managing):
                count, role = replies[2 * i], replies[2 * i + 1]
                if count and role and count[0][1] <= MAX_MANAGED and role[0] in WALKED_MANAGING_ROLES:
                    parents.append(entry)
        calls = [_call(bus, path, "GetChildren") for bus, path, _, _ in parents]
        replies = self._batch(
            calls + [_call(bus, path, "GetRoleName") for bus, path, _, _ in asked], deadline
        )
        for (_, _, key, _), role in zip(asked, replies[len(parents) :], strict=True):
            nodes[key].role = str(role[0]) if role else ""  # kept: `_describe` does not ask again
        candidates = [(bus, path, key, nodes[key].role, nodes[key].states) for bus, path, key, _ in asked]
        selections = atspi_menus.selection_calls(candidates, open_menus, gtk2)
        atspi_menus.add_selected(open_menus, self._batch(list(selections), deadline))
        return [
            (child_bus, child_path, key, depth + 1)
            for (_, _, key, depth), children in zip(parents, replies[: len(parents)], strict=True)
            if children is not None
            for child_bus, child_path in children[0]
        ]

    def attributes(self, nodes: list[Node]) -> list[dict[str, str]]:
        """Each node's object attributes (``toolkit: gtk`` on GTK's own widgets), {} when unanswered."""
        replies = self._batch([_call(*_bus_path(n.key), "GetAttributes") for n in nodes])
        return [dict(r[0]) if r else {} for r in replies]

    def text_boxes(self, nodes: list[Node]) -> list[tuple[int, int, int, int] | None]:
        """The screen box of each node's whole text (Text's GetRangeExtents), None when unanswered."""
        calls = []
        for node in nodes:
            bus, path = _bus_path(node.key)
            end = len(node.text or "")
            calls.append(new_method_call(DBusAddress(path, bus, TEXT), "GetRangeExtents", "iiu", (0, end, 0)))
        return [(int(r[0]), int(r[1]), int(r[2]), int(r[3])) if r else None for r in self._batch(calls)]

    def window_origins(self, nodes: list[Node]) -> list[tuple[int, int] | None]:
        """Where each node's top-level X window starts on screen (its screen position less its
        window-relative one), in one batch; None where the object is gone or has no extents."""
        calls = []
        for node in nodes:
            bus, path = node.key.split(" ", 1)
            address = DBusAddress(path, bus, COMPONENT)
            calls.append(new_method_call(address, "GetExtents", "u", (COORD_WINDOW,)))
        out: list[tuple[int, int] | None] = []
        for node, reply in zip(nodes, self._batch(calls), strict=True):
            if reply and node.box is not None:
                out.append((node.box[0] - int(reply[0][0]), node.box[1] - int(reply[0][1])))
            else:
                out.append(None)
        return out

    def _describe(self, nodes: list[Node], deadline: float) -> None:
        calls: list[Call] = []
        for node in nodes:
            bus, path = node.key.split(" ", 1)
            address = DBusAddress(path, bus, ACCESSIBLE)
            calls += [
                Properties(address).get("Name"),
                new_method_call(address, "GetInterfaces"),
                new_method_call(DBusAddress(path, bus, COMPONENT), "GetExtents", "u", (COORD_SCREEN,)),
            ]
        unknown = [node for node in nodes if not node.role]  # `_level` read some roles already
        replies = self._batch(calls + [_call(*_bus_path(n.key), "GetRoleName") for n in unknown], deadline)
        for node, role in zip(unknown, replies[3 * len(nodes) :], strict=True):
            node.role = str(role[0]) if role else ""
        texts: list[tuple[Node, Message]] = []
        values: list[tuple[Node, Message]] = []
        descriptions: list[tuple[Node, Message]] = []
        for i, node in enumerate(nodes):
            name, interfaces, box = replies[3 * i : 3 * i + 3]
            node.name = " ".join(str(name[0][1]).split()) if name else ""
            if box and node.depth > 0:
                node.box = tuple(int(v) for v in box[0])  # type: ignore[assignment]
            bus, path = node.key.split(" ", 1)
            if interfaces and TEXT in interfaces[0]:
                texts.append((node, new_method_call(DBusAddress(path, bus, TEXT), "GetText", "ii", (0, -1))))
            if interfaces and VALUE in interfaces[0]:
                values.append((node, Properties(DBusAddress(path, bus, VALUE)).get("CurrentValue")))
            if not node.name and len(node.children) <= 1:  # a control, or the one-child wrapper of one
                descriptions.append((node, Properties(DBusAddress(path, bus, ACCESSIBLE)).get("Description")))
        answers = self._batch([call for _, call in texts + values + descriptions], deadline)
        for (node, _), answer in zip(texts, answers[: len(texts)], strict=True):
            if answer:
                node.text = str(answer[0])[:MAX_TEXT]
        for (node, _), answer in zip(values, answers[len(texts) : len(texts) + len(values)], strict=True):
            if answer:
                node.value = float(answer[0][1])
        for (node, _), answer in zip(descriptions, answers[len(texts) + len(values) :], strict=True):
            if answer:
                node.description = " ".join(str(answer[0][1]).split("\n")[0].split())


def _bus_path(key: str) -> tuple[str, str]:
    bus, path = key.split(" ", 1)
    return bus, path


def _call(bus: str, path: str, method: str) -> Message:
    """A call of one of the Accessible interface's argument-less methods on the object at ``path``."""
    return new_method_call(DBusAddress(path, bus, ACCESSIBLE), method)
