"""Tasks scored by closeness succeed on a right answer and fail on a wrong one that the page still
gives partial credit (see ``palaestra.tasks.miniwob.scoring``), on real Chromium."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator

import pytest

from palaestra.envs import BrowserEnv, ObsConfig
from palaestra.envs.obs import Observation
from palaestra.tasks.miniwob.oracles import run_oracle
from palaestra.tasks.miniwob.oracles.base import elements, find
from palaestra.tasks.miniwob.oracles.geometry import NAMED_COLORS, point_along
from palaestra.tasks.miniwob.scoring import CLOSENESS

MakeEnv = Callable[..., BrowserEnv]
Wrong = Callable[[Observation], Generator[str, Observation, None]]
SEED = 3


def _submit(obs: Observation, x: float, y: float) -> str:
    return f"mouse_click({x:.1f}, {y:.1f})\nclick('{find(obs, tag='button', text='Submit').id}')"


def _rotated(x: float, y: float, degrees: float) -> tuple[float, float]:
    c, s = math.cos(math.radians(degrees)), math.sin(math.radians(degrees))
    return x * c - y * s, x * s + y * c


def _unit(x: float, y: float) -> tuple[float, float]:
    n = math.hypot(x, y)
    return x / n, y / n


def wrong_circle_center(obs: Observation) -> Generator[str, Observation, None]:
    x, y = find(obs, tag="circle").center
    yield _submit(obs, x + 12, y)  # inside the circle (radius 25-40), 12 px off its centre


def wrong_find_midpoint(obs: Observation) -> Generator[str, Observation, None]:
    (ax, ay), (bx, by) = (c.center for c in elements(obs, tag="circle"))
    ux, uy = _unit(bx - ax, by - ay)
    yield _submit(obs, (ax + bx) / 2 - 12 * uy, (ay + by) / 2 + 12 * ux)  # 12 px off, within 30


def wrong_right_angle(obs: Observation) -> Generator[str, Observation, None]:
    vertex = find(obs, tag="circle", id="init-blue").center
    other = find(obs, tag="circle", id="init-black").center
    ux, uy = _unit(other[0] - vertex[0], other[1] - vertex[1])
    # 20 degrees off the perpendicular: the page still accepts (up to 45) and gives partial credit.
    directions = [_rotated(-uy, ux, -20), _rotated(uy, -ux, 20)]
    yield _submit(obs, *point_along(obs, vertex, directions))


def wrong_bisect_angle(obs: Observation) -> Generator[str, Observation, None]:
    vertex = next(c.center for c in elements(obs, tag="circle") if "init-blue" in c.classes)
    a, b = (c.center for c in elements(obs, tag="circle") if "init-black" in c.classes)
    ua, ub = _unit(a[0] - vertex[0], a[1] - vertex[1]), _unit(b[0] - vertex[0], b[1] - vertex[1])
    # A quarter of the way from one side to the other, not half: inside the angle, off the bisector.
    direction = _unit(3 * ua[0] + ub[0], 3 * ua[1] + ub[1])
    yield _submit(obs, *point_along(obs, vertex, [direction]))


def wrong_chase_circle(obs: Observation) -> Generator[str, Observation, None]:
    circle = find(obs, tag="circle", id="circ").id
    yield f"hover('{circle}')"  # onto the circle once, then let it get away
    while True:
        yield "noop(1000)"


def _nearby_color(hex_color: str, levels: int = 20) -> str:
    """A colour off by ``levels`` in every channel (towards the middle): 20 is 8% off."""
    channels = [int(hex_color[i : i + 2], 16) for i in (0, 2, 4)]
    return "".join(f"{c + levels if c < 128 else c - levels:02x}" for c in channels)


def _fill_color(obs: Observation, hex_color: str) -> str:
    field = find(obs, tag="input", id="col")
    return f"fill('{field.id}', '{hex_color}')\nclick('{find(obs, tag='button', text='Submit').id}')"


def _asked_color(obs: Observation) -> str:
    """The colour the goal asks for: a name (use-colorwheel) or a swatch (use-colorwheel-2)."""
    if "Select the following color" not in obs["goal"]:
        return NAMED_COLORS[obs["goal"].split("Select ", 1)[1].split(" ", 1)[0].lower()]
    styles = (e.attrs.get("style", "").replace(" ", "") for e in elements(obs, tag="div"))
    return next(s for s in styles if "background-color:#" in s).split("background-color:#", 1)[1][:6]


def wrong_color(obs: Observation) -> Generator[str, Observation, None]:
    yield _fill_color(obs, _nearby_color(_asked_color(obs)))


def close_color(obs: Observation) -> Generator[str, Observation, None]:
    """A colour 2% off, as a careful pick on the wheel gives: right, though its reward is below 1."""
    yield _fill_color(obs, _nearby_color(_asked_color(obs), levels=5))


WRONG: dict[str, Wrong] = {
    "circle-center": wrong_circle_center,
    "find-midpoint": wrong_find_midpoint,
    "right-angle": wrong_right_angle,
    "bisect-angle": wrong_bisect_angle,
    "chase-circle": wrong_chase_circle,
    "use-colorwheel": wrong_color,
    "use-colorwheel-2": wrong_color,
}


def test_every_closeness_task_has_a_wrong_answer_here() -> None:
    assert sorted(WRONG) == sorted(CLOSENESS)


def _play(env: BrowserEnv, solver: Generator[str, Observation, None], max_steps: int = 40) -> dict:
    action = next(solver)
    for _ in range(max_steps):
        obs, reward, terminated, truncated, info = env.step(action)
        assert not obs["last_action_error"], obs["last_action_error"]
        if terminated or truncated:
            return {"reward": reward, **info}
        action = solver.send(obs)
    raise AssertionError("the episode did not end")


@pytest.mark.parametrize("task", sorted(CLOSENESS))
def test_right_answer_succeeds_and_partly_right_one_fails(task: str, make_env: MakeEnv) -> None:
    env = make_env(f"miniwob.{task}", obs_config=ObsConfig(screenshot=False))
    rule = CLOSENESS[task]
    right = run_oracle(env, task, SEED)
    assert right.success and 0 < right.reward <= 1, right
    obs, _ = env.reset(seed=SEED)
    wrong = _play(env, WRONG[task](obs))
    # The page gives the wrong answer partial credit; the error is past the tolerance.
    assert 0 < wrong["reward"] < 1, wrong
    assert wrong["task_info"]["error"] > rule.tolerance and not wrong["success"], wrong


@pytest.mark.parametrize("task", ["use-colorwheel", "use-colorwheel-2"])
def test_a_colour_close_to_the_asked_one_succeeds(task: str, make_env: MakeEnv) -> None:
    env = make_env(f"miniwob.{task}", obs_config=ObsConfig(screenshot=False))
    obs, _ = env.reset(seed=SEED)
    close = _play(env, close_color(obs))
    assert 0.97 < close["reward"] < 1 and close["success"], close
