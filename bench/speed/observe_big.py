"""How long a step's observation takes on a large page: the median wall time of ``env.step('noop()')``.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.observe_big                      # 285 cards, 30 steps
    nice .venv/bin/python -m bench.speed.observe_big --cards 1000 --steps 50

The page is `bench.speed.som_cover`'s shop (7 elements a card: about 2,000 at the default) with
its card list in a scrolling box, so the clipping of `palaestra.envs.clipping` has work to do.
A no-op step does nothing but settle and observe (the accessibility tree, the elements, the pruned
DOM; no screenshot unless ``--screenshot``), so its time is the observation's. To compare two
versions of the code, run each in turn, twice, on a quiet machine: wall times on shared cores
move by more than small differences.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench.speed.som_cover import shop_page
from palaestra.envs import BrowserEnv
from palaestra.envs.obs import ObsConfig
from palaestra.tasks.page import PageTask


def boxed_page(cards: int) -> str:
    """The shop page with its cards in a scrolling box 500 px high."""
    html = shop_page(cards)
    head, _, rest = html.partition("</header>")
    body, _, tail = rest.partition('<div id="banner">')
    box = f'<div style="height: 500px; overflow: auto">{body}</div>'
    return f'{head}</header>{box}<div id="banner">{tail}'


def measure(url: str, steps: int, screenshot: bool) -> tuple[float, float, int]:
    """Median seconds of a no-op step and of its observation (the step's own ``timings``; the rest
    is settling), and the number of elements observed."""
    env = BrowserEnv(PageTask(url, "Look at the page."), obs_config=ObsConfig(screenshot=screenshot))
    try:
        obs, _ = env.reset(seed=0)
        times, observing = [], []
        for _ in range(steps):
            started = time.perf_counter()
            obs, *_ = env.step("noop()")
            times.append(time.perf_counter() - started)
            observing.append(env.timings["observe"])
        return statistics.median(times), statistics.median(observing), len(obs["elements"])
    finally:
        env.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=285, help="cards on the page (7 elements each)")
    parser.add_argument("--steps", type=int, default=30, help="no-op steps timed")
    parser.add_argument("--screenshot", action="store_true", help="observe a screenshot too")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "shop.html"
        page.write_text(boxed_page(args.cards))
        step, observe, elements = measure(page.as_uri(), args.steps, args.screenshot)
    print(
        f"{elements} elements, {args.steps} no-op steps: median step {step * 1e3:.1f} ms, "
        f"median observation {observe * 1e3:.1f} ms"
    )


if __name__ == "__main__":
    main()
