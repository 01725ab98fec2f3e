"""The sites: start-up, reset and step times on real pages, memory and disk, the isolation check,
and the oracles over every task; beside WebArena's documented figures.

    python -m bench.speed.sites [--resets 20] [--oracles] [--agents] [--json out.json]

Per site: cold start (a fresh process until it answers its health check), reset median and 95th
percentile on the site's pages (a reset includes the first observation; the episode's state is
copied and its page loaded ahead while the previous episode runs, as in real use; here the previous
episode is the oracle's, a quick agent of three steps), step median on real pages (the oracles'
own steps: clicks that load pages, form fills, searches), RSS of the site process, disk of the seed
and of one episode's copy. Then the isolation check (two episodes change one record at once through
the site's form; on the shop, the code host and the wiki). ``--oracles`` runs ``palaestra eval
--agent oracle`` over each whole suite; ``--agents`` adds the state abstraction's token ratio and
target retention on the sites' pages and the memory agent's success with demonstrations of other
instantiations of each template (``bench.agents.sites``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil

from bench.common import emit, nearest_rank

#: WebArena's own figures (issue 17's account of its documentation and users' reports): about 300 GB
#: of Docker images for the six sites, and a reset that restarts containers in about two minutes.
WEBARENA = {"images_gb": 300, "reset_s": 120.0}
#: A task per site whose start page is a busy page of it, for the reset loop.
RESET_TASKS = {"shop": "shop.product-price-0", "shop-admin": "shop-admin.admin-order-status-0",
               "forum": "forum.topic-author-0", "code": "code.ticket-status-0",
               "wiki": "wiki.wiki-section-0"}  # fmt: skip
#: Tasks whose oracle steps are timed (searches, page loads, form posts).
STEP_TASKS = {
    "shop": ["shop.product-price-1", "shop.order-total-0", "shop.add-to-cart-1"],
    "shop-admin": ["shop-admin.admin-set-stock-0", "shop-admin.admin-order-customer-0"],
    "forum": ["forum.topic-first-reply-0", "forum.reply-to-topic-1"],
    "code": ["code.ticket-severity-0", "code.new-ticket-1"],
    "wiki": ["wiki.wiki-edit-summary-1", "wiki.wiki-append-1"],
}
OUT = Path(".cache/bench/sites")


def du(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def cold_starts() -> dict[str, dict[str, Any]]:
    from palaestra.sites.build import built
    from palaestra.sites.registry import SITES
    from palaestra.sites.runtime import SiteRuntime

    rows: dict[str, dict[str, Any]] = {}
    for name, site in SITES.items():
        build = built(site.dataset, log=print)
        runtime = SiteRuntime()
        try:
            started = time.perf_counter()
            runtime.ensure(name)
            rows[name] = {
                "cold_start_s": round(time.perf_counter() - started, 2),
                "seed_mb": round(du(build) / 1e6, 1),
                "seed_parts_mb": {
                    p.name: round(du(p) / 1e6, 1) for p in sorted(build.iterdir()) if p.is_dir()
                }
                | {"db.sqlite3": round(du(build / "db.sqlite3") / 1e6, 1)},
                "episode_copy_mb": round(du(build / "db.sqlite3") / 1e6, 1),
            }
        finally:
            runtime.stop()
    return rows


def resets_and_steps(resets: int) -> dict[str, dict[str, Any]]:
    """Resets between oracle episodes of the site's reset task (a quick agent: a search, a page, an
    answer), and the oracle steps of the step tasks. The reset's parts come from ``env.timings``:
    waiting for the page prepared ahead (``page``) and the first observation (``observe``)."""
    from palaestra.envs import BrowserEnv
    from palaestra.sites.runtime import get_runtime
    from palaestra.tasks.webarena import play_oracle

    rows: dict[str, dict[str, Any]] = {}
    for site, task in RESET_TASKS.items():
        env = _TimedEnv(BrowserEnv(task))
        try:
            play_oracle(env, task)  # starts the site and warms its caches; not counted
            env.reset_times.clear()
            for _ in range(resets):
                assert play_oracle(env, task).success
            steps: list[float] = []
            for step_task in STEP_TASKS[site]:
                timed = _TimedEnv(BrowserEnv(step_task, pages_ahead=0))
                try:
                    result = play_oracle(timed, step_task)
                    assert result.success, (step_task, result)
                finally:
                    timed.env.close()
                steps += timed.step_times
            process = get_runtime().processes[site].process
            rss = psutil.Process(process.pid).memory_info().rss
        finally:
            env.env.close()
        times = [t["reset"] for t in env.reset_times]
        rows[site] = {
            "reset_median_s": round(statistics.median(times), 3),
            "reset_p95_s": round(nearest_rank(times, 0.95), 3),
            "reset_observe_median_s": round(statistics.median(t["observe"] for t in env.reset_times), 3),
            "reset_page_wait_median_s": round(statistics.median(t["page"] for t in env.reset_times), 3),
            "step_median_s": round(statistics.median(steps), 3),
            "steps_timed": len(steps),
            "rss_mb": round(rss / 1e6),
        }
    return rows


class _TimedEnv:
    """An environment that notes how long each reset (and its parts) and each step took."""

    def __init__(self, env: Any) -> None:
        self.env = env
        self.step_times: list[float] = []
        self.reset_times: list[dict[str, float]] = []

    def reset(self, **kwargs: Any) -> Any:
        started = time.perf_counter()
        out = self.env.reset(**kwargs)
        self.reset_times.append({**self.env.timings, "reset": time.perf_counter() - started})
        return out

    def step(self, action: str) -> Any:
        started = time.perf_counter()
        out = self.env.step(action)
        self.step_times.append(time.perf_counter() - started)
        return out


def isolation() -> dict[str, Any]:
    """The isolation check on every site with a record to change (``palaestra.sites.isolation``)."""
    from playwright.async_api import async_playwright

    from palaestra.envs.browser import find_chromium
    from palaestra.sites.isolation import RECORDS, concurrent_changes
    from palaestra.sites.runtime import get_runtime

    async def run() -> dict[str, Any]:
        out: dict[str, Any] = {}
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=find_chromium(p), args=["--no-sandbox"])
            try:
                for site in RECORDS:
                    started = time.perf_counter()
                    outcome = await concurrent_changes(browser, get_runtime(), site)
                    seconds = round(time.perf_counter() - started, 2)
                    stored = [outcome.a.stored, outcome.b.stored]
                    out[site] = {"isolated": outcome.isolated, "stored": stored, "fresh": outcome.fresh,
                                 "seconds": seconds}  # fmt: skip
            finally:
                await browser.close()
        return out

    return asyncio.run(run())


def oracles(workers: int) -> dict[str, Any]:
    from palaestra.runs.results import load_rows

    rows: dict[str, Any] = {}
    for suite in ("shop", "shop-admin", "forum", "code", "wiki", "cross", "map"):
        out = OUT / f"oracle-{suite}"
        shutil.rmtree(out, ignore_errors=True)  # a fresh run: never resume an older one's results
        command = [sys.executable, "-m", "palaestra.cli", "eval", "--agent", "oracle", "--suite", suite]
        command += ["--seeds", "0", "--workers", str(workers), "--out", str(out), "--no-screenshots"]
        started = time.perf_counter()
        subprocess.run(command, check=False, stdout=subprocess.DEVNULL)
        episodes = load_rows(out)
        wins = sum(1 for e in episodes if e.get("success"))
        failed = sorted(e["task"] for e in episodes if not e.get("success"))
        rows[suite] = {
            "tasks": len(episodes), "success": wins, "rate": round(wins / max(1, len(episodes)), 3),
            "failed": failed[:10], "minutes": round((time.perf_counter() - started) / 60, 1),
        }  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resets", type=int, default=20)
    parser.add_argument("--oracles", action="store_true", help="run every task's oracle (minutes)")
    parser.add_argument("--agents", action="store_true", help="abstraction and memory agent (long)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default="")
    args = parser.parse_args(argv)
    import palaestra  # noqa: F401

    report: dict[str, Any] = {"webarena": WEBARENA, "load_before": psutil.getloadavg()}
    starts = cold_starts()
    speed = resets_and_steps(args.resets)
    report["sites"] = {name: starts[name] | speed.get(name, {}) for name in starts}
    report["isolation"] = isolation()
    print("site        cold start  reset p50    p95  step p50      RSS     seed")
    for name, r in report["sites"].items():
        print(
            f"{name:<11} {r['cold_start_s']:>9.2f}s {r['reset_median_s']:>8.3f}s {r['reset_p95_s']:>5.2f}s "
            f"{r['step_median_s']:>7.3f}s {r['rss_mb']:>5} MB {r['seed_mb']:>5} MB"
        )
    print(f"WebArena: images ~{WEBARENA['images_gb']} GB, reset ~{WEBARENA['reset_s']:.0f} s")
    print(f"isolation: {report['isolation']}")
    if args.oracles:
        report["oracles"] = oracles(args.workers)
        print(f"oracles: {report['oracles']}")
    if args.agents:
        from bench.agents.sites import run_agents

        report["agents"] = run_agents()
        print(f"agents: {json.dumps(report['agents'])}")
    report["load_after"] = psutil.getloadavg()
    return emit(report, Path(args.json) if args.json else None)


if __name__ == "__main__":
    raise SystemExit(main())
