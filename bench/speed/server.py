"""What serving costs: the environment server's overhead per step, and its throughput.

    nice .venv/bin/python -m bench.speed.server                  # 200 steps for the overhead, 20 s per load

Overhead: one client steps one session of ``miniwob.enter-text`` (``fill`` into the text field,
observation parts axtree, dom, elements) on ``palaestra serve`` running in its own process on
loopback. For every step the client's wall time (HTTP, JSON on both sides, the session's
bookkeeping) is compared with the environment's own time for that very step, which the server
reports in ``Server-Timing``; the difference is what serving adds. The anchor, measured in the same
run, is the same steps on an in-process ``BrowserEnv``. Targets: median < 5 ms, p99 < 20 ms.

On a machine shared with other work, every wall time above stretches with the load (the server
waits for a core as much as Chromium does), so the serving path is also measured alone: the same
requests to a server whose environment answers a canned enter-text observation (captured from a real
reset) at once. That isolates HTTP, routing, validation and JSON on both sides from the browser.
Last, the CPU time of that path (client and server code in one process through an ASGI transport,
no sockets), which waiting for a core does not inflate.

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

from bench.common import nearest_rank
from palaestra.server.load import run as load_run
from palaestra.server.run import free_port

TASK = "miniwob.enter-text"
PARTS = ["axtree", "dom", "elements"]
TARGET_MEDIAN_MS, TARGET_P99_MS = 5.0, 20.0


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


def canned_env() -> Any:
    """An environment class whose sessions answer one real observation at once (no browser work)."""
    from palaestra.envs import BrowserEnv
    from palaestra.envs.base import PalaestraEnv
    from palaestra.envs.obs import ObsConfig

    real = BrowserEnv(TASK, obs_config=ObsConfig(screenshot=False), pages_ahead=0)
    captured, _ = real.reset(seed=0)
    layout, action_set = real.layout, real.action_set
    real.close()

    class Canned(PalaestraEnv):
        def __init__(self, task: str, **options: Any) -> None:
            self.layout, self.action_set, self.timings = layout, action_set, {}

        async def areset(self, *, seed: Any = None, options: Any = None) -> Any:
            return dict(captured), {"seed": seed}

        async def _astep(self, action: str) -> Any:
            return {**captured, "last_action": action}, 0.0, False, False, {"success": False, "error": None}

        async def aclose(self) -> None:
            pass

        @property
        def goal(self) -> str:
            return str(captured["goal"])

    return Canned


def serve_canned(port: int) -> None:
    import uvicorn

    from palaestra.server import ServerConfig, create_app
    from palaestra.server.run import uvicorn_config

    config = ServerConfig(port=port)
    uvicorn.Server(uvicorn_config(create_app(config, env_factory=canned_env()), config)).run()


def serving_cpu(steps: int) -> list[float]:
    """CPU ms per step of the whole serving path (client and server code, one process, no
    network): what the load of a shared machine cannot inflate."""
    from palaestra.server import ServerConfig, create_app

    async def measure() -> list[float]:
        app = create_app(ServerConfig(), env_factory=canned_env())
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            sid = (await http.post("/sessions", json={"task": TASK, "seed": 0})).json()["id"]
            cpu = []
            for i in range(steps):
                started = time.process_time()
                answer = await http.post(f"/sessions/{sid}/step", json={"action": f"fill('17', 'word{i}')"})
                answer.json()
                cpu.append((time.process_time() - started) * 1000)
            return cpu

    return asyncio.run(measure())


def start_server(port: int, max_sessions: int, canned: bool = False) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "palaestra.cli", "serve", "--port", str(port),
               "--max-sessions", str(max_sessions)]  # fmt: skip
    if canned:
        command = [sys.executable, "-m", "bench.speed.server", "--serve-canned", str(port)]
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
        "median_ms": statistics.median(latencies), "p99_ms": nearest_rank(latencies, 0.99),
        "wall_s": elapsed, "mismatches": mismatches, "errors": len(errors), "first_error": errors[:1],
    }  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200, help="steps timed for the overhead")
    parser.add_argument("--seconds", type=float, default=20.0, help="stepping time per throughput row")
    parser.add_argument("--loads", default="1,4,16")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--serve-canned", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_canned:
        serve_canned(args.serve_canned)
        return 0

    anchor = in_process(args.steps)
    cpu = serving_cpu(max(args.steps, 500))
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
    canned_port = free_port()
    canned = start_server(canned_port, 1, canned=True)
    try:
        alone, _, _ = over_http(f"http://127.0.0.1:{canned_port}", args.steps)
    finally:
        canned.terminate()
        canned.wait(30)
    figures = {
        "cpus": os.cpu_count(), "load_avg": os.getloadavg()[0], "steps": args.steps, "response_bytes": size,
        "in_process_median_ms": statistics.median(anchor), "in_process_p99_ms": nearest_rank(anchor, 0.99),
        "served_median_ms": statistics.median(client_ms), "served_p99_ms": nearest_rank(client_ms, 0.99),
        "overhead_median_ms": statistics.median(overhead), "overhead_p99_ms": nearest_rank(overhead, 0.99),
        "alone_median_ms": statistics.median(alone), "alone_p99_ms": nearest_rank(alone, 0.99),
        "cpu_median_ms": statistics.median(cpu), "cpu_p99_ms": nearest_rank(cpu, 0.99),
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
    med, p99 = figures["alone_median_ms"], figures["alone_p99_ms"]
    verdict = "meets" if med < TARGET_MEDIAN_MS and p99 < TARGET_P99_MS else "misses"
    print(f"  serving alone (canned env) median {med:7.2f} ms  p99 {p99:7.2f} ms  ({verdict} the targets)")
    print(
        f"  serving CPU per step (client+server) median {figures['cpu_median_ms']:.2f} ms  "
        f"p99 {figures['cpu_p99_ms']:.2f} ms"
    )
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
