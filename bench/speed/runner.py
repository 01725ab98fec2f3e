"""The evaluation runner's throughput and its own overhead, with the oracle agent on MiniWoB++.

    python -m bench.speed.runner [--tasks 20 task names, comma-separated] [--seeds 0-2] [--workers 1,2]

For each worker count it runs `palaestra eval --agent oracle` over the tasks and seeds into a fresh
run directory and reports episodes per minute (wall clock, first episode to last), and the runner's
overhead per step: what is neither the environment's nor the agent's time. Two figures:
- in-loop: the time the episode loop spends around each step (recording artifacts, bookkeeping),
  measured in the worker;
- per episode: the episode's wall time minus its reset, environment and agent time, divided by its
  steps; this adds the episode's set-up, the artifact flush and the hand-over to the parent.
It also reports the CPU seconds an episode costs all processes together (workers, Playwright
drivers, Chromium; measured as the machine's busy time, so run it on an otherwise idle machine):
with C cores, no number of workers gets past C / (CPU per episode) episodes per second.

One worker alone keeps more than one core busy (the next pages load in Chromium while the worker
plays), so on a 2-core machine 1 vs 2 workers on both cores cannot show scaling with the cores.
So each worker count runs twice: on every core ("all"), and with its N workers (and their drivers
and browsers) on N cores ("same"), which measures scaling with the cores directly.
Targets: in-loop overhead under 5 ms per step; throughput with 2 workers near 2x that with 1.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

TASKS = (
    "click-test,click-test-2,click-button,click-button-sequence,click-checkboxes,click-collapsible,"
    "click-dialog,click-dialog-2,click-link,click-option,click-tab,click-widget,enter-text,enter-text-2,"
    "enter-password,focus-text,focus-text-2,login-user,choose-list,identify-shape"
)


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, from /proc/stat). Over a run on an
    otherwise idle machine, that is what its episodes cost: workers, Playwright drivers and
    Chromium, whose processes this one does not reap and so cannot count by itself."""
    fields = [float(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_once(tasks: str, seeds: str, workers: int, out: Path) -> dict[str, float]:
    from palaestra.runs.runner import run_eval
    from palaestra.runs.spec import build_run_config

    config = build_run_config(
        {
            "out": str(out), "tasks": tasks.split(","), "seeds": seeds, "workers": workers,
            "agents": ["oracle"], "screenshots": True,
        }
    )  # fmt: skip
    started, cpu_before = time.perf_counter(), machine_busy_s()
    result = run_eval(config, live=False, stream=open("/dev/null", "w"))  # noqa: SIM115
    wall, cpu = time.perf_counter() - started, machine_busy_s() - cpu_before
    db = sqlite3.connect(out / "results.sqlite")
    episodes = db.execute("SELECT key, started, finished, reset_s, elapsed_s, steps FROM episodes").fetchall()
    steps = db.execute("SELECT episode, env_s, agent_s, overhead_s FROM steps").fetchall()
    first, last = min(e[1] for e in episodes), max(e[2] for e in episodes)
    per_episode: dict[str, float] = {}
    for key, env_s, agent_s, _ in steps:
        per_episode[key] = per_episode.get(key, 0.0) + env_s + agent_s
    episode_overheads = [
        (elapsed - reset - per_episode.get(key, 0.0)) / n for key, _, _, reset, elapsed, n in episodes if n
    ]
    in_loop = np.asarray([s[3] for s in steps]) * 1e3
    return {
        "workers": workers,
        "episodes": len(episodes),
        "succeeded": result.succeeded,
        "errored": result.errored,
        "wall_s": round(wall, 1),
        "episodes_per_min": round(len(episodes) / ((last - first) / 60), 1),
        "in_loop_overhead_ms_p50": round(float(np.percentile(in_loop, 50)), 2),
        "in_loop_overhead_ms_p99": round(float(np.percentile(in_loop, 99)), 2),
        "episode_overhead_ms_per_step_median": round(statistics.median(episode_overheads) * 1e3, 1),
        "step_env_s_median": round(statistics.median(s[1] for s in steps), 3),
        "cpu_s_per_episode": round(cpu / max(1, len(episodes)), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=TASKS)
    parser.add_argument("--seeds", default="0-2")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--keep", help="keep the run directories under this folder")
    parser.add_argument(
        "--cores",
        default="all,same",
        help="'all': every configuration may use every core; 'same': N workers run on N cores "
        "(scaling with the cores); both by default",
    )
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-runner-"))
    rows = []
    all_cores = sorted(os.sched_getaffinity(0))
    for mode in args.cores.split(","):
        if mode not in ("all", "same"):
            parser.error(f"--cores takes 'all' and/or 'same', not {mode!r}")
        for workers in [int(w) for w in args.workers.split(",")]:
            out = root / f"{mode}-workers-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            cores = all_cores[:workers] if mode == "same" else all_cores
            os.sched_setaffinity(0, cores)  # the run's workers, drivers and browsers inherit it
            try:
                rows.append(
                    {**run_once(args.tasks, args.seeds, workers, out), "mode": mode, "cores": len(cores)}
                )
            finally:
                os.sched_setaffinity(0, all_cores)
            print(json.dumps(rows[-1]), flush=True)
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    print(
        f"{'workers':>7} {'cores':>5} {'episodes':>8} {'ep/min':>7} {'in-loop p50 ms':>15} {'p99 ms':>7} "
        f"{'ep ovh ms/step':>15} {'CPU s/ep':>9}"
    )
    for r in rows:
        print(
            f"{r['workers']:>7} {r['cores']:>5} {r['episodes']:>8} {r['episodes_per_min']:>7} "
            f"{r['in_loop_overhead_ms_p50']:>15} {r['in_loop_overhead_ms_p99']:>7} "
            f"{r['episode_overhead_ms_per_step_median']:>15} {r['cpu_s_per_episode']:>9}"
        )
    verdict: dict[str, object] = {
        "in_loop_overhead_under_5ms": all(r["in_loop_overhead_ms_p50"] < 5 for r in rows)
    }
    speedups = {}
    for mode in ("all", "same"):
        group = [r for r in rows if r["mode"] == mode]
        if len(group) >= 2:
            speedups[mode] = round(group[-1]["episodes_per_min"] / group[0]["episodes_per_min"], 2)
    verdict["speedup"] = speedups
    print(json.dumps({"runs": rows, **verdict}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
