"""Oracles for the MiniWoB++ tasks that are about clicking (and focusing) the right element."""

from __future__ import annotations

import re
from collections.abc import Generator

from palaestra.envs.obs import Observation
from palaestra.tasks.miniwob.oracles.base import (
    El,
    OracleError,
    descendants,
    elements,
    find,
    oracle,
    quoted,
    uncovered_point,
    wait_for,
)

Solution = Generator[str, Observation, None]

#: How long to wait (ms) for a widget that opens on a timer (the settle step only waits for the DOM).
WAIT_MS = 300


def _goal_match(obs: Observation, pattern: str) -> re.Match[str]:
    match = re.search(pattern, obs["goal"])
    if match is None:
        raise OracleError(f"goal {obs['goal']!r} does not match {pattern!r}")
    return match


def _named(obs: Observation, name: str, tag: str | None = None) -> list[El]:
    """Visible elements whose accessible name or text is exactly ``name`` (case-sensitive)."""
    return [
        el
        for el in elements(obs, tag=tag)
        if el.name.strip() == name or (not el.name and el.text.strip() == name)
    ]


def _click_uncovered(target: El, others: list[El]) -> str:
    """Click ``target`` at a point no other listed element overlaps (absolutely placed buttons may
    cover each other's centres, and a click at a covered centre lands on the wrong button)."""
    point = uncovered_point(target, others)
    if point is None:
        return f"click('{target.id}')"
    return f"mouse_click({point[0]:.1f}, {point[1]:.1f})"


@oracle("click-test-2")
def click_test_2(obs: Observation) -> Solution:
    label = _goal_match(obs, r"[Cc]lick button (\w+)").group(1)
    buttons = elements(obs, tag="button")
    target = next(b for b in buttons if b.text.strip() == label)
    yield _click_uncovered(target, [b for b in buttons if b.id != target.id])


@oracle("click-button-sequence")
def click_button_sequence(obs: Observation) -> Solution:
    labels = re.findall(r"button (\w+)", obs["goal"])
    buttons = elements(obs, tag="button")
    for label in labels:
        target = next(b for b in buttons if b.text.strip() == label)
        obs = yield _click_uncovered(target, [b for b in buttons if b.id != target.id])


@oracle("focus-text")
def focus_text(obs: Observation) -> Solution:
    yield f"click('{find(obs, tag='input').id}')"


ORDINALS = {"1st": 0, "2nd": 1, "3rd": 2, "4th": 3, "5th": 4}


@oracle("focus-text-2")
def focus_text_2(obs: Observation) -> Solution:
    index = ORDINALS[_goal_match(obs, r"(\d+(?:st|nd|rd|th)) input").group(1)]
    yield f"click('{elements(obs, tag='input')[index].id}')"


#: The button labels of identify-shape, by the SVG element that draws each kind of shape.
SHAPE_BUTTONS = {"rect": "Rectangle", "circle": "Circle", "polygon": "Triangle"}


@oracle("identify-shape")
def identify_shape(obs: Observation) -> Solution:
    svg = find(obs, tag="svg")
    x, y, w, h = svg.bbox
    inside = [
        el
        for el in elements(obs)
        if el.tag in ("text", *SHAPE_BUTTONS) and x <= el.center[0] <= x + w and y <= el.center[1] <= y + h
    ]
    if not inside:
        raise OracleError("no figure in the SVG")
    figure = inside[0]
    if figure.tag == "text":
        label = "Number" if figure.text.strip().isdigit() else "Letter"
    else:
        label = SHAPE_BUTTONS[figure.tag]
    yield f"click('{find(obs, tag='button', text=label).id}')"


@oracle("click-dialog")
def click_dialog(obs: Observation) -> Solution:
    yield f"click('{find(obs, tag='button', title='Close').id}')"


