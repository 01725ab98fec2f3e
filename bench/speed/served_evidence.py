"""What keeping evidence costs a shop episode, in-process and over ``--env-server``.

    nice .venv/bin/python -m bench.speed.served_evidence --episodes 6

The oracle plays shop tasks (seed 0) through the run's own `EpisodeWorker`, in this process and
against ``palaestra serve`` in a process of its own on loopback, with evidence kept (the default) and
left out (``--no-evidence``), the four kinds of episode interleaved so that a machine's changing load
falls on all alike. For each it reports the evidence's size (``extra["evidence"]["bytes"]``), the
time the run spends keeping it (`runs.episode_record.keep_evidence`, timed around the call: for a
served episode the server's snapshot and compression, the transfer and the unpacking), and the
episode's whole time with and without evidence.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.speed.server import start_server
from palaestra.runs import episode as episode_module
from palaestra.runs.episode import EpisodeWorker
from palaestra.runs.spec import AgentEntry, EpisodeSpec, RunSettings
from palaestra.server.run import free_port

TASKS = ("shop.change-last-name-0", "shop.product-price-0")
_kept: list[float] = []


def _timed_keep_evidence() -> None:
    """Time every call of the run's `keep_evidence` (what the evidence costs the episode)."""
    real = episode_module.keep_evidence

    async def timed(*args: Any) -> None:
        started = time.perf_counter()
        await real(*args)
        _kept.append(time.perf_counter() - started)

    episode_module.keep_evidence = timed  # type: ignore[assignment]


def measure(episodes: int, server: str) -> dict[str, Any]:
    _timed_keep_evidence()
    figures: dict[str, list[dict[str, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="bench-evidence-") as tmp:
        workers = {
            (where, kept): EpisodeWorker(
                RunSettings(max_steps=40, screenshots=False, evidence=kept, env_server=url),
                str(Path(tmp) / f"{where}-{kept}"),
            )
            for where, url in (("in-process", ""), ("served", server))
            for kept in (True, False)
        }
        try:
            for worker in workers.values():  # a first episode each: browsers and sessions start
                worker.run(EpisodeSpec(AgentEntry("oracle"), TASKS[0], 0))
            for _ in range(episodes):
                for task in TASKS:
                    for (where, kept), worker in workers.items():
                        _kept.clear()
                        out = worker.run(EpisodeSpec(AgentEntry("oracle"), task, 0))
                        assert out.outcome == "success", (where, task, out.error_message)
                        row = {"elapsed_s": out.elapsed_s}
                        if kept:
                            assert "evidence" in out.extra, out.extra.get("evidence_error")
                            row |= {"bytes": out.extra["evidence"]["bytes"], "keep_s": _kept[0]}
                        figures[f"{task} {where} evidence={'on' if kept else 'off'}"].append(row)
        finally:
            for worker in workers.values():
                worker.close()
    return {name: summary(rows) for name, rows in figures.items()}


def summary(rows: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(statistics.median(r[key] for r in rows), 4) for key in rows[0]} | {"n": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=6, help="episodes per task and kind")
    args = parser.parse_args()
    port = free_port()
    proc: subprocess.Popen[bytes] = start_server(port, 8)
    try:
        print(json.dumps(measure(args.episodes, f"http://127.0.0.1:{port}"), indent=1))
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    main()
