"""When a MiniWoB++ answer is right: the page's own reward, read the way the page means it.

Most pages end an episode with a raw reward of 1 for a right answer and less for a wrong or partly
right one (click-checkboxes gives the share of right boxes, phone-book 0.7 for the right person
with the wrong field, tiered tasks such as draw-circle or hot-cold 1 for their top tier only). For
those, success is a raw reward of 1.

Seven pages score by closeness instead: their reward is an error scaled to 0..1 that a right answer
reaches only by luck, and they give a positive reward to far more than right answers (circle-center
to any point inside the circle, bisect-angle to any point inside the angle), so neither "reward 1"
nor "reward > 0" means right. For these, success is a positive raw reward (the page accepts the
answer) whose error, in the page's own units, is within a tolerance taken from the page itself:

- circle-center: the click's distance from the circle's centre (the page's ``distance``, scored
  ``(maxDistance - distance)/maxDistance``): at most 7 px. The page marks the click and, after the
  answer, the centre with dots of radius 3.5; within 7 px they touch.
- find-midpoint: the click's distance from the midpoint (``maxDistance = 30``): at most 7 px, as
  circle-center.
- right-angle: how far the angle is from 90 degrees (``diff = Math.abs(expectedAngle-userAngle)``,
  scored ``(expectedAngle-diff)/expectedAngle``): at most 5 degrees, a right angle by eye.
- bisect-angle: the angle between the clicked line and the bisector (``largerAngle`` less half of
  ``totalAngle``, scored against half of it): at most 5 degrees, as right-angle.
- chase-circle: the time the mouse spent outside the circle (``missedFrames``, in ms, scored
  ``(10000 - missedFrames)/10000``): at most 1000 ms, inside for 90% of the 10 s the circle moves.
- use-colorwheel and use-colorwheel-2: the mean difference of the colour's channels
  (``r = 1.0 - (abs(sel.r - des.r)/255.0 + ...)/3``): at most 5% (12.75 of 255). The two closest
  colour names use-colorwheel asks for, gold and yellow, are 5.2% apart.

The four geometry pages draw the click's mark at ``(pageX, pageY - 50)`` in an SVG that starts at
(2, 52), 2 px right of and below the click; their errors are measured from the click itself with the
page's formula (``_CLICK_JS``), so that where the agent clicked decides, not the page's offset (which
alone turns a right click into an angle 5 degrees off in layouts that leave 30 px of room).

A negative raw reward is the page refusing the answer: never a success. hover-shape has a continuous
score too, but its page never reports it (its reward call is a TODO), so its episodes never end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Closeness:
    """A task whose raw reward measures how close the answer came."""

    #: A JavaScript expression of the answer's error, in ``unit``, from ``raw`` (the raw reward)
    #: and the page, evaluated once the episode has ended with a positive raw reward.
    error_js: str
    tolerance: float
    unit: str


#: Where the agent clicked, in the SVG's coordinates (``p``), the centre of a shape (``at``) and the
#: angle at a vertex as the pages compute it (``angle``).
_CLICK_JS = """
  const at = (e) => ({x: +e.getAttribute('cx'), y: +e.getAttribute('cy')});
  const all = (sel) => [...document.querySelectorAll(sel)].map(at);
  const one = (sel) => at(document.querySelector(sel));
  const box = document.querySelector('svg').getBoundingClientRect(), mark = one('#blue-circle');
  const p = {x: mark.x - window.scrollX - box.left, y: mark.y + 50 - window.scrollY - box.top};
  const angle = (a, b, v) => {
    const av = Math.hypot(v.x - a.x, v.y - a.y), bv = Math.hypot(v.x - b.x, v.y - b.y);
    const ab = Math.hypot(b.x - a.x, b.y - a.y), cos = (bv * bv + av * av - ab * ab) / (2 * bv * av);
    return Math.acos(Math.max(-1, Math.min(1, cos))) * 180 / Math.PI;
  };"""


def _from_click(expression: str) -> str:
    return f"(() => {{{_CLICK_JS}\n  return {expression};\n}})()"


_COLOR_JS = "(1 - raw) * 255"

CLOSENESS: dict[str, Closeness] = {
    "circle-center": Closeness(
        _from_click("(c => Math.hypot(p.x - c.x, p.y - c.y))(one('.black-circle'))"), 7.0, "px"
    ),
    "find-midpoint": Closeness(
        _from_click(
            "(([a, b]) => Math.hypot(p.x - (a.x + b.x) / 2, p.y - (a.y + b.y) / 2))(all('.black-circle'))"
        ),
        7.0,
        "px",
    ),
    "right-angle": Closeness(
        _from_click("Math.abs(90 - angle(one('#init-black'), p, one('#init-blue')))"), 5.0, "degrees"
    ),
    "bisect-angle": Closeness(
        _from_click(
            "(([a, b], v) => Math.max(angle(a, p, v), angle(b, p, v)) - angle(a, b, v) / 2)"
            "(all('.init-black'), one('.init-blue'))"
        ),
        5.0,
        "degrees",
    ),
    "chase-circle": Closeness("(1 - raw) * 10000", 1000.0, "ms"),
    "use-colorwheel": Closeness(_COLOR_JS, 12.75, "of 255"),
    "use-colorwheel-2": Closeness(_COLOR_JS, 12.75, "of 255"),
}

#: A raw reward of 1 up to float rounding (sums such as 3 x 1/3 may land just below 1).
FULL_REWARD = 1 - 1e-9


def state_js(task: str) -> str:
    """One round trip that reads the episode's state and, for a closeness task, the answer's error."""
    rule = CLOSENESS.get(task)
    error = f"(WOB_DONE_GLOBAL && raw > 0) ? ({rule.error_js}) : null" if rule else "null"
    return f"""() => {{
  const raw = WOB_RAW_REWARD_GLOBAL;
  return {{done: WOB_DONE_GLOBAL, reward: WOB_REWARD_GLOBAL, raw_reward: raw,
           reason: WOB_REWARD_REASON, error: {error}}};
}}"""


def succeeded(task: str, raw_reward: float, error: float | None) -> bool:
    """Whether an ended episode's answer is right (see the module's table)."""
    rule = CLOSENESS.get(task)
    if rule is None:
        return raw_reward >= FULL_REWARD
    return raw_reward > 0 and error is not None and error <= rule.tolerance
