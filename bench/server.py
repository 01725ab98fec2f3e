"""What serving costs: the environment server's overhead per step, and its throughput.

    nice .venv/bin/python -m bench.server                  # 200 steps for the overhead, 20 s per load

Overhead: one client steps one session of ``miniwob.enter-text`` (``fill`` into the text field,
observation parts axtree, dom, elements) on ``palaestra serve`` running in its own process on
loopback. For every step the client's wall time (HTTP, JSON on both sides, the session's
bookkeeping) is compared with the environment's own time for that very step, which the server
reports in ``Server-Timing``; the difference is what serving adds. The anchor, measured in the same
run, is the same steps on an in-process ``BrowserEnv``. Targets: median < 5 ms, p99 < 20 ms.

Throughput: 1, 4 and 16 sessions stepping at once from one client process (asyncio), for a fixed
time; steps per second over all sessions. On 2 shared cores this is bound by Chromium's CPU, not
by the server; the per-step latency is printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any

import httpx

from palaestra.server.load import run as load_run
from palaestra.server.run import free_port

TASK = "miniwob.enter-text"
PARTS = ["axtree", "dom", "elements"]
TARGET_MEDIAN_MS, TARGET_P99_MS = 5.0, 20.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_process(steps: int) -> list[float]:
    """Step times (ms) of the same steps on a BrowserEnv in this process: the anchor."""
    from palaestra.envs import BrowserEnv
    from palaestra.envs.obs import ObsConfig

    env = BrowserEnv(TASK, obs_config=ObsConfig(screenshot=False), pages_ahead=1)
    try:
        obs, _ = env.reset(seed=0)
        textbox = next(e["id"] for e in obs["elements"] if e["tag"] == "input")
        times = []
        for i in range(steps):
            started = time.perf_counter()
            env.step(f"fill('{textbox}', 'word{i}')")
            times.append((time.perf_counter() - started) * 1000)
        return times
    finally:
        env.close()


def over_http(url: str, steps: int) -> tuple[list[float], list[float], int]:
    """(client ms, environment ms, response bytes) of each step through the server."""
    with httpx.Client(base_url=url, timeout=120) as http:
        session = http.post("/sessions", json={"task": TASK, "seed": 0, "parts": PARTS}).json()
        sid = session["id"]
        textbox = next(e["id"] for e in session["observation"]["elements"] if e["tag"] == "input")
        client_ms, env_ms, size = [], [], 0
        for i in range(steps):
            started = time.perf_counter()
            answer = http.post(f"/sessions/{sid}/step", json={"action": f"fill('{textbox}', 'word{i}')"})
            answer.raise_for_status()
            answer.json()
            client_ms.append((time.perf_counter() - started) * 1000)
            env_ms.append(float(answer.headers["server-timing"].split("dur=")[1]))
            size = len(answer.content)
        http.delete(f"/sessions/{sid}")
    return client_ms, env_ms, size


def start_server(port: int, max_sessions: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--port", str(port),
               "--max-sessions", str(max_sessions)]  # fmt: skip
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the server did not start")


def throughput(url: str, sessions: int, seconds: float) -> dict[str, Any]:
    started = time.perf_counter()
    report = asyncio.run(load_run(url, sessions, seconds, 1000, (1, 100_000)))
    elapsed = time.perf_counter() - started
    latencies = [x * 1000 for s in report["sessions"] for x in s["latencies"]]
    mismatches = sum(len(s["mismatches"]) for s in report["sessions"])
    errors = [e for s in report["sessions"] for e in s["errors"]]
    return {
        "sessions": sessions, "steps": len(latencies), "steps_per_s": len(latencies) / seconds,
        "median_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 0.99),
        "wall_s": elapsed, "mismatches": mismatches, "errors": len(errors), "first_error": errors[:1],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps timed for the overhead")
    parser.add_argument("--seconds", type=float, default=20.0, help="stepping time per throughput row")
    parser.add_argument("--loads", default="1,4,16")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    anchor = in_process(args.steps)
    port = free_port()
    loads = [int(n) for n in args.loads.split(",")]
    server = start_server(port, max(loads))
    try:
        url = f"http://127.0.0.1:{port}"
        client_ms, env_ms, size = over_http(url, args.steps)
        rows = [throughput(url, n, args.seconds) for n in loads]
    finally:
        server.terminate()
        server.wait(30)
    overhead = [c - e for c, e in zip(client_ms, env_ms, strict=True)]
    figures = {
        "cpus": os.cpu_count(), "load_avg": os.getloadavg()[0], "steps": args.steps, "response_bytes": size,
        "in_process_median_ms": statistics.median(anchor), "in_process_p99_ms": percentile(anchor, 0.99),
        "served_median_ms": statistics.median(client_ms), "served_p99_ms": percentile(client_ms, 0.99),
        "overhead_median_ms": statistics.median(overhead), "overhead_p99_ms": percentile(overhead, 0.99),
        "throughput": rows,
    }  # fmt: skip
    print(f"machine: {figures['cpus']} cpus, load average {figures['load_avg']:.1f}")
    print(f"step of {TASK} (parts {','.join(PARTS)}), {args.steps} steps, {size} bytes per answer")
    print(
        f"  in-process BrowserEnv     median {figures['in_process_median_ms']:7.2f} ms  "
        f"p99 {figures['in_process_p99_ms']:7.2f} ms"
    )
    print(
        f"  through the server        median {figures['served_median_ms']:7.2f} ms  "
        f"p99 {figures['served_p99_ms']:7.2f} ms"
    )
    med, p99 = figures["overhead_median_ms"], figures["overhead_p99_ms"]
    verdict = "meets" if med < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS else "misses"
    print(
        f"  server overhead per step  median {med:7.2f} ms  p99 {p99:7.2f} ms  "
        f"({verdict} the targets {TARGET_MEDIAN_MS} / {TARGET_P99_MS} ms)"
    )
    print(f"  overhead / in-process median: {med / figures['in_process_median_ms']:.3f}")
    for row in rows:
        print(
            f"  {row['sessions']:>2} sessions: {row['steps_per_s']:6.1f} steps/s  "
            f"median {row['median_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  "
            f"cross-talk {row['mismatches']}  errors {row['errors']} {row['first_error']}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
