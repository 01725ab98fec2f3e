"""Oracles for the MiniWoB++ tasks scored by closeness: points, angles, a moving target, colours.

They click what a careful person would click, at the visible positions of the page's shapes; the
pages' own small offsets (see ``palaestra.tasks.miniwob.scoring``) are left for the scoring to
tolerate, as they would be for any agent.
"""

from __future__ import annotations

import math
from collections.abc import Generator

from palaestra.envs.obs import Observation
from palaestra.tasks.miniwob.oracles.base import El, OracleError, elements, find, oracle

Solution = Generator[str, Observation, None]
Point = tuple[float, float]

#: Keep clicked points this far inside the drawing area.
MARGIN = 6.0
#: The farthest from the vertex an angle's third point is put: far points make small angle errors.
MAX_REACH = 90.0
#: CSS's values of the colour names use-colorwheel asks for.
NAMED_COLORS = {
    "black": "000000", "white": "ffffff", "aqua": "00ffff", "blue": "0000ff", "gray": "808080",
    "green": "008000", "lime": "00ff00", "maroon": "800000", "navy": "000080", "olive": "808000",
    "purple": "800080", "red": "ff0000", "silver": "c0c0c0", "teal": "008080", "yellow": "ffff00",
    "pink": "ffc0cb", "magenta": "ff00ff", "gold": "ffd700", "orange": "ffa500",
}  # fmt: skip


def _area(obs: Observation) -> El:
    return find(obs, tag="svg")


def _submit(obs: Observation) -> str:
    return f"click('{find(obs, tag='button', text='Submit').id}')"


def _click_then_submit(obs: Observation, point: Point) -> str:
    return f"mouse_click({point[0]:.1f}, {point[1]:.1f})\n{_submit(obs)}"


def _unit(dx: float, dy: float) -> Point:
    norm = math.hypot(dx, dy)
    if norm < 1e-9:
        raise OracleError("two of the task's points coincide")
    return dx / norm, dy / norm


def _reach(area: El, start: Point, direction: Point) -> float:
    """How far from ``start`` along ``direction`` the drawing area extends (up to MAX_REACH)."""
    x, y, w, h = area.bbox
    reach = MAX_REACH
    for position, step, low, high in ((start[0], direction[0], x, x + w), (start[1], direction[1], y, y + h)):
        if step > 1e-9:
            reach = min(reach, (high - MARGIN - position) / step)
        elif step < -1e-9:
            reach = min(reach, (low + MARGIN - position) / step)
    return reach


def point_along(obs: Observation, vertex: Point, directions: list[Point]) -> Point:
    """The farthest point from ``vertex`` along any of ``directions`` within the drawing area."""
    area = _area(obs)
    reach, direction = max((_reach(area, vertex, d), d) for d in directions)
    if reach < 15:
        raise OracleError("no room to place the point")
    return vertex[0] + reach * direction[0], vertex[1] + reach * direction[1]


@oracle("circle-center")
def circle_center(obs: Observation) -> Solution:
    yield _click_then_submit(obs, find(obs, tag="circle").center)


@oracle("find-midpoint")
def find_midpoint(obs: Observation) -> Solution:
    (ax, ay), (bx, by) = (c.center for c in elements(obs, tag="circle"))
    yield _click_then_submit(obs, ((ax + bx) / 2, (ay + by) / 2))


@oracle("right-angle")
def right_angle(obs: Observation) -> Solution:
    vertex = find(obs, tag="circle", id="init-blue").center
    other = find(obs, tag="circle", id="init-black").center
    ux, uy = _unit(other[0] - vertex[0], other[1] - vertex[1])
    yield _click_then_submit(obs, point_along(obs, vertex, [(-uy, ux), (uy, -ux)]))


@oracle("bisect-angle")
def bisect_angle(obs: Observation) -> Solution:
    vertex = next(c.center for c in elements(obs, tag="circle") if "init-blue" in c.classes)
    a, b = (c.center for c in elements(obs, tag="circle") if "init-black" in c.classes)
    ua = _unit(a[0] - vertex[0], a[1] - vertex[1])
    ub = _unit(b[0] - vertex[0], b[1] - vertex[1])
    if math.hypot(ua[0] + ub[0], ua[1] + ub[1]) < 1e-6:  # a straight angle: bisected by the normal
        direction = (-ua[1], ua[0])
    else:
        direction = _unit(ua[0] + ub[0], ua[1] + ub[1])
    yield _click_then_submit(obs, point_along(obs, vertex, [direction]))


#: Hovers per step in chase-circle, each followed by a short wait: each hover finds the circle where
#: it is at that moment, so the chase does not depend on how quickly observations come. The circle
#: (radius 22 px) moves at most about 85 px/s, so a pointer re-aimed every 150 ms plus a hover's
#: time never falls off it; 25 hovers (49 calls, within a step's 50) make a step of about 5 s, so
#: the whole 10 s chase has one or two gaps for observing, which on a busy machine took ~1 s each
#: and were what lost the episode when a step lasted 2 s.
CHASE_HOVERS, CHASE_WAIT_MS = 25, 150


@oracle("chase-circle")
def chase_circle(obs: Observation) -> Solution:
    """Keep the mouse on the circle: hover it again and again until the episode ends."""
    circle = find(obs, tag="circle", id="circ").id
    step = f"\nnoop({CHASE_WAIT_MS})\n".join([f"hover('{circle}')"] * CHASE_HOVERS)
    while True:
        yield step


def _pick_color(obs: Observation, hex_color: str) -> str:
    field = find(obs, tag="input", id="col")
    return f"fill('{field.id}', '{hex_color}')\n{_submit(obs)}"


@oracle("use-colorwheel")
def use_colorwheel(obs: Observation) -> Solution:
    name = obs["goal"].split("Select ", 1)[-1].split(" ", 1)[0].lower()
    if name not in NAMED_COLORS:
        raise OracleError(f"unknown colour name in {obs['goal']!r}")
    yield _pick_color(obs, NAMED_COLORS[name])
