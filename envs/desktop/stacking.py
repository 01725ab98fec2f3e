"""The windows on screen that no window manager lists: open menus, combo-box lists, tooltips (X11
override-redirect windows), where they are stacked, and which accessible objects are drawn in them.

Set-of-marks needs them (`palaestra.envs.som_select`): AT-SPI calls a widget under an open menu
showing, and the window manager's client list, which says what covers what among windows, has no
popups in it. The root window's children come in stacking order, bottom to top; a popup's rank is
how many client windows' frames lie below it. Which popup an object is drawn in is read off its
window-relative position (AT-SPI's window coordinates are relative to the top-level X window it is
drawn in): a menu's items are in its popup, though AT-SPI files them under the menu bar's item in
the main window. Asked for only with set-of-marks on: two X round trips when no popup is open
(the requests of each step go out together), four and one AT-SPI batch when one is.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

from typing import Any

from Xlib import X
from Xlib.error import XError
from Xlib.protocol import request

#: How far (pixels) an object's window origin may be from its popup's corner and still be in it.
ORIGIN_SLACK = 1


def popups(x: Any, clients: list[int]) -> list[dict[str, Any]]:
    """The popups on screen, bottom to top: ``box`` (x, y, width, height) and ``above``, how many of
    ``clients`` (the client list, bottom to top) are stacked below it. ``x`` is the `XSession`."""
    try:
        children = [int(w.id) for w in x.root.query_tree().children]
    except XError:
        return []
    attributes = _replies(
        [request.GetWindowAttributes(display=x.d.display, defer=True, window=w) for w in children]
    )
    popup_ids = [
        w
        for w, a in zip(children, attributes, strict=True)
        if a is not None and a.map_state == X.IsViewable and a.override_redirect
    ]
    if not popup_ids:
        return []
    requests = [request.GetGeometry(display=x.d.display, defer=True, drawable=w) for w in popup_ids]
    geometries = dict(zip(popup_ids, _replies(requests), strict=True))
    clients_in = _frames(x, clients)
    out: list[dict[str, Any]] = []
    below = 0
    for window in children:  # unmapped frames too: their clients are in the client list
        below += clients_in.get(window, 0)
        geometry = geometries.get(window)
        if geometry is not None and _on_screen(geometry, x.width, x.height):
            box = [int(geometry.x), int(geometry.y), int(geometry.width), int(geometry.height)]
            out.append({"box": box, "above": below})
    return out


def place(nodes: list[Any], shown: list[dict[str, Any]], reader: Any) -> None:
    """Set each node's ``popup`` to the index in ``shown`` of the popup it is drawn in. Only nodes
    whose centre lies in a popup are asked where their window is (one batch of AT-SPI calls)."""
    candidates = [n for n in nodes if n.box and any(_contains(p["box"], _centre(n.box)) for p in shown)]
    for node, origin in zip(candidates, reader.window_origins(candidates), strict=True):
        if origin is None:
            continue
        for index, popup in enumerate(shown):  # the topmost popup at that origin wins
            px, py = popup["box"][:2]
            if abs(origin[0] - px) <= ORIGIN_SLACK and abs(origin[1] - py) <= ORIGIN_SLACK:
                node.popup = index


def _frames(x: Any, clients: list[int]) -> dict[int, int]:
    """The root's children that hold client windows (their window manager's frames, or the clients
    themselves, unframed), each with how many it holds. One pipelined round trip per level."""
    root, level = int(x.root.id), list(clients)
    frames: dict[int, int] = {}
    for _ in range(4):  # a frame is a parent or two up; deeper nesting is left unknown
        trees = _replies([request.QueryTree(display=x.d.display, defer=True, window=w) for w in level])
        following = []
        for window, tree in zip(level, trees, strict=True):
            parent = None if tree is None else int(getattr(tree.parent, "id", tree.parent))
            if parent == root:
                frames[window] = frames.get(window, 0) + 1
            elif parent is not None:
                following.append(parent)
        if not following:
            break
        level = following
    return frames


def _replies(requests: list[Any]) -> list[Any]:
    """Each pipelined request's reply, None where the window went away meanwhile."""
    out = []
    for pending in requests:
        try:
            pending.reply()
            out.append(pending)
        except XError:
            out.append(None)
    return out


def _on_screen(geometry: Any, width: int, height: int) -> bool:
    x, y, w, h = int(geometry.x), int(geometry.y), int(geometry.width), int(geometry.height)
    return w > 1 and h > 1 and x < width and y < height and x + w > 0 and y + h > 0


def _centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def _contains(box: list[int], point: tuple[float, float]) -> bool:
    x, y, w, h = box
    return x <= point[0] < x + w and y <= point[1] < y + h
