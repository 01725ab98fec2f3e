"""How fast and how lean Palaestra's ``BrowserEnv`` is, next to BrowserGym and MiniWoB++'s own env.

Run from the repository root::

    .venv/bin/python -m bench.speed.env_speed                                         # Palaestra only
    .venv/bin/python -m bench.speed.env_speed --anchors browsergym,miniwob --install  # with the anchors
    .venv/bin/python -m bench.speed.env_speed --som              # and ours with set-of-marks screenshots
    .venv/bin/python -m bench.speed.env_speed --trace            # and ours recording Playwright traces

For every (task, seed) it times a reset and then, at once, ``--steps`` steps of one harmless
action (a mouse move to (5, 5)), as a user of the sync Gymnasium API sees them: our background
work (preparing the next episode's page) is not hidden, it competes with those steps. Memory is
the PSS of the whole process tree (Python, Playwright's driver or chromedriver, every browser
process) with 1 and then 4 environments open and reset; "per env" is the growth per added env.
Only the wall time of ``env.reset()`` and ``env.step()`` is timed; the phases an environment
reports about itself (ours: waiting for the prepared page, the task's setup, the observation)
are printed beside it to show where that time went, and the browser binary each one ran.

Every environment, ours included, runs in a subprocess (``bench/speed/runners/``) with its own venv's
Python, so no process's memory or browser outlives its measurement. The numbers are wall times on
whatever machine runs this: a busy machine inflates them all, so compare rows of one run only.

This module is the command (arguments, the printed report, the JSON file); how each row is measured
is ``env_speed_run``, and the summaries and tables are ``env_speed_report``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.speed.anchor_venvs import DEFAULT_CACHE, known_anchors
from bench.speed.env_speed_report import (
    PARALLEL,
    Summary,
    Target,
    check_targets,
    render_phases,
    render_problems,
    render_ratios,
    render_results,
    render_targets,
    render_trace,
    summarize,
)
from bench.speed.env_speed_run import Subject, measure, palaestra_subject, prepare_anchors
from palaestra.config import parse_seeds

DEFAULT_TASKS = (
    "click-test",
    "click-button",
    "enter-text",
    "click-checkboxes",
    "book-flight",
    "choose-list",
    "email-inbox",
    "social-media",
    "use-autocomplete",
    "login-user",
)


# -- arguments ----------------------------------------------------------------------------------


def parse_names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.speed.env_speed",
        description="Reset/step speed and memory per env of Palaestra's BrowserEnv, against anchors.",
    )
    parser.add_argument("--tasks", type=parse_names, default=list(DEFAULT_TASKS), help="MiniWoB++ tasks")
    parser.add_argument("--seeds", type=parse_seeds, default=parse_seeds("0-4"), help="e.g. 0-4 or 0,2,5")
    parser.add_argument("--steps", type=int, default=3, help="steps timed after each reset")
    parser.add_argument(
        "--anchors", type=parse_names, default=[], help="comma-separated: browsergym,miniwob (default: none)"
    )
    parser.add_argument("--install", action="store_true", help="create or refresh the anchors' venvs")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="anchor venvs, browser link, logs")
    parser.add_argument("--json", type=Path, default=None, metavar="OUT", help="write all results here")
    parser.add_argument("--memory-task", default="click-test", help="task the memory measurement opens")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds to wait before sampling PSS")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurement")
    parser.add_argument(
        "--som", action="store_true", help="also time ours with the set-of-marks screenshot (ObsConfig som)"
    )
    what = "also time ours recording each episode's Playwright trace (eval --trace on), and its size"
    parser.add_argument("--trace", action="store_true", help=what)
    args = parser.parse_args(argv)
    unknown = set(args.anchors) - set(known_anchors())
    if unknown:
        parser.error(f"unknown anchors {sorted(unknown)}; choose from {sorted(known_anchors())}")
    if args.steps < 1:
        parser.error("--steps must be at least 1")
    return args


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} CPUs"


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cache: Path = args.cache.resolve()
    log_dir = cache / "logs"
    load_start = load()
    subjects: list[Subject] = [palaestra_subject()]
    if args.som:
        subjects.append(palaestra_subject("som"))
    if args.trace:
        subjects.append(palaestra_subject("trace"))
    notes: list[str] = []
    if args.anchors:
        anchor_list, notes = prepare_anchors(args.anchors, cache, args.install)
        subjects.extend(anchor_list)
    measured = {subject.key: measure(subject, args, log_dir) for subject in subjects}
    # Memory is variant-independent: the no-sleep row reuses its anchor's default measurement.
    summaries = {
        key: summarize(
            out["label"], out, out.get("memory") or measured.get(key.split("-")[0], {}).get("memory")
        )
        for key, out in measured.items()
    }
    targets = check_targets(summaries)
    load_end = load()

    print(
        f"Environment speed: {len(args.tasks)} tasks x {len(args.seeds)} seeds, {args.steps} steps per reset"
    )
    print(f"tasks: {', '.join(args.tasks)}; seeds: {', '.join(map(str, args.seeds))}")
    print(f"load average at start: {load_start}; at end: {load_end}")
    print()
    print(render_results(summaries))
    print()
    print("open = creating the env (once per task); medians over all (task, seed) resets and all steps;")
    print(f"obs = observation extraction in a step; PSS/env = (PSS of {PARALLEL} envs - PSS of 1)", end="")
    print(f" / {PARALLEL - 1}.")
    phases = render_phases(summaries)
    if phases:
        print()
        print("Step phases (median s each; each env names its own phases):")
        print(phases)
    reset_phases = render_phases(summaries, "reset")
    if reset_phases:
        print("Reset phases (median s each; page = waiting for the page prepared in the background):")
        print(reset_phases)
    traced = render_trace(
        summaries.get("palaestra"),
        summaries.get("palaestra-trace"),
        measured.get("palaestra-trace", {}).get("timing", {}).get("about") or {},
    )
    if traced:
        print("Playwright trace on vs off (palaestra eval --trace on):")
        print(traced)
    browsers = [f"{s.label}: {s.browser}" for s in summaries.values() if s.browser]
    if browsers:
        print("Browsers: " + "; ".join(browsers))
    ratios = render_ratios(summaries)
    if ratios:
        print()
        print(ratios)
    print()
    print(render_targets(targets))
    problems = render_problems(summaries)
    if problems:
        print()
        print("Problems seen:")
        print(problems)
    for note in notes:
        print()
        print(note)
    if not args.anchors:
        print()
        print("Only Palaestra was measured. To compare with the anchors, run:")
        print("  .venv/bin/python -m bench.speed.env_speed --anchors browsergym,miniwob --install")
    if args.json is not None:
        write_json(args, measured, summaries, targets, notes, load_start, load_end)
        print(f"\nWrote {args.json}")
    return 0


def write_json(
    args: argparse.Namespace,
    measured: dict[str, Any],
    summaries: dict[str, Summary],
    targets: list[Target],
    notes: list[str],
    load_start: str,
    load_end: str,
) -> None:
    payload = {
        "config": {
            "tasks": args.tasks,
            "seeds": args.seeds,
            "steps": args.steps,
            "anchors": args.anchors,
            "memory_task": args.memory_task,
            "parallel": PARALLEL,
            "settle_s": args.settle,
        },
        "machine": {"cpus": os.cpu_count(), "load_start": load_start, "load_end": load_end},
        "summaries": {key: asdict(s) for key, s in summaries.items()},
        "targets": [asdict(t) for t in targets],
        "notes": notes,
        "raw": measured,
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    sys.exit(main())
