"""WebArena's official map tasks on the map stand-in: does every one start, step, end and get judged
in all its columns (paper, corrected, Verified) with no harness error?

    python -m bench.speed.map_official [--sample N] [--workers 2] [--out DIR] [--json out.json]

Plays the map tasks of ``webarena``, ``webarena-verified`` and ``webarena-lite`` (128 + 128 + 31,
cross-site ones included, their other sites on the stand-ins) with ``bench.agents.map_probe``: a
couple of real actions on the map and an answer. The stand-in holds Helsinki, so verdicts are
expected to be 0; what counts is that none is missing. Prints per suite the episodes, how they
ended, errors by kind, each column's values (``None``: not judged) with why, and the seconds its
episodes took; the whole run's wall time beside them. All suites play in one ``palaestra eval``
(task ids name their suite): its start-up (the sites, a worker, Chromium) is paid once, not once
a suite. ``--sample N`` plays N tasks of each evaluation type per suite (the test's cheap mode).
Exit status 1 when any episode errored or any column was not judged.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from bench.common import emit, log

SUITES = ("webarena", "webarena-verified", "webarena-lite")
AGENT = "palaestra.bench.agents.map_probe:MapProbeAgent"


def map_tasks(suite: str, sample: int | None) -> list[str]:
    """The suite's task ids that involve the map; with ``sample``, that many per evaluation type
    (Verified's evaluations are its own list: its tasks are sorted by the paper's types)."""
    from palaestra.tasks.webarena.official import raw_tasks

    paper = {raw["task_id"]: raw["eval"]["eval_types"] for raw in raw_tasks("webarena")}
    by_kind: dict[str, list[str]] = defaultdict(list)
    for raw in raw_tasks(suite):
        if "map" in raw["sites"]:
            kinds = raw["eval"]["eval_types"] if isinstance(raw["eval"], dict) else paper[raw["task_id"]]
            by_kind[",".join(kinds)].append(str(raw["task_id"]))
    return [t for ids in by_kind.values() for t in (ids[:sample] if sample else ids)]


def play(tasks: list[str], out: Path, workers: int) -> float:
    """``palaestra eval`` of the probe over ``tasks`` (suite-qualified ids); its wall time in seconds."""
    started = time.perf_counter()
    command = [sys.executable, "-m", "palaestra.cli", "eval", "--agent", AGENT,
               "--tasks", ",".join(tasks), "--workers", str(workers), "--max-steps", "5",
               "--out", str(out)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        raise SystemExit(f"palaestra eval exited {done.returncode}:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def tally(run: Path, suite: str) -> dict[str, Any]:
    """How the run's episodes of ``suite`` ended, their errors by kind, each column's values and why
    not judged, and the seconds they took."""
    db = sqlite3.connect(run / "results.sqlite")
    query = "SELECT task, status, outcome, error_kind, error_message, extra, elapsed_s FROM episodes"
    mine = [row for row in db.execute(query) if row[0].split(".", 1)[0] == suite]
    rows, seconds = [row[:6] for row in mine], sum(row[6] or 0.0 for row in mine)
    ended: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    columns: dict[str, Counter[str]] = defaultdict(Counter)
    unjudged: dict[str, list[str]] = defaultdict(list)
    for task, status, outcome, kind, message, extra in rows:
        ended[status if status == "error" else outcome or "done"] += 1
        if status == "error":
            errors[f"{kind}: {(message or '').strip().splitlines()[0][:160] if message else ''}"] += 1
            continue
        verdict = json.loads(extra or "{}")
        for column in ("paper", "corrected", "verified"):
            value = (verdict.get("columns") or {}).get(column)
            columns[column][str(value)] += 1
        for column, why in ((verdict.get("verdict") or {}).get("errors") or {}).items():
            unjudged[f"{column}: {str(why).splitlines()[0][:160]}"].append(task)
    return {"episodes": len(rows), "episode_s": round(seconds, 1), "ended": dict(ended),
            "errors": dict(errors),
            "columns": {k: dict(v) for k, v in columns.items()},
            "not_judged": {k: {"n": len(v), "tasks": v[:10]} for k, v in unjudged.items()}}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sample", type=int, default=None, help="tasks per evaluation type per suite")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--suites", default=",".join(SUITES))
    parser.add_argument("--out", type=Path, default=None, help="keep the run here (default: a temporary one)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    result: dict[str, Any] = {"suites": {}}
    with tempfile.TemporaryDirectory(prefix="map-official-") as scratch:
        run = args.out or Path(scratch) / "run"
        tasks = {suite: map_tasks(suite, args.sample) for suite in args.suites.split(",")}
        for suite, suite_ids in tasks.items():
            log(f"{suite}: {len(suite_ids)} map tasks")
        qualified = [f"{suite}.{task}" for suite, suite_ids in tasks.items() for task in suite_ids]
        result["wall_s"] = round(play(qualified, run, args.workers), 1)
        for suite, suite_ids in tasks.items():
            result["suites"][suite] = {"tasks": len(suite_ids), **tally(run, suite)}
    clean = all(not s["errors"] and not s["not_judged"] for s in result["suites"].values())
    result["clean"] = clean
    emit(result, args.json)
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
