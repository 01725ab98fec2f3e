"""What waiting for a scroll to land costs a step, on MiniWoB++'s scroll tasks.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.scroll_settle
    nice .venv/bin/python -m bench.speed.scroll_settle --tasks scroll-text-2 --seeds 0-9 --rounds 5

After a wheel or a scrolling key the executor waits in the page until the scroll has landed
(`palaestra.envs.actions.scroll_landing`). For every (task, seed) this resets the task, puts the
pointer and the focus on the task's scroller (a textarea or a list), then times steps of a wheel
scroll, a PageDown and an element-id scroll, each with the wait on and off (off: the executor is
told no action may scroll), interleaved so that a busy machine slows both alike; a mouse move is
the baseline step, which never waits. Printed: the median step time of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator, Mapping
from typing import Any

from bench.common import log
from palaestra.config import parse_seeds
from palaestra.envs import BrowserEnv
from palaestra.envs.actions import executor

#: The MiniWoB++ tasks that are about scrolling something.
SCROLL_TASKS = ("scroll-text-2", "click-scroll-list", "scroll-text")
SCROLLER_TAGS = ("textarea", "select")


@contextlib.contextmanager
def landing_wait(on: bool) -> Iterator[None]:
    """The executor with the scroll landing wait on, or off."""
    original = executor.may_scroll
    if not on:
        executor.may_scroll = lambda action: False
    try:
        yield
    finally:
        executor.may_scroll = original


def scroller(obs: Mapping[str, Any]) -> dict[str, Any]:
    return next(e for e in obs["elements"] if e["tag"] in SCROLLER_TAGS and e["in_viewport"])


def time_task(task: str, seeds: list[int], rounds: int) -> dict[str, list[float]]:
    """Step times in seconds, by (action kind, wait on or off)."""
    times: dict[str, list[float]] = {}
    env = BrowserEnv(f"miniwob.{task}")
    try:
        for seed in seeds:
            obs, _ = env.reset(seed=seed)
            target = scroller(obs)
            x, y, width, height = target["bbox"]
            env.step(f"click('{target['id']}')\nmouse_move({x + width / 2:.0f}, {y + height / 2:.0f})")
            actions = {
                "mouse move (baseline)": f"mouse_move({x + width / 2:.0f}, {y + height / 2:.0f})",
                "wheel scroll(0, 40)": "scroll(0, 40)",
                "keyboard_press('PageDown')": "keyboard_press('PageDown')",
                "element scroll(0, 40, id)": f"scroll(0, 40, '{target['id']}')",
            }
            for _ in range(rounds):
                for kind, action in actions.items():
                    for on in (True, False):
                        with landing_wait(on):
                            started = time.perf_counter()
                            obs, *_ = env.step(action)
                            elapsed = time.perf_counter() - started
                        if obs["last_action_error"]:
                            raise RuntimeError(f"{task} seed {seed}: {action}: {obs['last_action_error']}")
                        times.setdefault(f"{kind}|{'on' if on else 'off'}", []).append(elapsed)
    finally:
        env.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", default=",".join(SCROLL_TASKS), help="comma-separated MiniWoB++ tasks")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="e.g. 0-4 or 0,2,5")
    parser.add_argument("--rounds", type=int, default=3, help="timed steps of each kind per episode")
    args = parser.parse_args()
    times: dict[str, list[float]] = {}
    for task in args.tasks.split(","):
        log(f"timing {task}")
        for key, values in time_task(task, args.seeds, args.rounds).items():
            times.setdefault(key, []).extend(values)
    kinds = dict.fromkeys(key.split("|")[0] for key in times)
    steps = len(next(iter(times.values())))
    print(f"{'step':28} {'wait on':>9} {'wait off':>9} {'added':>7}  (median ms, {steps} steps each)")
    for kind in kinds:
        on, off = (statistics.median(times[f"{kind}|{v}"]) * 1e3 for v in ("on", "off"))
        print(f"{kind:28} {on:9.1f} {off:9.1f} {on - off:7.1f}")


if __name__ == "__main__":
    main()
