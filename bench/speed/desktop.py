"""How fast and how lean `DesktopEnv` is: reset and step times, memory per environment, and how
many environments this machine runs side by side.

Run from the repository root (nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.desktop                 # galculator, 20 resets, 1/2/4/8 envs
    nice .venv/bin/python -m bench.speed.desktop --task desktop.editor-append --resets 10

Reset is timed as a user of the sync Gymnasium API sees it, first observation included, twice:
keeping the display, D-Bus and openbox across episodes (the default: only the apps and HOME are
new) and starting a whole new session per reset (``keep_display=False``). Step is one harmless
``moveTo`` with its observation (tree and screenshot). Memory is the RSS of an environment's
session process tree (the session process, Xvfb, D-Bus, openbox, the AT-SPI bus and the app).
Side by side: N environments on one event loop reset together, then step together 5 times; an N
"runs" when every reset and step succeeds, and its figures say at what cost.

OSWorld's figures, for comparison, are what its authors document, not measured here (no KVM or
VMware on this machine): each environment is a full Ubuntu virtual machine reverted to a snapshot
per task, from a VM image of about 23 GB.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import time
from typing import Any

import psutil

from bench.common import nearest_rank
from palaestra.envs.desktop import DesktopEnv

OSWORLD = (
    "OSWorld (documented): one Ubuntu VM per environment (image ~23 GB), a snapshot revert per task; "
    "369 tasks, humans 72.36%."
)


def tree_rss(env: DesktopEnv) -> float:
    """MB of resident memory of the environment's session process and everything under it."""
    client = env._client
    if client is None or client.proc is None:
        return 0.0
    root = psutil.Process(client.proc.pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += proc.memory_info().rss
    return total / 2**20


def time_resets(task: str, resets: int, keep_display: bool) -> dict[str, Any]:
    env = DesktopEnv(task, keep_display=keep_display)
    try:
        env.reset(seed=0)  # the session's own start, not a reset
        times = []
        for seed in range(1, resets + 1):
            started = time.perf_counter()
            env.reset(seed=seed)
            times.append(time.perf_counter() - started)
        steps = []
        for _ in range(resets):
            started = time.perf_counter()
            env.step("moveTo(5, 5)")
            steps.append(time.perf_counter() - started)
        return {
            "reset_p50": statistics.median(times),
            "reset_p95": nearest_rank(times, 0.95),
            "step_p50": statistics.median(steps),
            "rss_mb": tree_rss(env),
        }
    finally:
        env.close()


async def side_by_side(task: str, count: int) -> dict[str, Any]:
    envs = [DesktopEnv(task) for _ in range(count)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(env.areset(seed=i) for i, env in enumerate(envs)))
        first = time.perf_counter() - started
        started = time.perf_counter()
        await asyncio.gather(*(env.areset(seed=100 + i) for i, env in enumerate(envs)))
        reset = time.perf_counter() - started
        rounds, ok = [], True
        for _ in range(5):
            started = time.perf_counter()
            results = await asyncio.gather(*(env.astep("moveTo(5, 5)") for env in envs))
            rounds.append(time.perf_counter() - started)
            ok = ok and all(not r[4].get("error") for r in results)
        return {
            "n": count,
            "ok": ok,
            "start_s": first,
            "reset_s": reset,
            "step_round_s": statistics.median(rounds),
            "rss_mb": sum(tree_rss(e) for e in envs),
        }
    finally:
        await asyncio.gather(*(env.aclose() for env in envs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="desktop.calc-add")
    parser.add_argument("--resets", type=int, default=20)
    parser.add_argument("--parallel", default="1,2,4,8", help="numbers of environments side by side")
    args = parser.parse_args()
    print(f"task {args.task}; {psutil.cpu_count()} cores; load {psutil.getloadavg()[0]:.1f}")
    for keep in (True, False):
        r = time_resets(args.task, args.resets, keep)
        label = "keep display " if keep else "fresh session"
        print(
            f"{label}: reset p50 {r['reset_p50']:.3f} s  p95 {r['reset_p95']:.3f} s  "
            f"step p50 {r['step_p50']:.3f} s  RSS {r['rss_mb']:.0f} MB"
        )
    for count in (int(n) for n in args.parallel.split(",")):
        r = asyncio.run(side_by_side(args.task, count))
        print(
            f"{r['n']} side by side: {'ok' if r['ok'] else 'FAILED'}; reset of all {r['reset_s']:.2f} s, "
            f"a step of all {r['step_round_s']:.2f} s, "
            f"RSS {r['rss_mb']:.0f} MB ({r['rss_mb'] / count:.0f} per env)"
        )
    print(OSWORLD)


if __name__ == "__main__":
    main()