@oracle("click-dialog-2")
def click_dialog_2(obs: Observation) -> Solution:
    label = quoted(obs["goal"])[-1]
    if label == "x":
        yield f"click('{find(obs, tag='button', title='Close').id}')"
    else:
        yield f"click('{_named(obs, label, tag='button')[-1].id}')"


@oracle("click-checkboxes")
def click_checkboxes(obs: Observation) -> Solution:
    wanted_text = _goal_match(obs, r"^Select (.*) and click Submit\.$").group(1)
    boxes = [el for el in elements(obs, tag="input") if el.attrs.get("type") == "checkbox"]
    names = {box.name.strip() for box in boxes}
    wanted = set() if wanted_text == "nothing" and "nothing" not in names else set(wanted_text.split(", "))
    actions = [f"{'check' if box.name.strip() in wanted else 'uncheck'}('{box.id}')" for box in boxes]
    yield "\n".join([*actions, f"click('{find(obs, tag='button', text='Submit').id}')"])


@oracle("click-option")
def click_option(obs: Observation) -> Solution:
    name = _goal_match(obs, r"^Select (.*) and click Submit\.$").group(1)
    radio = next(el for el in elements(obs, tag="input") if el.name.strip() == name)
    yield f"check('{radio.id}')\nclick('{find(obs, tag='button', text='Submit').id}')"


def _background(el: El) -> str | None:
    """The colour an element's inline style paints it, e.g. ``red`` or ``#0198e3``."""
    match = re.search(r"background-color:\s*([^;]+)", el.attrs.get("style", ""))
    return match.group(1).strip().lower() if match else None


@oracle("click-color")
def click_color(obs: Observation) -> Solution:
    color = _goal_match(obs, r"Click on the (.+) colored box").group(1).strip().lower()
    query = find(obs, visible=False, id="query")
    boxes = [el for el in elements(obs, tag="div") if "color" in el.classes and el.center[1] > query.bbox[3]]
    target = next(box for box in boxes if _background(box) == color)
    yield f"click('{target.id}')"


@oracle("use-colorwheel-2")
def use_colorwheel_2(obs: Observation) -> Solution:
    """The colour is the swatch's inline style; the picker's text box accepts it as typed hex."""
    swatch = next(el for el in elements(obs, tag="div") if (_background(el) or "").startswith("#"))
    color = (_background(swatch) or "").lstrip("#")
    field = find(obs, tag="input")
    yield f"fill('{field.id}', '{color}')\nclick('{find(obs, tag='button', text='Submit').id}')"


#: Attempts at the pie's pre-selected item (see ``click_pie_nodelay``); each succeeds about half the time.
PIE_ATTEMPTS = 30


@oracle("click-pie-nodelay")
def click_pie_nodelay(obs: Observation) -> Solution:
    """The pie's items are drawn at zero size until the centre '+' spreads the menu out.

    The item the wheel starts with selected (drawn with white text) cannot be clicked once the pointer
    rests on it: each mouseover moves its nodes to the front, which fires another mouseover, and
    Chromium sends the press to the <svg> instead. Only in the moment after the wheel spreads (while
    wheelnav ignores hovers) does a click reach it, so when the first click does not end the episode
    we fold the wheel, spread it and click at once, until one lands.
    """
    label = quoted(obs["goal"])[-1]
    spreader = find(obs, tag="text", text="+")
    sx, sy = spreader.center
    obs = yield f"click('{spreader.id}')"
    items = [el for el in _named(obs, label, tag="text") if el.bbox[2] > 2]
    if not items:
        raise OracleError(f"pie item {label!r} did not open")
    x, y = items[0].center
    spread, click_item = f"mouse_click({sx:.1f}, {sy:.1f})", f"mouse_click({x:.1f}, {y:.1f})"
    obs = yield click_item
    for _ in range(PIE_ATTEMPTS):
        obs = yield "\n".join([spread, spread, click_item])  # fold, spread, click before a hover lands


