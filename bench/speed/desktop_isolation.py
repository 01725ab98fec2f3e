"""What a desktop session's isolation costs: its start, an episode's reset and a step, with the
namespaces and cgroup a root session gets (``isolation="on"``) against the same session without
them (``isolation="off"``, the anchor), measured in the same run.

Run from the repository's root, as root (a session not run by root has no isolation to measure;
nice it on a shared machine)::

    nice .venv/bin/python -m bench.speed.desktop_isolation              # 10 rounds
    nice .venv/bin/python -m bench.speed.desktop_isolation --rounds 20

Each round starts one session of each kind, in alternating order (so that a machine's load that
drifts weighs on both alike), and times: (a) the session's start (Xvfb, D-Bus, openbox, the AT-SPI
bus; with isolation, also the network namespace, the private /tmp, /var/tmp and /dev/shm, and the
cgroup), (b) an episode's reset with one app (galculator, `desktop.calc-add`), first observation
included, and (c) one harmless step with its observation (tree and screenshot). Medians per kind
and their on/off ratio are printed with the machine's load average, which says how far to trust
them: the figures are wall times.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import psutil

from palaestra.envs.desktop import DesktopEnv

MODES = ("on", "off")
PARTS = ("start", "reset", "step")


async def one_round(task: str, isolation: str) -> tuple[dict[str, float], dict[str, str]]:
    """Seconds of each part for one new session of this kind, and what its session says it has."""
    env = DesktopEnv(task, isolation=isolation)
    try:
        started = time.perf_counter()
        await env.awarm()
        start = time.perf_counter() - started
        started = time.perf_counter()
        await env.areset(seed=0)
        reset = time.perf_counter() - started
        started = time.perf_counter()
        await env.astep("moveTo(5, 5)")
        step = time.perf_counter() - started
        info = env.session_info
        layers = {k: str(info.get(k)) for k in ("network", "tmp", "cgroup")}
        return {"start": start, "reset": reset, "step": step}, layers
    finally:
        await env.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--task", default="desktop.calc-add")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    times: dict[str, dict[str, list[float]]] = {m: {p: [] for p in PARTS} for m in MODES}
    layers: dict[str, dict[str, str]] = {}
    load_before = psutil.getloadavg()
    for number in range(args.rounds):
        for mode in MODES if number % 2 == 0 else MODES[::-1]:
            figures, layers[mode] = asyncio.run(one_round(args.task, mode))
            for part in PARTS:
                times[mode][part].append(figures[part])
    load_after = psutil.getloadavg()
    print(
        f"task {args.task}; {args.rounds} rounds; {psutil.cpu_count()} cores; load average (1 min) "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )
    for mode in MODES:
        shown = ", ".join(f"{k} {v}" for k, v in layers[mode].items())
        print(f"isolation {mode}: {shown}")
    medians = {m: {p: statistics.median(times[m][p]) for p in PARTS} for m in MODES}
    print(f"{'':8}{'on s':>9}{'off s':>9}{'on/off':>9}")
    for part in PARTS:
        on, off = medians["on"][part], medians["off"][part]
        print(f"{part:8}{on:9.3f}{off:9.3f}{on / off:9.2f}")
    result = {
        "rounds": args.rounds,
        "load": [round(load_before[0], 2), round(load_after[0], 2)],
        "layers": layers,
        "median_s": medians,
        "ratio": {p: medians["on"][p] / medians["off"][p] for p in PARTS},
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
