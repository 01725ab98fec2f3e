"""What a cross-site frame costs an observation, in one process and out of process.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.frames                 # 30 steps of each kind
    nice .venv/bin/python -m bench.speed.frames --steps 60

The page is the tests' ``oopif_top.html`` served over loopback HTTP: a page on 127.0.0.1 with a
frame from localhost holding a frame from 127.0.0.2. Without site isolation (the headless shell's
default) both frames live in the page's process and one DOM snapshot sees them; with
``--site-per-process`` each renders in a process of its own and the observation adds a snapshot and
an AXTree per frame over the frame's own CDP session (`palaestra.envs.oopif`). This times the
observe phase of ``noop(0)`` steps (with set-of-marks: every part of the tree is built) in both,
alternating between the two environments so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench.common import log
from palaestra.envs import BrowserEnv, ObsConfig, loop
from palaestra.envs.browser import BrowserHost, BrowserOptions
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import files_in, serve

PAGES = Path(__file__).resolve().parents[2] / "tests" / "envs" / "pages"


@contextmanager
def served() -> Iterator[int]:
    """The test pages on 127.0.0.1 and 127.0.0.2 at one port; yields the port."""
    with ExitStack() as servers:
        port = servers.enter_context(serve(files_in(PAGES))).port
        servers.enter_context(serve(files_in(PAGES), host="127.0.0.2", port=port))
        yield port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=30, help="timed steps in each environment")
    args = parser.parse_args()
    with served() as port:
        task = PageTask(f"http://127.0.0.1:{port}/oopif_top.html", "Use the frames.")
        isolated = BrowserHost(BrowserOptions(extra_args=("--site-per-process",)))
        envs = {
            "one process": BrowserEnv(task, obs_config=ObsConfig(som=True), pages_ahead=0),
            "out of process": BrowserEnv(task, obs_config=ObsConfig(som=True), pages_ahead=0, host=isolated),
        }
        observe: dict[str, list[float]] = {name: [] for name in envs}
        try:
            for env in envs.values():
                env.reset(seed=0)
                env.step("noop(0)")  # warm
            for _ in range(args.steps):
                for name, env in envs.items():
                    env.step("noop(0)")
                    observe[name].append(env.timings["observe"])
        finally:
            for env in envs.values():
                env.close()
            loop.run_sync(isolated.close())
    for name, times in observe.items():
        log(
            f"{name}: observe median {statistics.median(times) * 1000:.1f} ms, "
            f"mean {statistics.mean(times) * 1000:.1f} ms over {len(times)} steps"
        )


if __name__ == "__main__":
    main()
