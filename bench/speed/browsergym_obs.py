"""What BrowserGym-shaped observations (`palaestra.envs.browsergym_compat`) cost a browser step.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.browsergym_obs                 # 3 MiniWoB++ tasks, 40 rounds
    nice .venv/bin/python -m bench.speed.browsergym_obs --rounds 20 --tasks book-flight
    nice .venv/bin/python -m bench.speed.browsergym_obs --rounds 20 --tasks --cards 400   # a large page

Two environments on the same task, one plain ``BrowserEnv`` and one wrapped in
``BrowserGymObservation``, take ``noop(0)`` steps in alternation (so a busy machine slows both
alike). Printed per task: the median milliseconds the environment spent observing
(``env.timings["observe"]``: the capture, where the page objects are made) and the median whole
step as the caller sees it (the wrapper's conversion included). ``--cards N`` adds the shop-like
page of `bench.speed.som_cover` with N cards (7 elements each).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.common import log
from palaestra.envs import BrowserEnv
from palaestra.envs.browsergym_compat import BrowserGymObservation
from palaestra.tasks.base import Task
from palaestra.tasks.page import PageTask

DEFAULT_TASKS = ("enter-text", "click-checkboxes", "book-flight")


def measure(task: str | Task, rounds: int) -> dict[str, float]:
    plain = BrowserEnv(task)
    wrapped = BrowserGymObservation(BrowserEnv(task))
    observe: dict[str, list[float]] = {"plain": [], "browsergym": []}
    step: dict[str, list[float]] = {"plain": [], "browsergym": []}
    try:
        plain.reset(seed=1)
        wrapped.reset(seed=1)
        for _ in range(rounds):
            for name, env in (("plain", plain), ("browsergym", wrapped)):
                started = time.perf_counter()
                env.step("noop(0)")
                step[name].append(time.perf_counter() - started)
                inner = env.browser_env if isinstance(env, BrowserGymObservation) else env
                observe[name].append(inner.timings["observe"])
    finally:
        plain.close()
        wrapped.close()
    return {
        f"{kind}_{name}_ms": round(statistics.median(values) * 1000, 2)
        for kind, table in (("observe", observe), ("step", step))
        for name, values in table.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--tasks", nargs="*", default=list(DEFAULT_TASKS), help="MiniWoB++ task names")
    parser.add_argument("--cards", type=int, default=0, help="also a shop page of this many cards")
    args = parser.parse_args()
    for task in args.tasks:
        log(f"{task}: {args.rounds} alternating rounds")
        print(task, measure(f"miniwob.{task}", args.rounds), flush=True)
    if args.cards:
        from bench.speed.som_cover import shop_page

        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "shop.html"
            page.write_text(shop_page(args.cards))
            log(f"shop page of {args.cards} cards: {args.rounds} alternating rounds")
            print(f"shop-{args.cards}", measure(PageTask(page.as_uri(), "Shop."), args.rounds), flush=True)


if __name__ == "__main__":
    main()
