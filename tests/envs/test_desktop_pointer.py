"""A desktop reset parks the pointer, on a real Xvfb with galculator: the same seed's first
observation is the same pixels whatever the last episode did with the pointer.

Before, the pointer rested where the last episode left it (or at the screen's centre, where Xvfb
puts it): over one of galculator's keys, which the first screenshot showed highlighted, and whose
tooltip popped up soon after.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.live_steps import RunCommand
from tests.envs.desktop_sessions import one_session, playing


@pytest.fixture(scope="module")
def desktop() -> Iterator[DesktopEnv]:
    """One session for the module's tests, each playing its own task's episodes on it."""
    yield from one_session()


@pytest.fixture
def calc(desktop: DesktopEnv) -> DesktopEnv:
    return playing(desktop, "desktop.calc-add")


def look(env: DesktopEnv) -> dict[str, Any]:
    """The session's own view of the screen: windows, pointer and popups (tooltips, menus)."""

    async def observe() -> dict[str, Any]:
        assert env._client is not None
        reply, _ = await env._client.request(
            {"op": "observe", "tree": False, "screenshot": False, "popups": True}, 10
        )
        return reply

    return asyncio.run_coroutine_threadsafe(observe(), env._loop).result(10)


def key_centre(obs: dict[str, Any], name: str) -> tuple[int, int]:
    x, y, w, h = next(
        e["bbox"] for e in obs["elements"] if e["role"] == "toggle button" and e["name"] == name
    )
    return round(x + w / 2), round(y + h / 2)


def test_a_reset_parks_the_pointer_off_the_app_so_its_first_screen_repeats(calc: DesktopEnv) -> None:
    first, _ = calc.reset(seed=0)
    width, height = calc.screen
    x, y = key_centre(first, "8")
    obs, *_ = calc.step(f"pyautogui.moveTo({x}, {y})\ntime.sleep(1.0)")  # long enough for a tooltip
    assert obs["last_action_error"] == "" and look(calc)["pointer"] == [x, y]
    again, _ = calc.reset(seed=0)
    assert look(calc)["pointer"] == [width - 1, height - 1]  # galculator is centred: the corner is free
    assert np.array_equal(first["screenshot"], again["screenshot"])
    time.sleep(1.0)  # a tooltip pops up about half a second after the pointer comes to rest
    assert look(calc)["popups"] == []


#: A setup step that maximises the active window (as a double click on its title bar would) and
#: leaves the pointer over the editor, as a setup step that clicks does.
MAXIMISE = """
from Xlib import X, display
from Xlib.protocol import event
d = display.Display()
root = d.screen().root
atom = d.intern_atom
active = root.get_full_property(atom("_NET_ACTIVE_WINDOW"), X.AnyPropertyType).value[0]
state = [1, atom("_NET_WM_STATE_MAXIMIZED_VERT"), atom("_NET_WM_STATE_MAXIMIZED_HORZ"), 1, 0]
message = event.ClientMessage(window=active, client_type=atom("_NET_WM_STATE"), data=(32, state))
root.send_event(message, event_mask=X.SubstructureRedirectMask | X.SubstructureNotifyMask)
root.warp_pointer(400, 400)
d.sync()
"""


class _MaximisedEditor(DesktopTask):
    name = "desktop.maximised-editor"

    def setup(self, rng: random.Random) -> DesktopSetup:
        steps = (RunCommand(("python3", "-c", MAXIMISE)),)
        return DesktopSetup(goal="Edit.", apps=(("mousepad",),), steps=steps, delay=0.5)

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def test_over_a_maximised_window_the_pointer_rests_on_its_title(desktop: DesktopEnv) -> None:
    """A maximised window covers every corner (its buttons light up under the pointer at the top
    ones): the pointer rests in the middle of the top row, on the title, after the setup steps."""
    env = desktop
    env.task = _MaximisedEditor()
    env.reset(seed=0)
    width, height = env.screen
    [window] = look(env)["windows"]
    assert window["box"][2] == width and window["box"][1] + window["box"][3] == height
    assert look(env)["pointer"] == [width // 2, 0]
