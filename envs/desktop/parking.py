"""Where the pointer rests when an episode starts: over no app window, the same place every time.

The pointer otherwise stays where the last episode left it (at the first episode, the screen's
centre, where Xvfb puts it). Over an app it changes what the first observation shows: the widget
under it is drawn highlighted (hover), and a GTK widget pops up its tooltip half a second later (a
tooltip over galculator's keys 8 and 9 was seen so). The same seed's first screenshot then
differed between runs. So the session parks the pointer before an episode's apps start (no window
can then appear under it and be hovered) and again before the first observation (a setup step may
have moved it).

The place: the screen's bottom-right corner pixel when no window's frame covers it, which is the
rule, as openbox centres new windows (``Smart`` placement, ``center`` yes) and the task apps open
smaller than the screen; else another free corner. A maximised window covers every corner (its
client reaches the screen's edges and its title bar the top ones, where openbox draws its buttons,
which light up under the pointer); then the middle of the screen's top row, on the top window's
title, which openbox draws the same with the pointer over it or not and which has no tooltip.

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

from typing import Any

from Xlib.error import XError


def park_pointer(x: Any) -> tuple[int, int]:
    """Move the pointer to its resting place (see the module's doc); returns the place.
    ``x`` is the session's `XSession`."""
    width, height = x.width, x.height
    frames = [_frame(x, window) for window in x.windows()]
    corners = ((width - 1, height - 1), (0, height - 1), (0, 0), (width - 1, 0))
    free = [c for c in corners if not any(_contains(f, c) for f in frames)]
    place = free[0] if free else (width // 2, 0)
    x.move(*place)
    return place


def _frame(x: Any, window: dict[str, Any]) -> tuple[int, int, int, int]:
    """A client window's box grown by its window manager's frame (``_NET_FRAME_EXTENTS``)."""
    left, top, width, height = window["box"]
    try:
        extents = x._property(x.d.create_resource_object("window", window["id"]), "_NET_FRAME_EXTENTS")
    except XError:
        extents = None
    west, east, north, south = (
        (int(v) for v in extents) if extents is not None and len(extents) == 4 else (0,) * 4
    )
    return left - west, top - north, width + west + east, height + north + south


def _contains(box: tuple[int, int, int, int], point: tuple[int, int]) -> bool:
    left, top, width, height = box
    return left <= point[0] < left + width and top <= point[1] < top + height