@oracle("click-menu-2")
def click_menu_2(obs: Observation) -> Solution:
    """Open the menu, then open submenus one by one until the wanted item shows. The goal names the
    item either by its label or by an icon (a ``ui-icon-*`` span inside the goal's text)."""
    query = find(obs, visible=False, id="query")
    icon = next(
        (c for s in descendants(obs, query, tag="span") for c in s.classes if c.startswith("ui-icon-")), None
    )
    label = quoted(obs["goal"])[-1] if icon is None else None
    obs = yield f"click('{find(obs, tag='button', text=quoted(obs['goal'])[0]).id}')"
    opened: set[str] = set()
    for _ in range(10):
        items = [el for el in elements(obs) if el.attrs.get("role") == "menuitem"]
        if icon is None:
            target = next((el for el in items if el.text.strip() == label), None)
        else:
            target = next((el for el in items if _has_icon(obs, el, icon)), None)
        if target is not None:
            yield f"click('{target.id}')"
            return
        parents = [el for el in items if el.attrs.get("aria-haspopup") == "true" and el.id not in opened]
        if parents:
            opened.add(parents[0].id)
            obs = yield f"hover('{parents[0].id}')"
        else:
            obs = yield f"noop({WAIT_MS})"
    raise OracleError("menu item not found")


def _has_icon(obs: Observation, el: El, icon: str) -> bool:
    return any(icon in span.classes for span in descendants(obs, el, tag="span"))


@oracle("click-scroll-list")
def click_scroll_list(obs: Observation) -> Solution:
    """The goal joins the wanted options with ", "; options may contain commas themselves, so match
    the whole list against one or two option names rather than splitting it."""
    wanted = _goal_match(obs, r"^Select (.*) from the scroll list").group(1)
    listbox = find(obs, tag="select")
    names = [el.text.strip() for el in elements(obs, tag="option", visible=False)]
    choice = [n for n in names if n == wanted]
    if not choice:
        choice = next(
            ([a, b] for a in names for b in names if a != b and f"{a}, {b}" == wanted),
            [],
        )
    if not choice:
        raise OracleError(f"no options make up {wanted!r}")
    yield f"select_option('{listbox.id}', {choice!r})\nclick('{find(obs, tag='button', text='Submit').id}')"


@oracle("click-link")
def click_link(obs: Observation) -> Solution:
    """Links with the same text but another case count as wrong, so match case-sensitively."""
    label = quoted(obs["goal"])[-1]
    links = [el for el in elements(obs, tag="span") if "alink" in el.classes and el.text.strip() == label]
    yield f"click('{links[0].id}')"


@oracle("click-tab")
def click_tab(obs: Observation) -> Solution:
    label = _goal_match(obs, r"Click on (Tab #\d+)").group(1)
    yield f"click('{find(obs, tag='a', text=label).id}')"


#: What each widget kind of click-widget looks like: (tag, input type or None).
WIDGETS = {
    "radio": ("input", "radio"),
    "checkbox": ("input", "checkbox"),
    "text": ("input", "input"),
    "textarea": ("textarea", None),
    "button": ("button", None),
}


@oracle("click-widget")
def click_widget(obs: Observation) -> Solution:
    tag, kind = WIDGETS[quoted(obs["goal"])[-1]]
    target = next(el for el in elements(obs, tag=tag) if kind is None or el.attrs.get("type") == kind)
    yield f"click('{target.id}')"


@oracle("click-collapsible")
def click_collapsible(obs: Observation) -> Solution:
    header = next(el for el in elements(obs) if el.role == "tab" and el.name.startswith("Section"))
    panel = header.attrs.get("aria-controls", "")
    obs = yield f"click('{header.id}')"
    obs = yield from wait_for(obs, lambda o: find(o, visible=False, id=panel).visible, ms=WAIT_MS, tries=5)
    yield f"click('{find(obs, tag='button', text='Submit').id}')"
